// Token buckets with an explicit clock: burst = rate, continuous refill, classes and users independent,
// idle buckets evicted without changing any answer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../src/rate-limit.js';

const LIMITS = { ordersPerSec: 10, cancelsPerSec: 4, queriesPerSec: 100 };
const T0 = 1_700_000_000_000;

function takeN(rl: RateLimiter, user: number, cls: 'order' | 'cancel' | 'query', n: number, now: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (rl.take(user, cls, now)) ok++;
  return ok;
}

test('a burst of exactly `rate` passes at one instant, the next is refused', () => {
  const rl = new RateLimiter(LIMITS);
  assert.equal(takeN(rl, 1, 'order', 10, T0), 10);
  assert.equal(rl.take(1, 'order', T0), false);
  assert.equal(takeN(rl, 1, 'cancel', 5, T0), 4);
  assert.equal(takeN(rl, 1, 'query', 150, T0), 100);
  assert.equal(rl.burst('order'), 10);
});

test('refill is continuous: rate 10/s gives one token per 100 ms, never above the burst', () => {
  const rl = new RateLimiter(LIMITS);
  takeN(rl, 1, 'order', 10, T0);
  assert.equal(rl.take(1, 'order', T0 + 99), false, '0.99 token');
  assert.equal(rl.take(1, 'order', T0 + 100), true, 'the 99 ms above plus 1 ms make one token');
  assert.equal(rl.take(1, 'order', T0 + 150), false);
  assert.equal(rl.take(1, 'order', T0 + 200), true);
  // A long pause refills to the burst, not beyond.
  assert.equal(takeN(rl, 1, 'order', 20, T0 + 60_000), 10);
});

test('a steady stream at the rate is always allowed, faster is throttled to the rate', () => {
  const rl = new RateLimiter(LIMITS);
  for (let i = 0; i < 100; i++) assert.ok(rl.take(1, 'cancel', T0 + i * 250), `request ${i}`);
  const rl2 = new RateLimiter(LIMITS);
  let ok = 0;
  // 40 per second for 10 seconds against 4/s: the burst of 4 plus 4 per second.
  for (let i = 0; i < 400; i++) if (rl2.take(1, 'cancel', T0 + i * 25)) ok++;
  assert.ok(ok >= 42 && ok <= 44, `allowed ${ok}`);
});

test('users and classes have separate buckets', () => {
  const rl = new RateLimiter(LIMITS);
  assert.equal(takeN(rl, 1, 'order', 10, T0), 10);
  assert.equal(rl.take(1, 'order', T0), false);
  assert.equal(rl.take(2, 'order', T0), true, 'another user');
  assert.equal(rl.take(1, 'cancel', T0), true, 'another class');
  assert.equal(rl.take(1, 'query', T0), true, 'another class');
});

test('a clock that goes backwards refills nothing', () => {
  const rl = new RateLimiter(LIMITS);
  takeN(rl, 1, 'order', 10, T0);
  assert.equal(rl.take(1, 'order', T0 - 5000), false);
  assert.equal(rl.take(1, 'order', T0 + 100), true);
});

test('idle buckets are evicted (memory bounded) and eviction never changes an answer', () => {
  const rl = new RateLimiter(LIMITS, { sweepIntervalMs: 1000 });
  for (let u = 0; u < 5000; u++) rl.take(u, 'query', T0);
  assert.equal(rl.size, 5000);
  // One second later every one of them is full again: dropping them is exact.
  rl.take(99_999, 'order', T0 + 1000);
  assert.equal(rl.size, 1);
  assert.equal(takeN(rl, 0, 'query', 200, T0 + 1000), 100, 'an evicted user starts with a full bucket');
  // A user active within the last second is kept, and still limited.
  const r2 = new RateLimiter(LIMITS);
  takeN(r2, 7, 'order', 10, T0);
  assert.equal(r2.sweep(T0 + 999), 0);
  assert.equal(r2.take(7, 'order', T0 + 999), true);
  assert.equal(takeN(r2, 7, 'order', 10, T0 + 999), 8, '9.99 tokens refilled in 999 ms: 9 takes in all');
  r2.take(8, 'order', T0 + 1500);
  assert.equal(r2.size, 2);
  assert.equal(r2.sweep(T0 + 1999), 1, 'user 7 idle for one second is dropped; user 8 is not yet');
  assert.equal(r2.size, 1);
});

test('invalid rates are refused', () => {
  assert.throws(() => new RateLimiter({ ...LIMITS, ordersPerSec: 0 }), RangeError);
  assert.throws(() => new RateLimiter({ ...LIMITS, queriesPerSec: 1.5 }), RangeError);
});
