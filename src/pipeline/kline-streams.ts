// The gateway's live candles: per symbol and interval the newest candle, whether its close has been announced,
// and the stream's gap-free seq. Fed in order by the market-data mirror: every trade (folded with the same
// candles.ts function settlement persists with) and the engine's clock (protocol.ts ClockMessage). Each step of
// a stream (an update of the open candle, or its final `closed` state) goes to the listeners with the next seq.
//
// Seq: per symbol and interval, +1 per message, counted whether anyone listens or not; in memory, so it starts
// again at 0 when the server starts (the candles themselves are restored from the store).

import { type Kline, KLINE_INTERVAL_MS, closeTimeOf, foldTrade } from './candles.js';
import type { PublicTrade } from './protocol.js';

export interface KlineStream {
  readonly symbolId: number;
  readonly intervalMs: number;
  /** Null before the symbol's first trade in this interval length. */
  kline: Kline | null;
  /** Whether `kline` is final (its interval has ended). */
  closed: boolean;
  /** Seq of the last message of this stream (0: none since start). */
  seq: number;
}

export type KlineListener = (stream: KlineStream) => void;

export class KlineStreams {
  private readonly streams = new Map<string, KlineStream>();
  private readonly listeners: KlineListener[] = [];

  constructor(symbolIds: readonly number[]) {
    for (const symbolId of symbolIds) {
      for (const intervalMs of KLINE_INTERVAL_MS) {
        this.streams.set(`${symbolId}:${intervalMs}`, { symbolId, intervalMs, kline: null, closed: false, seq: 0 });
      }
    }
  }

  get(symbolId: number, intervalMs: number): KlineStream | undefined {
    return this.streams.get(`${symbolId}:${intervalMs}`);
  }

  /** Called synchronously for every step, with the stream as of that step. */
  onStep(l: KlineListener): void {
    this.listeners.push(l);
  }

  /** A stored candle to start from (no seq step); closed when its interval ended before `now`. */
  warm(k: Kline, now: number): void {
    const s = this.get(k.symbolId, k.intervalMs);
    if (s === undefined || (s.kline !== null && s.kline.openTime >= k.openTime)) return;
    s.kline = k;
    s.closed = closeTimeOf(k) < now;
  }

  private step(s: KlineStream): void {
    s.seq++;
    for (const l of this.listeners) l(s);
  }

  /** One trade, in trade order: an update per interval (after the final state of the candle it ends, if due). */
  addTrade(t: PublicTrade): void {
    for (const intervalMs of KLINE_INTERVAL_MS) {
      const s = this.streams.get(`${t.symbolId}:${intervalMs}`);
      if (s === undefined) return;
      const prev = s.kline;
      const next = foldTrade(prev ?? undefined, t, intervalMs);
      if (next === prev) continue; // a trade the candle already holds
      if (prev !== null && prev.openTime !== next.openTime && !s.closed) {
        s.closed = true;
        this.step(s);
      }
      s.kline = next;
      s.closed = false;
      this.step(s);
    }
  }

  /** The engine's clock passed `ts`: every open candle that ends before it gets its final step. */
  clock(ts: number): void {
    for (const s of this.streams.values()) {
      if (s.kline === null || s.closed || closeTimeOf(s.kline) >= ts) continue;
      s.closed = true;
      this.step(s);
    }
  }
}
