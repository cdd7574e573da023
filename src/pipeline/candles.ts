// Candles (K-lines): the intervals and the one pure fold of a trade into a candle. Settlement (engine worker)
// folds every trade into the candles it persists, the gateway's market mirror folds the same trades for the
// `kline` channel, and `fillstream candles rebuild|check` folds the stored trades: the same function everywhere,
// so the three always agree. No clock here: closing a candle on time is the caller's business.
//
// Decisions: intervals are aligned to the Unix epoch (UTC: 1d opens at 00:00 UTC, 4h at 00/04/08/.. UTC); only
// intervals with at least one trade have a candle; volume is the sum of the trades' base qty, quote volume the
// sum of their quote amounts (each trade's floor(price * qty) in quote units, exactly as the core settled it).

import { type Int, add, max, min } from '../core/int64.js';

/** Interval name -> length in ms. */
export const KLINE_INTERVALS = {
  '1s': 1_000,
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
} as const;

export type KlineInterval = keyof typeof KLINE_INTERVALS;
export const KLINE_INTERVAL_NAMES = Object.keys(KLINE_INTERVALS) as readonly KlineInterval[];
export const KLINE_INTERVAL_MS: readonly number[] = KLINE_INTERVAL_NAMES.map((n) => KLINE_INTERVALS[n]);

export function isKlineInterval(v: unknown): v is KlineInterval {
  return typeof v === 'string' && Object.hasOwn(KLINE_INTERVALS, v);
}

/** The name of an interval length (throws for a length that is not one of KLINE_INTERVALS). */
export function intervalName(ms: number): KlineInterval {
  const n = KLINE_INTERVAL_NAMES.find((k) => KLINE_INTERVALS[k] === ms);
  if (n === undefined) throw new Error(`candles: ${ms} ms is not a kline interval`);
  return n;
}

/** One candle as stored: amounts in integer units (price units, base units, quote units). */
export interface Kline {
  readonly symbolId: number;
  readonly intervalMs: number;
  /** Start of the interval (ms); the candle covers [openTime, openTime + intervalMs - 1]. */
  readonly openTime: number;
  readonly open: Int;
  readonly high: Int;
  readonly low: Int;
  readonly close: Int;
  readonly volume: Int;
  readonly quoteVolume: Int;
  readonly tradeCount: number;
  readonly firstTradeId: number;
  readonly lastTradeId: number;
}

/** What a fold needs of a trade. */
export interface KlineTrade {
  readonly tradeId: number;
  readonly symbolId: number;
  readonly price: Int;
  readonly qty: Int;
  readonly quoteQty: Int;
  readonly ts: number;
}

export const openTimeOf = (ts: number, intervalMs: number): number =>
  ts - (((ts % intervalMs) + intervalMs) % intervalMs);
export const closeTimeOf = (k: Pick<Kline, 'openTime' | 'intervalMs'>): number => k.openTime + k.intervalMs - 1;

/**
 * The candle of `t`'s interval after `t`: `prev` extended when it is the same interval, else a new candle.
 * A trade `prev` already holds (tradeId <= prev.lastTradeId) returns `prev` unchanged, so folding is idempotent.
 */
export function foldTrade(prev: Kline | undefined, t: KlineTrade, intervalMs: number): Kline {
  const openTime = openTimeOf(t.ts, intervalMs);
  if (prev !== undefined && prev.openTime === openTime) {
    if (t.tradeId <= prev.lastTradeId) return prev;
    return {
      symbolId: prev.symbolId,
      intervalMs,
      openTime,
      open: prev.open,
      high: max(prev.high, t.price),
      low: min(prev.low, t.price),
      close: t.price,
      volume: add(prev.volume, t.qty),
      quoteVolume: add(prev.quoteVolume, t.quoteQty),
      tradeCount: prev.tradeCount + 1,
      firstTradeId: prev.firstTradeId,
      lastTradeId: t.tradeId,
    };
  }
  if (prev !== undefined && t.tradeId <= prev.lastTradeId) return prev;
  return {
    symbolId: t.symbolId,
    intervalMs,
    openTime,
    open: t.price,
    high: t.price,
    low: t.price,
    close: t.price,
    volume: t.qty,
    quoteVolume: t.quoteQty,
    tradeCount: 1,
    firstTradeId: t.tradeId,
    lastTradeId: t.tradeId,
  };
}

/**
 * Every candle of `trades` (one symbol, ascending by trade id) for one interval, oldest first; `from` is the
 * candle to continue (the last one of the trades before), returned first, extended when the trades reach it.
 */
export function candlesOf(trades: Iterable<KlineTrade>, intervalMs: number, from?: Kline): Kline[] {
  const out: Kline[] = [];
  let cur: Kline | undefined = from;
  for (const t of trades) {
    const next = foldTrade(cur, t, intervalMs);
    if (cur !== undefined && next.openTime !== cur.openTime) out.push(cur);
    cur = next;
  }
  if (cur !== undefined) out.push(cur);
  return out;
}
