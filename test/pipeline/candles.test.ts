// The candle fold (candles.ts) against a plain reference over random trade streams (fast-check), and the live
// streams of the gateway (kline-streams.ts): an update per trade, a final state once per candle (on the next
// candle's first trade or on the clock, never twice, never early), a gap-free seq, warm-up from a stored candle;
// and settlement's batches (every candle state a batch reached, restored candles extended).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { norm } from '../../src/core/int64.js';
import {
  KLINE_INTERVALS,
  KLINE_INTERVAL_MS,
  type Kline,
  type KlineTrade,
  candlesOf,
  closeTimeOf,
  foldTrade,
  intervalName,
  isKlineInterval,
  openTimeOf,
} from '../../src/pipeline/candles.js';
import { KlineStreams } from '../../src/pipeline/kline-streams.js';
import type { PublicTrade } from '../../src/pipeline/protocol.js';
import { Settlement } from '../../src/pipeline/settlement.js';
import { type Command, TradeEvent } from '../../src/core/types.js';

/** Trades of one symbol with ascending ids and non-decreasing times (as the engine stamps them). */
const tradeStream = fc
  .array(
    fc.record({
      gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 20_000_000 })),
      price: fc.bigInt({ min: 1n, max: 10n ** 13n }),
      qty: fc.bigInt({ min: 1n, max: 10n ** 12n }),
    }),
    { maxLength: 60 },
  )
  .map((xs) => {
    let ts = 1_700_000_000_000;
    return xs.map((x, i): KlineTrade => {
      ts += x.gap;
      const price = Number(x.price);
      const qty = Number(x.qty);
      return { tradeId: i + 1, symbolId: 1, price, qty, quoteQty: norm((x.price * x.qty) / 10n ** 8n), ts };
    });
  });

function reference(trades: readonly KlineTrade[], ms: number): Kline[] {
  const groups = new Map<number, KlineTrade[]>();
  for (const t of trades) {
    const open = Math.floor(t.ts / ms) * ms;
    groups.set(open, [...(groups.get(open) ?? []), t]);
  }
  return [...groups].map(([openTime, g]) => {
    const prices = g.map((t) => BigInt(t.price));
    const sum = (f: (t: KlineTrade) => bigint) => g.reduce((s, t) => s + f(t), 0n);
    const int = norm;
    return {
      symbolId: 1,
      intervalMs: ms,
      openTime,
      open: int(prices[0] as bigint),
      high: int(prices.reduce((a, b) => (b > a ? b : a))),
      low: int(prices.reduce((a, b) => (b < a ? b : a))),
      close: int(prices[prices.length - 1] as bigint),
      volume: int(sum((t) => BigInt(t.qty))),
      quoteVolume: int(sum((t) => BigInt(t.quoteQty))),
      tradeCount: g.length,
      firstTradeId: (g[0] as KlineTrade).tradeId,
      lastTradeId: (g[g.length - 1] as KlineTrade).tradeId,
    };
  });
}

test('intervals: names, lengths, epoch alignment', () => {
  assert.deepEqual(Object.keys(KLINE_INTERVALS), ['1s', '1m', '5m', '15m', '1h', '4h', '1d']);
  assert.equal(intervalName(14_400_000), '4h');
  assert.throws(() => intervalName(120_000), /not a kline interval/);
  assert.equal(isKlineInterval('1m'), true);
  assert.equal(isKlineInterval('toString'), false);
  assert.equal(isKlineInterval('1M'), false);
  // 2023-11-14T22:13:20.123Z
  const ts = 1_700_000_000_123;
  assert.equal(openTimeOf(ts, 86_400_000), Date.UTC(2023, 10, 14));
  assert.equal(openTimeOf(ts, 14_400_000), Date.UTC(2023, 10, 14, 20));
  assert.equal(openTimeOf(ts, 1000), 1_700_000_000_000);
  assert.equal(closeTimeOf({ openTime: 60_000, intervalMs: 60_000 }), 119_999);
});

test('candlesOf equals the reference for every interval; folding again changes nothing', () => {
  fc.assert(
    fc.property(tradeStream, fc.constantFrom(...KLINE_INTERVAL_MS), (trades, ms) => {
      const got = candlesOf(trades, ms);
      assert.deepEqual(got, reference(trades, ms));
      // Idempotent: a candle that holds a trade ignores it (start-up catch-up may see it again).
      const last = got[got.length - 1];
      for (const t of trades) if (last !== undefined) assert.equal(foldTrade(last, t, ms), last);
      // Continuing from a split point gives the same candles.
      const cut = Math.floor(trades.length / 2);
      const head = candlesOf(trades.slice(0, cut), ms);
      const from = head.pop();
      assert.deepEqual([...head, ...candlesOf(trades.slice(cut), ms, from)], got);
    }),
    { numRuns: 300 },
  );
});

const pub = (t: KlineTrade): PublicTrade => ({ ...t, takerSide: 'BUY' });

