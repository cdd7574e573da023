// The demo bots' integer arithmetic (src/demo/market-math.ts) against its rules, on random inputs: decimal strings
// and units round-trip exactly; a ladder is on its grid, uncrossed, best first and around the mid; the mid's walk
// stays inside its bounds in integer steps; a quote plan turns any set of open orders into exactly the ladder; lots
// respect min_qty, max_qty and min_notional; funding is in each asset's own units.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AssetInfo, SymbolInfo } from '../../src/client/types.js';
import {
  type OpenQuote,
  demoSymbol,
  formatUnits,
  fundingFor,
  gridGap,
  ladder,
  lotSize,
  nextMid,
  notional,
  planQuotes,
  startMid,
  toUnits,
} from '../../src/demo/market-math.js';
import { Prng } from '../../src/replay/prng.js';

const ASSETS: AssetInfo[] = [
  { asset: 'BTC', decimals: 8, display_decimals: 6 },
  { asset: 'USDT', decimals: 2, display_decimals: 2 },
];
const info = (over: Partial<SymbolInfo> = {}): SymbolInfo => ({
  symbol: 'BTC_USDT',
  base_asset: 'BTC',
  quote_asset: 'USDT',
  price_decimals: 2,
  price_display_decimals: 2,
  min_qty: '0.000001',
  max_qty: null,
  min_notional: '0',
  maker_fee: '0.001',
  taker_fee: '0.002',
  ...over,
});

test('units and decimal strings round-trip exactly at any scale', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), fc.integer({ min: 0, max: 18 }), (units, scale) => {
      const text = formatUnits(units, scale);
      assert.match(text, scale === 0 ? /^[0-9]+$/ : new RegExp(`^[0-9]+\\.[0-9]{${scale}}$`));
      assert.equal(toUnits(text, scale), units);
    }),
  );
  assert.equal(formatUnits(5n, 2), '0.05');
  assert.equal(toUnits('85000.5', 2), 8500050n);
  assert.equal(toUnits('1.239', 2), 123n, 'extra decimals are cut, never rounded up');
  assert.throws(() => toUnits('1e5', 2), RangeError);
  assert.throws(() => formatUnits(-1n, 2), RangeError);
});

test('the symbol as the bots see it: display decimals bound ticks and lots; min_qty in lot units', () => {
  const s = demoSymbol(info({ price_display_decimals: 1, min_qty: '0.00002' }), ASSETS);
  assert.equal(s.tickDecimals, 1);
  assert.equal(s.lotDecimals, 6);
  assert.equal(s.minQty, 20n);
  assert.equal(s.maxQty, null);
  assert.equal(demoSymbol(info({ max_qty: '5' }), ASSETS).maxQty, 5_000_000n);
  assert.throws(() => demoSymbol(info({ base_asset: 'XYZ' }), ASSETS), /unknown asset XYZ/);
});

test('a ladder is on its grid, uncrossed, best first, bids below and asks above the mid', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1000, max: 10_000_000_000 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 3999 }),
      (start, levels, offset) => {
        const gap = gridGap(start);
        const mid = start + (offset % (gap * 3));
        const l = ladder(mid, gap, levels);
        const bids = l.filter((q) => q.side === 'BUY').map((q) => q.price);
        const asks = l.filter((q) => q.side === 'SELL').map((q) => q.price);
        assert.equal(asks.length, levels);
        assert.equal(bids.length, levels, 'mids of 1000 ticks and more leave room for every bid');
        for (const p of [...bids, ...asks]) {
          assert.ok(Number.isSafeInteger(p) && p > 0 && p % gap === 0, `price ${p} on the grid of ${gap}`);
        }
        assert.ok(bids.every((p) => p < mid) && asks.every((p) => p > mid));
        assert.ok(Math.min(...asks) - Math.max(...bids) >= 2 * gap, 'a spread of at least two grid steps');
        assert.deepEqual(
          bids,
          [...bids].sort((a, b) => b - a),
        );
        assert.deepEqual(
          asks,
          [...asks].sort((a, b) => a - b),
        );
      },
    ),
  );
  assert.deepEqual(
    ladder(5, 2, 3).map((q) => `${q.side}${q.price}`),
    ['BUY2', 'SELL8', 'SELL10', 'SELL12'],
    'no bid at or below zero',
  );
});

test('the mid walks in integer half-gap steps and stays within half and twice its start', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1000, max: 1_000_000_000 }), fc.integer(), (start, seed) => {
      const rng = new Prng(seed);
      const step = Math.max(1, Math.floor(gridGap(start) / 2));
      let mid = start;
      for (let i = 0; i < 2000; i++) {
        const next = nextMid(mid, start, rng);
        assert.ok(Number.isSafeInteger(next));
        assert.equal(Math.abs(next - mid) % step, 0);
        assert.ok(Math.abs(next - mid) <= 2 * step);
        assert.ok(next >= Math.floor(start / 2) && next <= start * 2, `${next} outside the bounds of ${start}`);
        mid = next;
      }
    }),
    { numRuns: 50 },
  );
  // The same seed walks the same way.
  const walk = (seed: number) => {
    const rng = new Prng(seed);
    let m = 6_500_000;
    return Array.from({ length: 50 }, () => (m = nextMid(m, 6_500_000, rng)));
  };
  assert.deepEqual(walk(7), walk(7));
  assert.notDeepEqual(walk(7), walk(8));
});

