// LocalDepthBook and the decimal comparison under it: snapshots, updates, removal by zero qty, gaps, exact ordering.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DepthGapError,
  type DepthLevel,
  LocalDepthBook,
  compareDecimal,
  isZeroDecimal,
} from '../../src/client/index.js';

const snapshot = (seq: number, bids: DepthLevel[], asks: DepthLevel[]) => ({
  type: 'depth.snapshot' as const,
  symbol: 'BTC_USDT',
  seq,
  data: { bids, asks },
});
const update = (seq: number, bids: DepthLevel[], asks: DepthLevel[] = []) => ({
  type: 'depth.update' as const,
  symbol: 'BTC_USDT',
  seq,
  data: { bids, asks },
});

test('decimal strings compare exactly by value, not as text or floats', () => {
  assert.equal(compareDecimal('99.90', '100.00'), -1);
  assert.equal(compareDecimal('100.00', '99.90'), 1);
  assert.equal(compareDecimal('1.5', '1.50'), 0);
  assert.equal(compareDecimal('9', '10'), -1);
  // Beyond double precision: these are equal as floats.
  assert.equal(compareDecimal('9007199254740993.000001', '9007199254740993.000002'), -1);
  assert.equal(isZeroDecimal('0'), true);
  assert.equal(isZeroDecimal('0.000000'), true);
  assert.equal(isZeroDecimal('0.000001'), false);
  assert.throws(() => compareDecimal('1e3', '1'), RangeError);
  assert.throws(() => compareDecimal('-1', '1'), RangeError);
});

test('a snapshot is sorted: bids highest first, asks lowest first, by exact decimal value', () => {
  const b = new LocalDepthBook('BTC_USDT');
  assert.equal(b.lastSeq, null);
  assert.equal(b.synced, false);
  b.applySnapshot(
    snapshot(
      10,
      [
        ['99.90', '1.000000'],
        ['100.00', '2.000000'],
        ['9.99', '3.000000'],
      ],
      [
        ['100.10', '1.000000'],
        ['1000.00', '1.000000'],
        ['100.05', '4.000000'],
      ],
    ),
  );
  assert.equal(b.lastSeq, 10);
  assert.equal(b.synced, true);
  assert.deepEqual(b.top(10), {
    bids: [
      ['100.00', '2.000000'],
      ['99.90', '1.000000'],
      ['9.99', '3.000000'],
    ],
    asks: [
      ['100.05', '4.000000'],
      ['100.10', '1.000000'],
      ['1000.00', '1.000000'],
    ],
  });
  assert.deepEqual(b.top(1), { bids: [['100.00', '2.000000']], asks: [['100.05', '4.000000']] });
  assert.deepEqual(b.bestBid(), ['100.00', '2.000000']);
  assert.deepEqual(b.bestAsk(), ['100.05', '4.000000']);
  assert.deepEqual(b.depth, { bids: 3, asks: 3 });
});

test('updates add, change and remove ("0" or "0.000000") levels in seq order', () => {
  const b = new LocalDepthBook('BTC_USDT');
  b.applySnapshot(snapshot(5, [['100.00', '1.000000']], [['101.00', '1.000000']]));
  assert.equal(
    b.applyUpdate(
      update(6, [
        ['100.50', '0.300000'],
        ['100.00', '0.700000'],
      ]),
    ),
    true,
  );
  assert.equal(b.applyUpdate(update(7, [['100.50', '0']], [['101.00', '0.000000']])), true);
  assert.equal(b.applyUpdate(update(8, [['99.00', '0.000000']], [['102.00', '5.000000']])), true, 'removing none');
  assert.deepEqual(b.top(5), { bids: [['100.00', '0.700000']], asks: [['102.00', '5.000000']] });
  assert.equal(b.qtyAt('bids', '100.0'), '0.700000', 'levels are keyed by value');
  assert.equal(b.lastSeq, 8);
});

test('a seq gap, a repeat or an update before any snapshot is reported and not applied', () => {
  const b = new LocalDepthBook('BTC_USDT');
  assert.equal(b.applyUpdate(update(1, [['1.00', '1.000000']])), false, 'no snapshot yet');
  b.applySnapshot(snapshot(10, [['100.00', '1.000000']], []));
  assert.equal(b.applyUpdate(update(10, [['100.00', '9.000000']])), false, 'a repeat');
  assert.equal(b.synced, false);
  b.applySnapshot(snapshot(10, [['100.00', '1.000000']], []));
  assert.equal(b.applyUpdate(update(12, [['100.00', '9.000000']])), false, 'a gap');
  assert.deepEqual(b.top().bids, [['100.00', '1.000000']], 'unchanged');
  assert.equal(b.lastSeq, 10);
  // Once out of sync, even the right seq is refused until a new snapshot.
  assert.equal(b.applyUpdate(update(11, [['100.00', '9.000000']])), false);
  b.applySnapshot(snapshot(12, [['100.00', '9.000000']], []));
  assert.equal(b.applyUpdate(update(13, [['100.00', '8.000000']])), true);
  assert.throws(
    () => b.applyUpdateOrThrow(update(15, [])),
    (e: unknown) => e instanceof DepthGapError && e.expected === 14 && e.got === 15,
  );
});

test('a message for another symbol is refused', () => {
  const b = new LocalDepthBook('ETH_USDT');
  assert.throws(() => b.applySnapshot(snapshot(1, [], [])), /BTC_USDT/);
});

test('a book loaded from GET /depth continues with the pushed updates', () => {
  const b = new LocalDepthBook('BTC_USDT');
  b.load(41, { bids: [['10.00', '1.000000']], asks: [] });
  assert.equal(b.applyUpdate(update(42, [['10.00', '2.000000']])), true);
  assert.deepEqual(b.top().bids, [['10.00', '2.000000']]);
});

test('an update of another market-data epoch is a gap; the snapshot of the new epoch re-syncs the book', () => {
  const b = new LocalDepthBook('BTC_USDT');
  b.applySnapshot({ ...snapshot(10, [['100.00', '1.000000']], []), epoch: 1 });
  assert.equal(b.epoch, 1);
  assert.equal(b.applyUpdate({ ...update(11, [['100.00', '2.000000']]), epoch: 1 }), true);
  // The engine crashed and came back: seq 12 of epoch 2 is not the step after seq 11 of epoch 1.
  assert.equal(b.applyUpdate({ ...update(12, [['100.00', '7.000000']]), epoch: 2 }), false);
  assert.equal(b.synced, false);
  assert.deepEqual(b.top().bids, [['100.00', '2.000000']], 'unchanged');
  // The server sends the new epoch's snapshot by itself (its seq may be lower).
  b.applySnapshot({ ...snapshot(9, [['101.00', '1.000000']], []), epoch: 2 });
  assert.deepEqual([b.synced, b.epoch, b.lastSeq], [true, 2, 9]);
  assert.equal(b.applyUpdate({ ...update(10, [['101.00', '3.000000']]), epoch: 2 }), true);
  // A GET /depth answer carries its epoch too.
  b.load(20, { bids: [], asks: [] }, 3);
  assert.equal(b.applyUpdate({ ...update(21, []), epoch: 2 }), false);
});