test('kline streams: an update per trade, one final state per candle, gap-free seq, clock closes on time', () => {
  fc.assert(
    fc.property(tradeStream, fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 60 }), (trades, clockAt) => {
      const streams = new KlineStreams([1]);
      const steps: Array<{ ms: number; seq: number; k: Kline; closed: boolean }> = [];
      streams.onStep((s) => steps.push({ ms: s.intervalMs, seq: s.seq, k: s.kline as Kline, closed: s.closed }));
      const ticks = new Set(clockAt);
      for (let i = 0; i < trades.length; i++) {
        const t = trades[i] as KlineTrade;
        streams.addTrade(pub(t));
        // The engine's clock between trades: never behind the last trade's time.
        if (ticks.has(i)) streams.clock(((trades[i + 1] as KlineTrade | undefined)?.ts ?? t.ts + 86_400_000) + 0);
      }
      for (const ms of KLINE_INTERVAL_MS) {
        const mine = steps.filter((s) => s.ms === ms);
        mine.forEach((s, i) => assert.equal(s.seq, i + 1, 'gap-free from 1'));
        const updates = mine.filter((s) => !s.closed);
        assert.equal(updates.length, trades.length, 'one update per trade');
        const expected = reference(trades, ms);
        const finals = mine.filter((s) => s.closed).map((s) => s.k);
        // Every candle but the last is final once the next one starts; the last only if a clock passed it.
        assert.deepEqual(finals.slice(0, Math.max(0, expected.length - 1)), expected.slice(0, -1));
        assert.ok(finals.length === expected.length || finals.length === expected.length - 1 || expected.length === 0);
        for (let i = 1; i < mine.length; i++) {
          const [a, b] = [mine[i - 1], mine[i]] as [(typeof mine)[0], (typeof mine)[0]];
          if (a.k.openTime !== b.k.openTime) assert.ok(a.closed, 'a candle is final before the next one starts');
          if (a.closed) assert.ok(b.k.openTime !== a.k.openTime, 'never final twice, never updated after');
        }
      }
    }),
    { numRuns: 200 },
  );
});

test('kline streams: the clock closes a candle only after its close time; warm-up takes a stored candle', () => {
  const streams = new KlineStreams([1, 2]);
  const seen: string[] = [];
  streams.onStep((s) => seen.push(`${s.symbolId}/${s.intervalMs}/${s.seq}/${String(s.closed)}`));
  streams.addTrade(pub({ tradeId: 1, symbolId: 1, price: 5, qty: 1, quoteQty: 5, ts: 10_500 }));
  assert.equal(seen.length, 7);
  seen.length = 0;
  streams.clock(10_999);
  assert.deepEqual([...seen], [], 'not before 10 999 has passed');
  streams.clock(11_000);
  assert.deepEqual([...seen], ['1/1000/2/true']);
  streams.clock(61_000);
  assert.deepEqual([...seen], ['1/1000/2/true', '1/60000/2/true'], 'each once');
  // Warm-up: a stored candle, closed when it ended before now; no seq step; an older one does not replace it.
  const stored = candlesOf([{ tradeId: 7, symbolId: 2, price: 3, qty: 2, quoteQty: 6, ts: 120_000 }], 60_000)[0];
  assert.ok(stored !== undefined);
  streams.warm(stored, 180_000);
  streams.warm({ ...stored, openTime: 0 }, 180_000);
  const s = streams.get(2, 60_000);
  assert.deepEqual([s?.kline, s?.closed, s?.seq], [stored, true, 0]);
  // A trade the stored candle holds is ignored; a later one opens the next candle.
  seen.length = 0;
  streams.addTrade(pub({ tradeId: 7, symbolId: 2, price: 3, qty: 2, quoteQty: 6, ts: 120_000 }));
  assert.ok(!seen.includes('2/60000/1/false'));
  streams.addTrade(pub({ tradeId: 8, symbolId: 2, price: 4, qty: 1, quoteQty: 4, ts: 200_000 }));
  assert.ok(seen.includes('2/60000/1/false'), seen.join(' '));
  assert.equal(streams.get(2, 60_000)?.kline?.openTime, 180_000);
});

test('settlement: a batch carries every candle state its trades reached, restored candles go on', () => {
  const recovered = {
    meta: { lastOrderId: 0, lastTradeId: 0 },
    balances: [],
    openOrders: [],
    lastSeqByUser: new Map<number, number>(),
    lastUserId: 0,
    lastJournalSeq: 0,
    lastTs: 0,
  };
  const tradeAt = (tradeId: number, ts: number, price: number) =>
    new TradeEvent(tradeId, 1, price, 10, price * 10, 'BUY', 1, 1001, 2, 1002, 0, 0, ts);
  const cmd = (ts: number): Command => ({ type: 'deposit', ts, userId: 1001, assetId: 1, amount: 1 });
  const add = (s: Settlement, t: TradeEvent) => s.add(cmd(t.ts), { code: 'OK', events: [t] }, t.ts);
  const s = new Settlement(recovered);
  const trades = [tradeAt(1, 500, 7), tradeAt(2, 1500, 9), tradeAt(3, 2500, 8), tradeAt(4, 2600, 6)];
  for (const t of trades.slice(0, 3)) add(s, t);
  const first = s.take().klines ?? [];
  const oneSecond = (ks: readonly Kline[]) =>
    ks.filter((k) => k.intervalMs === 1000).sort((a, b) => a.openTime - b.openTime);
  assert.deepEqual(oneSecond(first), candlesOf(trades.slice(0, 3), 1000));
  assert.deepEqual(
    first.filter((k) => k.intervalMs === 60_000),
    candlesOf(trades.slice(0, 3), 60_000),
  );
  assert.equal(first.length, 3 + 6, 'three 1 s candles, one candle of each other interval');
  assert.deepEqual(s.take().klines, [], 'nothing new: nothing to write');
  add(s, trades[3] as TradeEvent);
  const second = s.take().klines ?? [];
  assert.deepEqual(oneSecond(second), candlesOf(trades, 1000).slice(-1));
  assert.equal(second.length, 7);
  // Restored from the store: the next trade extends the stored candle.
  const again = new Settlement(recovered);
  again.restoreCandles(KLINE_INTERVAL_MS.map((ms) => candlesOf(trades, ms).pop() as Kline));
  const t5 = tradeAt(5, 2700, 10);
  add(again, t5);
  assert.deepEqual(again.candle(1, 1000), candlesOf([...trades, t5], 1000).pop());
  assert.deepEqual(again.candle(1, 86_400_000)?.tradeCount, 5);
});
