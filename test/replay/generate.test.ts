// The seeded generator: reproducible bytes, the requested size and cancel share, and a data set that
// replays cleanly (no malformed row, no order short of funds, no cancel of another user's order).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/core/engine.js';
import { checkInvariants } from '../../src/core/invariants.js';
import { type DataSetFile, type GenOptions, generateDataSet, writeDataSetToDir } from '../../src/replay/generate.js';
import { dataSetPaths, loadDataSet } from '../../src/replay/load.js';
import { runReplay } from '../../src/replay/run.js';
import { Prng } from '../../src/replay/prng.js';
import { tmpDir } from './fixtures.js';

function generate(opts: Partial<GenOptions> & Pick<GenOptions, 'orders'>) {
  const files = new Map<DataSetFile, string>();
  const chunks: DataSetFile[] = [];
  const stats = generateDataSet(opts, (file, text) => {
    files.set(file, (files.get(file) ?? '') + text);
    chunks.push(file);
  });
  return { files, stats, chunks };
}

/** sha256 of orders.csv for { orders: 20000, seed: 7 }, as generated before the price profiles existed. */
const NARROW_SEED7_SHA256 = 'a35630ed7e5c3e5a0ac051e98e033eb815c0c4fe0a8a7ac129b7ff1ae4ea6a41';

const hash = (s: string | undefined) =>
  createHash('sha256')
    .update(s ?? '')
    .digest('hex');

test('mulberry32 is fixed: the first outputs for seed 1', () => {
  const r = new Prng(1);
  // 2693262067 / 2^32 = 0.6270739405881613, the published first value of mulberry32(1).
  const first = [r.next(), r.next(), r.next()].map((x) => Math.floor(x * 2 ** 32));
  assert.deepEqual(first, [2693262067, 11749833, 2265367787]);
});

test('same seed, same bytes; another seed, other bytes', () => {
  const a = generate({ orders: 20_000, seed: 7 });
  const b = generate({ orders: 20_000, seed: 7 });
  const c = generate({ orders: 20_000, seed: 8 });
  for (const f of ['orders.csv', 'balances_init.csv', 'assets_config.csv', 'symbols_config.csv'] as const) {
    assert.equal(hash(a.files.get(f)), hash(b.files.get(f)), f);
  }
  assert.notEqual(hash(a.files.get('orders.csv')), hash(c.files.get('orders.csv')));
  assert.notEqual(hash(a.files.get('balances_init.csv')), hash(c.files.get('balances_init.csv')));
});

test('orders.csv streams in chunks before the other files; N data rows; format by cancel ratio', () => {
  const big = generate({ orders: 100_000, cancelRatio: 0 });
  const firstOther = big.chunks.findIndex((f) => f !== 'orders.csv');
  assert.ok(firstOther > 1, 'several orders.csv chunks first');
  assert.ok(big.chunks.slice(firstOther).every((f) => f !== 'orders.csv'));
  const lines = (big.files.get('orders.csv') as string).split('\n');
  assert.equal(lines[0], 'order_id,user_id,side,price,qty');
  assert.equal(lines.length, 100_000 + 2); // header + rows + '' after the final newline
  assert.equal(big.stats.cancels, 0);
  assert.equal(big.stats.format, 'plain');
  assert.match(lines[1] as string, /^1,\d+,(buy|sell),\d+\.\d\d,\d+(\.\d{1,4})?$/);

  const mixed = generate({ orders: 20_000, cancelRatio: 0.3 });
  const rows = (mixed.files.get('orders.csv') as string).split('\n');
  assert.equal(rows[0], 'order_id,user_id,action,side,price,qty');
  const cancels = rows.filter((r) => r.includes(',cancel,')).length;
  assert.equal(cancels, mixed.stats.cancels);
  assert.equal(mixed.stats.places + mixed.stats.cancels, 20_000);
  assert.ok(Math.abs(cancels / 20_000 - 0.3) < 0.02, `cancel share ${cancels / 20_000}`);
  // A cancel names an order placed earlier, with its owner, at most once.
  const owner = new Map<string, string>();
  const cancelled = new Set<string>();
  for (const r of rows.slice(1, -1)) {
    const [id, user, action] = r.split(',') as [string, string, string];
    if (action === 'place') owner.set(id, user);
    else {
      assert.equal(owner.get(id), user, r);
      assert.ok(!cancelled.has(id), `cancelled twice: ${r}`);
      cancelled.add(id);
    }
  }
});

