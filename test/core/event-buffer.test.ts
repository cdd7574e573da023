// The core's reused event buffer: every field comes back as written (bigints
// and odd command values included), past the first capacity, after a reset,
// and a big sweep's buffer does not keep stale events or bigints.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBuffer } from '../../src/core/event-buffer.js';
import { BalanceEvent, DepthEvent, OrderEvent, TradeEvent } from '../../src/core/types.js';
import { INT64_MAX } from '../../src/core/int64.js';

const BIG = INT64_MAX;

function writeAll(b: EventBuffer, k: number): void {
  b.order(k, 7, 1, 'SELL', 'LIMIT', 'POST_ONLY', BIG, 5, 0, `c-${k}`, 'NEW', 0, 0, 0, 5, null, 1000 + k);
  b.trade(k, 1, 30, BIG - 1n, 900, 'BUY', 2, 3, 4, 5, 0, 1, 2000 + k);
  b.balance(7, 2, -1, BIG, -5, 'order_frozen');
  b.depth(1, 'BUY', 30, 0);
}

const expected = (k: number) => [
  new OrderEvent(k, 7, 1, 'SELL', 'LIMIT', 'POST_ONLY', BIG, 5, 0, `c-${k}`, 'NEW', 0, 0, 0, 5, null, 1000 + k),
  new TradeEvent(k, 1, 30, BIG - 1n, 900, 'BUY', 2, 3, 4, 5, 0, 1, 2000 + k),
  new BalanceEvent(7, 2, -1, BIG, -5, 'order_frozen'),
  new DepthEvent(1, 'BUY', 30, 0),
];

test('every field reads back as written, bigints included, past the first capacity', () => {
  const b = new EventBuffer();
  for (let k = 0; k < 100; k++) writeAll(b, k);
  assert.equal(b.length, 400);
  assert.deepEqual(b.toArray(), Array.from({ length: 100 }, (_x, k) => expected(k)).flat());
  assert.deepEqual([b.kind(0), b.kind(1), b.kind(2), b.kind(3)], ['order', 'trade', 'balance', 'depth']);
  assert.deepEqual([...b], b.toArray());
  assert.deepEqual(b.toJSON(), b.toArray());
  assert.throws(() => b.at(400), RangeError);
});

test('a reset empties the buffer; slots written with a bigint before hold numbers after', () => {
  const b = new EventBuffer();
  for (let k = 0; k < 2000; k++) writeAll(b, k);
  b.reset();
  assert.equal(b.length, 0);
  assert.deepEqual(b.toArray(), []);
  b.depth(1, 'SELL', 31, 2);
  b.trade(9, 1, 30, 1, 30, 'SELL', 2, 3, 4, 5, 0, 0, 1);
  assert.deepEqual(b.toArray(), [
    new DepthEvent(1, 'SELL', 31, 2),
    new TradeEvent(9, 1, 30, 1, 30, 'SELL', 2, 3, 4, 5, 0, 0, 1),
  ]);
});

test('values a rejected command may carry come back unchanged', () => {
  const b = new EventBuffer();
  const odd = 'x' as unknown as number;
  b.order(-1, odd, 1.5, 'BUY', 'LIMIT', 'GTC', NaN, -0, 0, null, 'REJECTED', 0, 0, 0, 0, 'INVALID_ORDER', 1);
  const e = b.at(0) as OrderEvent;
  assert.equal(e.orderId, -1);
  assert.equal(e.userId, odd);
  assert.equal(e.symbolId, 1.5);
  assert.ok(Number.isNaN(e.price));
  assert.ok(Object.is(e.qty, -0));
  assert.equal(e.rejectReason, 'INVALID_ORDER');
});
