// setLongTimeout: fires once after the whole delay even when the delay is longer than one underlying timer can
// wait (shown with a small chunk size), can be cleared before and after firing, and treats bad delays as 0.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TIMEOUT_MS, setLongTimeout } from '../src/long-timeout.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test('a delay longer than one chunk fires once, after the whole delay', async () => {
  const t0 = performance.now();
  let fired: number[] = [];
  setLongTimeout(() => fired.push(performance.now() - t0), 130, { maxChunkMs: 20 });
  await sleep(60);
  assert.deepEqual(fired, [], 'not before the delay, although several chunks have passed');
  await sleep(200);
  assert.equal(fired.length, 1);
  assert.ok(Number(fired[0]) >= 129, `fired after ${fired[0]} ms`);
  fired = [];
});

test('clear() before the delay: it never fires; clear() after: harmless', async () => {
  let n = 0;
  const t = setLongTimeout(() => n++, 50, { maxChunkMs: 10 });
  await sleep(25);
  t.clear();
  await sleep(80);
  assert.equal(n, 0);
  const u = setLongTimeout(() => n++, 1);
  await sleep(20);
  u.clear();
  u.clear();
  assert.equal(n, 1);
});

test('a delay past 2^31-1 ms does not fire early (plain setTimeout would fire after 1 ms)', async () => {
  let n = 0;
  const t = setLongTimeout(() => n++, MAX_TIMEOUT_MS * 2);
  await sleep(50);
  assert.equal(n, 0);
  t.clear();
});

test('negative and NaN delays fire on the next timer turn', async () => {
  const seen: string[] = [];
  setLongTimeout(() => seen.push('neg'), -5);
  setLongTimeout(() => seen.push('nan'), Number.NaN);
  await sleep(20);
  assert.deepEqual(seen.sort(), ['nan', 'neg']);
});