test('a generated set replays with no bad row, no rejection, a busy book and invariants intact', () => {
  const dir = tmpDir();
  const stats = writeDataSetToDir({ orders: 30_000, users: 50, seed: 3 }, dir);
  const data = loadDataSet(dataSetPaths(dir));
  assert.equal(data.stats.badRowCount, 0);
  assert.equal(data.stats.orders.rows, 30_000);
  assert.equal(data.stats.balances.deposits, 100);
  const engine = new Engine(data.config);
  const { summary } = runReplay(engine, data.commands);
  assert.deepEqual(checkInvariants(engine), []);
  assert.equal(summary.orders, stats.places);
  assert.equal(summary.rejected, 0);
  assert.equal(summary.cancels, stats.cancels);
  assert.equal(summary.cancelsRejected, 0);
  assert.ok(summary.cancelsApplied > summary.cancels / 2, 'most cancels hit an open order');
  assert.ok(summary.trades > summary.orders / 5, `trades ${summary.trades}`);
  assert.ok(summary.bidLevels > 50 && summary.bidLevels <= 311, `bid levels ${summary.bidLevels}`);
  assert.ok(summary.askLevels > 50 && summary.askLevels <= 311, `ask levels ${summary.askLevels}`);
});

test('the wide profile: uniform prices over 15% of mid; after 100k orders both sides hold >= 20,000 levels', () => {
  const dir = tmpDir();
  const stats = writeDataSetToDir({ orders: 100_000, cancelRatio: 0, seed: 1, profile: 'wide' }, dir);
  const data = loadDataSet(dataSetPaths(dir));
  assert.equal(data.stats.badRowCount, 0);
  const engine = new Engine(data.config);
  const { summary } = runReplay(engine, data.commands);
  assert.equal(summary.rejected, 0);
  assert.equal(summary.orders, stats.places);
  assert.ok(summary.bidLevels >= 20_000, `bid levels ${summary.bidLevels}`);
  assert.ok(summary.askLevels >= 20_000, `ask levels ${summary.askLevels}`);
  assert.ok(summary.openOrders > summary.orders * 0.8, `most orders rest: ${summary.openOrders} open`);
  assert.ok(summary.trades > 1_000, `some trade: ${summary.trades}`);
  assert.deepEqual(checkInvariants(engine), []);
  // Prices within 15% + 1% of mid (30000.00), spread evenly: each tenth of the passive range is used.
  const rows = (readFileSync(join(dir, 'orders.csv'), 'utf8').split('\n').slice(1, -1) as string[]).map((r) =>
    r.split(','),
  );
  const ticks = rows.map((r) => Number((r[3] as string).replace('.', ''))); // prices have exactly 2 decimals
  assert.ok(Math.min(...ticks) >= 3_000_000 - 450_000 - 30_000 && Math.max(...ticks) <= 3_000_000 + 450_000 + 30_000);
  const deciles = new Array<number>(10).fill(0);
  for (const [i, r] of rows.entries()) {
    const passive = r[2] === 'buy' ? 3_000_000 - (ticks[i] as number) : (ticks[i] as number) - 3_000_000;
    const k = Math.min(9, Math.floor(passive / 45_000));
    if (passive >= 0) deciles[k] = (deciles[k] as number) + 1;
  }
  // Offsets are uniform over -30,000..450,000 ticks: 450,001 of 480,001 values are passive.
  for (const d of deciles)
    assert.ok(Math.abs(d / ((rows.length * 450_001) / 480_001) - 0.1) < 0.01, `deciles ${deciles}`);
  // The narrow profile stays what it was: the same bytes as before the profiles existed.
  const narrow = generate({ orders: 20_000, seed: 7 });
  const explicit = generate({ orders: 20_000, seed: 7, profile: 'narrow', spreadTicks: 300, crossTicks: 10 });
  assert.equal(hash(narrow.files.get('orders.csv')), hash(explicit.files.get('orders.csv')));
  assert.equal(hash(narrow.files.get('orders.csv')), NARROW_SEED7_SHA256);
});

test('bad generator options are input errors', () => {
  assert.throws(() => generate({ orders: 10, users: 0 }), /users must be an integer >= 1/);
  assert.throws(() => generate({ orders: 10, cancelRatio: 1 }), /cancel ratio/);
  assert.throws(() => generate({ orders: 10, mid: '1.005' }), /mid: "1.005" has 3 decimals/);
  assert.throws(() => generate({ orders: 10, mid: '2.00', spreadTicks: 300 }), /mid 2.00 must be above/);
  assert.throws(() => generate({ orders: 10, profile: 'tall' as 'wide' }), /profile must be narrow or wide/);
  assert.throws(() => generate({ orders: 10, profile: 'wide', spreadTicks: -1 }), /spread ticks must be an integer/);
});
