// The NATS wire encoding (src/cluster/wire.ts): exact integers both ways, with a bigint anywhere in a message or
// none (the fast paths without replacer or reviver give the same text and values), and a string that merely
// reads "$int" stays a string.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/cluster/wire.js';

const text = (v: unknown) => new TextDecoder().decode(encode(v));

test('messages without a bigint: plain JSON, decoded to the same values', () => {
  const m = { id: 'g-1', deadline: 1_733_000_000_000, cmd: { kind: 'place', price: 30_000_00, cid: '$int' } };
  assert.equal(text(m), JSON.stringify(m));
  assert.deepEqual(decode(encode(m)), m);
  assert.deepEqual(decode(encode({ s: '{"$int":"5"}', a: ['$int'] })), { s: '{"$int":"5"}', a: ['$int'] });
});

test('a bigint anywhere travels as {"$int":"<decimal>"} and comes back a bigint', () => {
  const big = 2n ** 63n - 1n;
  const m = { answers: [{ id: 'a', ack: { orderId: big, code: 'OK' } }], n: 7, neg: -big };
  assert.equal(
    text(m),
    `{"answers":[{"id":"a","ack":{"orderId":{"$int":"${big}"},"code":"OK"}}],"n":7,"neg":{"$int":"-${big}"}}`,
  );
  assert.deepEqual(decode(encode(m)), m);
});
