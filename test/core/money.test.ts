// Money parsing, formatting and exact arithmetic, including the bigint range.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDecimal, parseUnits, formatDecimal } from '../../src/core/decimal.js';
import { add, sub, mul, mulDivFloor, INT64_MAX, fitsInt64, norm } from '../../src/core/int64.js';

function ok(text: string, decimals: number) {
  const r = parseDecimal(text, decimals);
  assert.ok(r.ok, `${JSON.stringify(text)} should parse: ${r.ok ? '' : r.error}`);
  return r.value;
}
function refused(text: string, decimals: number) {
  const r = parseDecimal(text, decimals);
  assert.equal(r.ok, false, `${JSON.stringify(text)} should be refused`);
  return r.ok ? '' : r.error;
}

test('parses plain decimals into internal units', () => {
  assert.equal(ok('0.1', 8), 10_000_000);
  assert.equal(ok('0', 8), 0);
  assert.equal(ok('1', 2), 100);
  assert.equal(ok('84000.55', 2), 8_400_055);
  assert.equal(ok('0.00000001', 8), 1);
  assert.equal(ok('123', 0), 123);
});

test('refuses what is not a plain decimal string', () => {
  for (const bad of ['1e5', '-1', '00.1', '.5', '1.', ' 1', '1 ', '+1', '0x10', '1,5', '', 'NaN', 'Infinity', '١']) {
    refused(bad, 8);
  }
  assert.equal(parseDecimal(1 as unknown as string, 8).ok, false);
});

test('refuses excess precision instead of rounding', () => {
  assert.match(refused('0.123456789', 8), /9 decimals, at most 8/);
  assert.match(refused('1.001', 2), /at most 2/);
  refused('1.50', 1); // digits count, even zeros
  refused('1.5', 0);
});

test('exact over the signed 64-bit range, refused beyond it', () => {
  assert.equal(ok('92233720368.54775807', 8), INT64_MAX);
  assert.equal(ok('9223372036854775807', 0), INT64_MAX);
  refused('9223372036854775808', 0);
  refused('92233720368.54775808', 8);
  refused('123456789012345678901234567890', 0); // 30 digits
  refused('123456789012345678901.234567890', 9);
  assert.equal(ok('9007199254740993', 0), 9007199254740993n); // 2^53 + 1, not representable as a double
});

test('parseUnits reads signed integers of internal units within int64', () => {
  assert.deepEqual(parseUnits('-5'), { ok: true, value: -5 });
  assert.deepEqual(parseUnits('9223372036854775807'), { ok: true, value: INT64_MAX });
  assert.equal(parseUnits('9223372036854775808').ok, false);
  assert.equal(parseUnits('1.0').ok, false);
  assert.equal(parseUnits('01').ok, false);
});

test('formats with display decimals, truncating, with optional sign', () => {
  assert.equal(formatDecimal(150_000_000, 8, 6), '1.500000');
  assert.equal(formatDecimal(1, 8, 6), '0.000000');
  assert.equal(formatDecimal(123_456_789, 8, 6), '1.234567');
  assert.equal(formatDecimal(8_400_055, 2, 2), '84000.55');
  assert.equal(formatDecimal(5, 2, 4), '0.0500');
  assert.equal(formatDecimal(7, 0, 0), '7');
  assert.equal(formatDecimal(100_000, 8, 6, true), '+0.001000');
  assert.equal(formatDecimal(-100_000, 8, 6, true), '-0.001000');
  assert.equal(formatDecimal(0, 8, 6, true), '+0.000000');
  assert.equal(formatDecimal(-1, 8, 6, true), '+0.000000');
  assert.equal(formatDecimal(INT64_MAX, 8, 8), '92233720368.54775807');
  assert.equal(formatDecimal(-12_345n * 10n ** 18n, 8, 2), '-123450000000000.00');
});

test('round trip parse/format for representative values', () => {
  for (const s of ['0.00000001', '1.00000000', '92233720368.54775807', '30000.12345678']) {
    assert.equal(formatDecimal(ok(s, 8), 8, 8), s);
  }
});

test('hybrid integers stay exact and canonical across 2^53', () => {
  const big = Number.MAX_SAFE_INTEGER;
  assert.equal(add(big, 1), 9007199254740992n);
  assert.equal(sub(add(big, 1), 1), big);
  assert.equal(typeof sub(add(big, 1), 1), 'number');
  assert.equal(mul(4_294_967_296, 4_294_967_296), 18446744073709551616n);
  assert.equal(norm(5n), 5);
  assert.equal(fitsInt64(INT64_MAX), true);
  assert.equal(fitsInt64(INT64_MAX + 1n), false);
});

test('mulDivFloor is exact on the fast, split and bigint paths', () => {
  const cases: Array<[bigint, bigint, bigint]> = [
    [8_400_055n, 33_333_300n, 100_000_000n],
    [8_400_055n, 900_000_000_000n, 100_000_000n], // product > 2^53, split path
    [9_000_000_000_000n, 9_000_000_000_000n, 7n], // bigint path
    [1n, 0n, 3n],
    [99n, 99n, 100n],
  ];
  for (const [a, b, d] of cases) {
    assert.equal(BigInt(mulDivFloor(norm(a), norm(b), norm(d))), (a * b) / d, `${a}*${b}/${d}`);
  }
  // Exhaustive-ish sweep around the split boundary against bigint.
  for (let i = 0; i < 2000; i++) {
    const a = 1 + ((i * 7_919) % 99_999_999);
    const b = 1 + ((i * 104_729 * 1_000_003) % 9_000_000_000_000);
    const d = [1, 10, 100, 1e8, 1e10][i % 5] as number;
    assert.equal(BigInt(mulDivFloor(a, b, d)), (BigInt(a) * BigInt(b)) / BigInt(d));
  }
  // The one-division fast path just below 2^53, where a rounded quotient would show first: p = k*d - r.
  const top = 2n ** 53n - 1n;
  for (const d of [3n, 7n, 10n, 99n, 100_000_000n, 100_000_007n, 2n ** 26n + 1n]) {
    for (let j = 0n; j < 200n; j++) {
      const k = top / d - j;
      for (const r of [0n, 1n, 2n, d - 1n]) {
        const p = k * d - r;
        if (p < 0n || p > top) continue;
        assert.equal(BigInt(mulDivFloor(Number(p), 1, Number(d))), p / d, `${p}/${d}`);
      }
    }
  }
});
