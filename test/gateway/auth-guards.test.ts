// The credential guards on their own, with the clock as a parameter: the signature replay cache (claim once,
// case-insensitive, forgotten once the timestamp leaves the window, bounded: refuses rather than forgets), the
// failed-authentication throttle (ban after N failures in a window, per address and per key, ends after the ban,
// successes never counted, bounded memory), peer address keys (IPv4, mapped IPv4, IPv6 /64) and key prefixes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/errors.js';
import { keyPrefix } from '../../src/auth/audit.js';
import { AuthThrottle, FailureCounter, clientKey } from '../../src/auth/throttle.js';
import { ReplayGuard } from '../../src/auth/replay-guard.js';

const W = 5000;
const T = 1_734_533_790_123;
const sig = (n: number) => n.toString(16).padStart(64, '0');

test('replay guard: a signature is claimed once, in either hex case; others are independent', () => {
  const g = new ReplayGuard(W, 100);
  assert.equal(g.claim(sig(0xabc), T, T), 'ok');
  assert.equal(g.claim(sig(0xabc), T, T + 1), 'replay');
  assert.equal(g.claim(sig(0xabc).toUpperCase(), T, T + 2), 'replay');
  assert.equal(g.claim(sig(0xabd), T, T + 3), 'ok');
  assert.equal(g.size, 2);
});

test('replay guard: remembered while the timestamp is inside the window, then dropped', () => {
  const g = new ReplayGuard(W, 100);
  // Stamped 4 s in the future (allowed): it must be remembered until its timestamp is 5 s in the past.
  const ts = T + 4000;
  assert.equal(g.claim(sig(1), ts, T), 'ok');
  assert.equal(g.claim(sig(1), ts, ts + W), 'replay', 'at the last accepted instant');
  assert.equal(g.claim(sig(3), T, ts + W + 1000), 'ok', 'a later claim sweeps');
  assert.equal(g.size, 1, 'the expired entry is gone');
});

test('replay guard: bounded; when full it refuses new signatures instead of forgetting old ones', () => {
  const g = new ReplayGuard(W, 3);
  for (let i = 0; i < 3; i++) assert.equal(g.claim(sig(i), T, T), 'ok');
  assert.equal(g.claim(sig(9), T, T + 10), 'full');
  assert.equal(g.claim(sig(0), T, T + 10), 'replay', 'what it holds is still refused');
  assert.equal(g.size, 3);
  // Once they expire there is room again.
  assert.equal(g.claim(sig(9), T + 7000, T + 7000), 'ok');
  assert.equal(g.size, 1);
  assert.throws(() => new ReplayGuard(0, 1), RangeError);
  assert.throws(() => new ReplayGuard(W, 0), RangeError);
});

test('replay guard: 100,000 claims over 30 s of clock keep only the last 5-6 s of them', () => {
  const g = new ReplayGuard(W, 1_000_000);
  for (let i = 0; i < 100_000; i++) {
    const now = T + Math.floor((i * 30_000) / 100_000);
    assert.equal(g.claim(sig(i), now, now), 'ok');
  }
  // Entries stamped within the last window (+ the second being swept) remain: about 5-6 s worth of 3,333/s.
  assert.ok(g.size <= 6.5 * 3334 && g.size >= 5 * 3333, `size ${g.size}`);
});

const LIMITS = { maxFailures: 3, failureWindowMs: 10_000, banMs: 60_000 };

test('failure counter: the Nth failure in a window starts a ban; the ban ends; a new window starts from zero', () => {
  const c = new FailureCounter(LIMITS);
  assert.equal(c.fail('a', T), false);
  assert.equal(c.fail('a', T + 1), false);
  assert.equal(c.bannedFor('a', T + 2), 0);
  assert.equal(c.fail('a', T + 2), true, 'the third starts the ban');
  assert.equal(c.bannedFor('a', T + 3), 60_000 - 1);
  assert.equal(c.bannedFor('b', T + 3), 0, 'another key is not banned');
  assert.equal(c.bannedFor('a', T + 2 + 60_000), 0, 'over');
  // Failures spread wider than the window never add up.
  const d = new FailureCounter(LIMITS);
  for (let i = 0; i < 10; i++) assert.equal(d.fail('x', T + i * 6000), false);
});

test('failure counter: idle entries are swept and the table never exceeds its bound', () => {
  const c = new FailureCounter(LIMITS, 100);
  for (let i = 0; i < 1000; i++) c.fail(`k${i}`, T);
  assert.equal(c.size, 100);
  c.fail('k-late', T + 20_000);
  assert.equal(c.size, 1, 'the others were idle past their window');
  c.fail('b', T + 30_000);
  c.fail('b', T + 30_000);
  c.fail('b', T + 30_000); // banned until T + 90 s
  c.sweep(T + 50_000, true);
  assert.equal(c.bannedFor('b', T + 50_000) > 0, true, 'a banned entry is kept until its ban ends');
  c.sweep(T + 90_001, true);
  assert.equal(c.size, 0);
});

test('auth throttle: per address and per key; 4291 names which and when to retry', () => {
  const t = new AuthThrottle(LIMITS);
  assert.equal(t.check('10.0.0.1', 'ak_x', T), null);
  assert.deepEqual(t.fail('10.0.0.1', 'ak_x', T), []);
  assert.deepEqual(t.fail('10.0.0.2', 'ak_x', T), []);
  // The third failure with ak_x (from a third address) bans the key, not the addresses.
  assert.deepEqual(t.fail('10.0.0.3', 'ak_x', T), [{ scope: 'api_key', until: T + 60_000 }]);
  const e = t.check('10.0.0.9', 'ak_x', T + 1000);
  assert.ok(e instanceof ApiError);
  assert.equal(e.code, 4291);
  assert.match(e.msg, /with this API key: retry in 59 s/);
  assert.equal(t.check('10.0.0.1', undefined, T + 1000), null, 'the address alone is fine');
  assert.equal(t.check('10.0.0.1', 'ak_y', T + 1000), null);
  // Three failures from one address with different keys ban the address.
  t.fail('10.0.0.7', 'ak_1', T);
  t.fail('10.0.0.7', 'ak_2', T);
  assert.deepEqual(t.fail('10.0.0.7', undefined, T), [{ scope: 'ip', until: T + 60_000 }]);
  assert.match((t.check('10.0.0.7', 'ak_fresh', T) as ApiError).msg, /from this address: retry in 60 s/);
  // Only the first 128 characters of a presented key are held.
  t.fail('10.0.0.8', 'z'.repeat(100_000), T);
  assert.ok(t.sizes.apiKey <= 4);
  assert.throws(() => new AuthThrottle({ ...LIMITS, maxFailures: 0 }), RangeError);
});

test('peer address keys: IPv4 as is, IPv4-mapped unwrapped, IPv6 by /64; prefixes of API keys', () => {
  assert.equal(clientKey('127.0.0.2'), '127.0.0.2');
  assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(clientKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8:1:2::ffff'), '2001:db8:1:2::/64');
  assert.equal(clientKey('::1'), '::/64');
  assert.equal(clientKey(undefined), 'unknown');
  assert.equal(clientKey('not an address'), 'not an address');
  assert.equal(keyPrefix('ak_0123456789abcdef0123456789abcdef'), 'ak_01234567');
  assert.equal(keyPrefix('ak_"\n<script>'), 'ak_???scrip');
  assert.equal(keyPrefix(undefined), null);
  assert.equal(keyPrefix(''), null);
});
