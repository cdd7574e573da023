// The byte-level scanner: line splitting across chunk boundaries, field splitting, and the fast
// number paths agreeing exactly with the core's strict parsers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseDecimal } from '../../src/core/decimal.js';
import {
  decimalBytesFast,
  isWord,
  parseAmountBytes,
  parseIdBytes,
  scanLines,
  splitFields,
} from '../../src/replay/csv-scan.js';
import { tmpDir } from './fixtures.js';

function lines(text: string | Buffer): Array<[number, string]> {
  const path = join(tmpDir(), 'f.csv');
  writeFileSync(path, text);
  const out: Array<[number, string]> = [];
  scanLines(path, (buf, s, e, n) => out.push([n, buf.toString('utf8', s, e)]));
  return out;
}

test('scanLines: LF, CRLF, blank lines, no final newline, BOM', () => {
  assert.deepEqual(lines('a\nb\r\n\r\nc'), [
    [1, 'a'],
    [2, 'b'],
    [4, 'c'],
  ]);
  assert.deepEqual(lines('x\r\ny\r\n'), [
    [1, 'x'],
    [2, 'y'],
  ]);
  assert.deepEqual(lines(Buffer.from('\ufeffh,i\nj\n')), [
    [1, 'h,i'],
    [2, 'j'],
  ]);
  assert.deepEqual(lines(''), []);
  assert.deepEqual(lines('z'), [[1, 'z']]);
});

test('scanLines: lines across 4 MB chunk boundaries and a line longer than a chunk', () => {
  const rows: string[] = [];
  for (let i = 0; i < 400_000; i++) rows.push(`${i},${'x'.repeat(i % 17)}`);
  const long = 'y'.repeat(9_000_000);
  rows.splice(250_000, 0, long);
  const got = lines(rows.join('\r\n') + '\r\n');
  assert.equal(got.length, rows.length);
  for (let i = 0; i < rows.length; i++) {
    const g = got[i] as [number, string];
    if (g[0] !== i + 1 || g[1] !== rows[i]) assert.fail(`line ${i + 1}: ${g[1].slice(0, 40)}`);
  }
});

test('splitFields counts every field but stores only as many as fit', () => {
  const buf = Buffer.from('1,22,,333,4,5,6');
  const b = new Int32Array(6);
  assert.equal(splitFields(buf, 0, buf.length, b), 7);
  assert.deepEqual([...b], [0, 1, 2, 4, 5, 5]);
  assert.equal(splitFields(buf, 0, 0, b), 1);
});

test('parseIdBytes: plain non-negative safe integers only', () => {
  const id = (s: string) => parseIdBytes(Buffer.from(s), 0, s.length);
  assert.equal(id('0'), 0);
  assert.equal(id('42'), 42);
  assert.equal(id('9007199254740991'), Number.MAX_SAFE_INTEGER);
  for (const bad of ['', '-1', '+1', '01', '1.0', ' 1', '1e3', '9007199254740992', '99999999999999999', 'x']) {
    assert.equal(id(bad), -1, bad);
  }
});

test('isWord matches any letter case, exact length', () => {
  const w = (s: string, word: string) => isWord(Buffer.from(s), 0, s.length, word);
  assert.ok(w('buy', 'buy') && w('BUY', 'buy') && w('Sell', 'sell'));
  assert.ok(!w('buys', 'buy') && !w('bu', 'buy') && !w('b@y', 'buy'));
});

test('fast decimal path agrees with parseDecimal on every input (property)', () => {
  const digitString = fc.string({ unit: fc.constantFrom('0', '1', '5', '9', '.', '-', 'e', ' '), maxLength: 22 });
  const plausible = fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.nat({ max: 12 }), fc.boolean())
    .map(([v, fracLen, dot]) => {
      const s = v.toString();
      if (!dot || fracLen === 0 || fracLen >= s.length) return s;
      return `${s.slice(0, s.length - fracLen)}.${s.slice(s.length - fracLen)}`;
    });
  fc.assert(
    fc.property(fc.oneof(digitString, plausible), fc.nat({ max: 18 }), (text, decimals) => {
      const buf = Buffer.from(text);
      const fast = decimalBytesFast(buf, 0, buf.length, decimals);
      const slow = parseDecimal(text, decimals);
      if (fast >= 0) {
        assert.ok(slow.ok, `${text} fast ${fast} but slow ${JSON.stringify(slow)}`);
        assert.equal(fast, slow.value);
      }
      const both = parseAmountBytes(buf, 0, buf.length, 'human', decimals);
      if (typeof both === 'number') assert.deepEqual({ ok: true, value: both }, slow);
      else assert.deepEqual(both, slow);
    }),
    { numRuns: 20_000 },
  );
});

test('internal units: non-negative int64 integers, exact beyond 2^53', () => {
  const p = (s: string) => {
    const r = parseAmountBytes(Buffer.from(s), 0, s.length, 'internal', 0);
    return typeof r === 'number' ? { ok: true, value: r } : r;
  };
  assert.deepEqual(p('123'), { ok: true, value: 123 });
  assert.deepEqual(p('0'), { ok: true, value: 0 });
  assert.deepEqual(p('9223372036854775807'), { ok: true, value: 9223372036854775807n });
  assert.deepEqual(p('9007199254740993'), { ok: true, value: 9007199254740993n });
  assert.equal(p('9223372036854775808').ok, false);
  assert.deepEqual(p('-5'), { ok: false, error: '"-5" must not be negative' });
  assert.equal(p('1.5').ok, false);
  assert.equal(p('007').ok, false);
  assert.deepEqual(p(''), { ok: false, error: 'must not be empty' });
});
