// A small data set whose trades and final balances were computed by hand (see fixtures.ts), replayed
// in-process through loader, engine and writers, in human and in internal units, with and without fees.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/core/engine.js';
import { checkInvariants } from '../../src/core/invariants.js';
import { dataSetPaths, loadDataSet, type LoadOptions } from '../../src/replay/load.js';
import { runReplay } from '../../src/replay/run.js';
import { collect, writeBalancesCsv, writeTradesCsv } from '../../src/replay/writers.js';
import { HAND_EXPECTED_BALANCES, HAND_EXPECTED_TRADES, tmpDir, writeDataSet, writeHandSet } from './fixtures.js';

function replayDir(dir: string, opts: LoadOptions = {}) {
  const data = loadDataSet(dataSetPaths(dir), opts);
  const engine = new Engine(data.config);
  const progress: Array<[number, number]> = [];
  const result = runReplay(engine, data.commands, (d, t) => progress.push([d, t]));
  assert.deepEqual(checkInvariants(engine), []);
  return {
    engine,
    result,
    progress,
    balances: collect((w) => writeBalancesCsv(engine, w)),
    trades: collect((w) => writeTradesCsv(result.trades, w)),
  };
}

test('hand-made set: exact trades, balances and summary', () => {
  const r = replayDir(writeHandSet(tmpDir()));
  assert.equal(r.trades, HAND_EXPECTED_TRADES);
  assert.equal(r.balances, HAND_EXPECTED_BALANCES);
  const { elapsedMs, ordersPerSec, ...counts } = r.result.summary;
  assert.ok(elapsedMs >= 0 && ordersPerSec >= 0);
  assert.deepEqual(counts, {
    commands: 13,
    deposits: 2,
    depositsRejected: 0,
    orders: 8,
    accepted: 7,
    rejected: 1,
    rejectReasons: { INSUFFICIENT_BALANCE: 1 },
    cancels: 3,
    cancelsApplied: 1,
    cancelsNotOpen: 1,
    cancelsRejected: 1,
    trades: 4,
    symbol: 'BTC_USDT',
    bestBid: '29000.00',
    bestAsk: '30000.00',
    bidLevels: 1,
    askLevels: 1,
    openOrders: 2,
  });
  assert.deepEqual(r.progress, [[13, 13]]);
});

test('the same set in internal units gives the same output', () => {
  const r = replayDir(writeHandSet(tmpDir(), true), { units: 'internal' });
  assert.equal(r.trades, HAND_EXPECTED_TRADES);
  assert.equal(r.balances, HAND_EXPECTED_BALANCES);
});

test('fees go to the fee account, in the asset each side receives', () => {
  // Orders 1-3 of the hand-made set. Trade: 0.2 BTC @ 30000.00, cost 600000.
  // Taker (buyer, user 1) pays 0.2% of 20000000 BTC units = 40000; maker (seller, user 2) 0.1% of 600000 = 600.
  const dir = writeDataSet(tmpDir(), {
    'balances_init.csv': 'user_id,asset_id,avail,frozen,version\n1,2,10000000,0,1\n2,1,100000000,0,1\n',
    'orders.csv':
      'order_id,user_id,side,price,qty\n1,2,sell,30000.00,0.5\n2,2,sell,30100.00,0.3\n3,1,buy,30050.00,0.2\n',
  });
  const r = replayDir(dir, { makerFee: '0.001', takerFee: '0.002', feeAccountId: 99 });
  assert.equal(
    r.trades,
    'trade_id,price,qty,taker_side,maker_order_id,taker_order_id,maker_user_id,taker_user_id,maker_fee,taker_fee\n' +
      '1,3000000,20000000,buy,1,3,2,1,600,40000\n',
  );
  assert.equal(
    r.balances,
    [
      'user_id,asset_id,avail,frozen',
      '1,1,19960000,0',
      '1,2,9400000,0',
      '2,1,20000000,60000000',
      '2,2,599400,0',
      '99,1,40000,0',
      '99,2,600,0',
      '',
    ].join('\n'),
  );
});

test('zero rows are left out of balances.csv unless asked for', () => {
  const r = replayDir(writeHandSet(tmpDir()));
  const all = collect((w) => writeBalancesCsv(r.engine, w, true));
  assert.equal(
    all,
    [
      'user_id,asset_id,avail,frozen',
      '0,1,0,0',
      '0,2,0,0',
      '1,1,70000000,0',
      '1,2,7875000,29000',
      '2,1,125000000,5000000',
      '2,2,2096000,0',
      '',
    ].join('\n'),
  );
});
