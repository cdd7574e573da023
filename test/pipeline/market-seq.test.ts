// The engine's market-data sequence (src/pipeline/market-seq.ts): which epoch a start runs under, and how one
// drain steps the per-symbol depth and trade seqs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MarketSeqs, startEpoch } from '../../src/pipeline/market-seq.js';
import type { DepthChange, PublicTrade } from '../../src/pipeline/protocol.js';

const trade = (symbolId: number, tradeId: number): PublicTrade => ({
  tradeId,
  symbolId,
  price: 100,
  qty: 1,
  quoteQty: 100,
  takerSide: 'BUY',
  ts: 1,
});
const level = (symbolId: number, price: number): DepthChange => ({ symbolId, side: 'SELL', price, qty: 0 });

test('startEpoch: a fresh database starts epoch 1, a clean stop keeps the epoch, a crash or takeover bumps it', () => {
  assert.equal(startEpoch({ epoch: 0, running: false }, false), 1);
  assert.equal(startEpoch({ epoch: 4, running: false }, false), 4);
  assert.equal(startEpoch({ epoch: 4, running: true }, false), 5);
  assert.equal(startEpoch({ epoch: 4, running: false }, true), 5);
  assert.equal(startEpoch({ epoch: 4, running: true }, true), 5);
});

test('stamp: one depth step per drain and symbol touched, one trade step per trade; persisted seqs go on', () => {
  const s = new MarketSeqs([1, 2, 3], [{ symbolId: 2, depthSeq: 40, tradeSeq: 7 }], 9);
  assert.equal(s.epoch, 9);
  assert.deepEqual(s.get(2), { symbolId: 2, depthSeq: 40, tradeSeq: 7 });
  const rows = s.stamp([trade(1, 1), trade(1, 2), trade(2, 3)], [level(1, 5), level(1, 6), level(2, 5), level(3, 5)]);
  assert.deepEqual(rows, [
    { symbolId: 1, depthSeq: 1, tradeSeq: 2 },
    { symbolId: 2, depthSeq: 41, tradeSeq: 8 },
    { symbolId: 3, depthSeq: 1, tradeSeq: 0 },
  ]);
  // A drain without symbol 3: its seqs stay.
  assert.deepEqual(s.stamp([], [level(1, 7)]), [{ symbolId: 1, depthSeq: 2, tradeSeq: 2 }]);
  assert.deepEqual(
    s.takeChanged().sort((a, b) => a.symbolId - b.symbolId),
    [
      { symbolId: 1, depthSeq: 2, tradeSeq: 2 },
      { symbolId: 2, depthSeq: 41, tradeSeq: 8 },
      { symbolId: 3, depthSeq: 1, tradeSeq: 0 },
    ],
  );
  assert.deepEqual(s.takeChanged(), [], 'nothing changed since the last take');
  // Unknown symbols are not counted.
  assert.deepEqual(s.stamp([trade(99, 4)], []), []);
});