test('a quote plan turns any open orders into exactly the ladder, one order per level', () => {
  const quote = fc.record({
    side: fc.constantFrom('BUY' as const, 'SELL' as const),
    price: fc.integer({ min: 1, max: 30 }),
  });
  fc.assert(
    fc.property(
      fc.array(quote, { maxLength: 20 }),
      fc.array(quote, { maxLength: 30 }),
      fc.boolean(),
      fc.integer(),
      (want, have, refresh, seed) => {
        const key = (q: { side: string; price: number }) => `${q.side}:${q.price}`;
        const desired = [...new Map(want.map((q) => [key(q), q])).values()];
        const open: OpenQuote[] = have.map((q, i) => ({ ...q, orderId: i + 1 }));
        const plan = planQuotes(desired, open, new Prng(seed), refresh);
        assert.equal(new Set(plan.cancel).size, plan.cancel.length, 'each order canceled once');
        const after = [...open.filter((o) => !plan.cancel.includes(o.orderId)).map(key), ...plan.place.map(key)].sort();
        assert.deepEqual(after, desired.map(key).sort());
        const kept = open.filter((o) => desired.some((d) => key(d) === key(o)));
        const keptLevels = new Set(kept.map(key)).size;
        // Off-ladder orders and duplicates go, plus one replaced level when refreshing a ladder that has one.
        const expected = open.length - keptLevels + (refresh && keptLevels > 0 ? 1 : 0);
        assert.equal(plan.cancel.length, expected);
      },
    ),
  );
});

test('lots: one significant digit, multiples of min_qty, worth min_notional, five of them within max_qty', () => {
  const btc = demoSymbol(info(), ASSETS);
  assert.equal(formatUnits(lotSize(btc, 6_500_000), btc.lotDecimals), '0.030000', '~2,000 USDT at 65,000.00');
  fc.assert(
    fc.property(
      fc.integer({ min: 1000, max: 1_000_000_000_000 }),
      fc.integer({ min: 1, max: 500 }),
      fc.integer({ min: 0, max: 100_000 }),
      fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: null }),
      (mid, minQty, minNotional, maxQty) => {
        const s = demoSymbol(
          info({
            min_qty: formatUnits(BigInt(minQty), 6),
            min_notional: formatUnits(BigInt(minNotional), 2),
            max_qty: maxQty === null ? null : String(maxQty),
          }),
          ASSETS,
        );
        const lot = lotSize(s, mid);
        assert.ok(lot >= 1n);
        if (s.maxQty === null) {
          assert.equal(lot % s.minQty, 0n, `lot ${lot} a multiple of min_qty ${s.minQty}`);
          const worth = notional(s, Math.floor(mid / 2), lot);
          assert.ok(worth >= s.minNotional && worth >= 1n, `lot ${lot} worth ${worth} at half the mid`);
        } else {
          assert.ok(lot * 5n <= s.maxQty || lot === 1n, `five lots of ${lot} within max_qty ${s.maxQty}`);
        }
      },
    ),
  );
});

test('the start mid: last price, else the middle of the book, else a known or nominal price', () => {
  const s = demoSymbol(info(), ASSETS);
  assert.equal(startMid(s, { last: '64000.50', best_bid: null, best_ask: null }), 6_400_050);
  assert.equal(startMid(s, { last: null, best_bid: '100.00', best_ask: '100.03' }), 10_001);
  assert.equal(startMid(s, { last: null, best_bid: null, best_ask: null }), 6_500_000);
  assert.equal(startMid(s, { last: '0.01', best_bid: null, best_ask: null }), 1000, 'never below 1,000 ticks');
  const x = demoSymbol(info({ symbol: 'XYZ_USDT', base_asset: 'XYZ' }), [
    ...ASSETS,
    { asset: 'XYZ', decimals: 4, display_decimals: 4 },
  ]);
  assert.equal(startMid(x, { last: null, best_bid: null, best_ask: null }), 10_000, '100.00 for an unknown asset');
});

test('funding: lots of base and their worth in quote at twice the mid, each at its asset decimals', () => {
  const s = demoSymbol(info(), ASSETS);
  const f = fundingFor(s, 6_500_000, 30_000n, 100n);
  assert.equal(f.get('BTC'), 300_000_000n, '3 BTC at 8 decimals');
  assert.equal(f.get('USDT'), 39_000_000n, '390,000.00 USDT: 3 BTC at 130,000');
});
