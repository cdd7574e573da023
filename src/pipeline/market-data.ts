// The gateway's mirror of public market data, fed by the engine worker right
// after matching (no database wait): full depth per symbol (each side sorted,
// see book-side.ts) with the engine's per-symbol seqs and market epoch
// (market-seq.ts: the same through every gateway, and going on across
// restarts), the latest trades, and a 24 h ticker in one-minute buckets; and
// the live candles (kline-streams.ts). A snapshot that moves a symbol (a new
// epoch, or a seq other than the mirror's: a gap) tells the resync listeners.

import { type Int, add, sub } from '../core/int64.js';
import type { Side } from '../core/types.js';
import { BookSide } from './book-side.js';
import { KlineStreams } from './kline-streams.js';
import type { MarketMessage, MarketSeqRow, PublicTrade, SnapshotMessage } from './protocol.js';

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;
const RECENT_TRADES = 1000;

export interface LevelChange {
  readonly side: Side;
  readonly price: Int;
  readonly qty: Int;
}

export class SymbolMarket {
  readonly bids = new BookSide('BUY');
  readonly asks = new BookSide('SELL');
  /** The engine's depth seq of the symbol: one step per drain that touched it (gap-free within an epoch). */
  seq = 0;
  /** The engine's trade seq of the symbol: the seq of its latest trade. */
  tradeSeq = 0;
  last: Int | null = null;
  readonly recent: PublicTrade[] = [];
  /** 24 h volume in base units, in per-minute buckets. */
  private readonly buckets = new Map<number, Int>();
  private volume: Int = 0;

  constructor(readonly symbolId: number) {}

  book(side: Side): BookSide {
    return side === 'BUY' ? this.bids : this.asks;
  }

  /** Top `n` levels of a side, best first: O(n), whatever the book's width. */
  top(side: Side, n: number): Array<[Int, Int]> {
    return this.book(side).top(n);
  }

  best(side: Side): Int | null {
    return this.book(side).best();
  }

  applyLevel(c: LevelChange): void {
    this.book(c.side).set(c.price, c.qty);
  }

  addTrade(t: PublicTrade): void {
    this.last = t.price;
    this.recent.push(t);
    if (this.recent.length > RECENT_TRADES * 2) this.recent.splice(0, this.recent.length - RECENT_TRADES);
    const minute = Math.floor(t.ts / MINUTE);
    this.buckets.set(minute, add(this.buckets.get(minute) ?? 0, t.qty));
    this.volume = add(this.volume, t.qty);
  }

  volume24h(now: number): Int {
    const oldest = Math.floor(now / MINUTE) - DAY_MINUTES;
    for (const [minute, v] of this.buckets) {
      if (minute > oldest) break; // Map keeps insertion (time) order
      this.volume = sub(this.volume, v);
      this.buckets.delete(minute);
    }
    return this.volume;
  }
}

/** One drain of a symbol: its depth seq after it, and its trades (the last one numbered `tradeSeq`). */
export type MarketListener = (
  symbolId: number,
  seq: number,
  trades: PublicTrade[],
  levels: LevelChange[],
  tradeSeq: number,
) => void;

/** Market data without the engine's seqs (tests, benchmarks): the mirror counts them itself. */
export type UnstampedMarket = Pick<MarketMessage, 'kind' | 'trades' | 'depth'> &
  Partial<Pick<MarketMessage, 'marketEpoch' | 'seqs'>>;

export class MarketData {
  private readonly symbols = new Map<number, SymbolMarket>();
  private readonly listeners: MarketListener[] = [];
  private readonly resyncListeners: Array<(symbolId: number) => void> = [];
  /** The engine's market epoch (0 before the first snapshot). */
  epoch = 0;
  /** Live candles of every symbol and interval; fed by apply() and clock(). */
  readonly klines: KlineStreams;

  constructor(symbolIds: readonly number[]) {
    for (const id of symbolIds) this.symbols.set(id, new SymbolMarket(id));
    this.klines = new KlineStreams(symbolIds);
  }

  /** The engine's clock passed `ts` (ms): candles that ended before it close. */
  clock(ts: number): void {
    this.klines.clock(ts);
  }

  get(symbolId: number): SymbolMarket | undefined {
    return this.symbols.get(symbolId);
  }

  onUpdate(l: MarketListener): void {
    this.listeners.push(l);
  }

  /** A snapshot replaced a symbol's book at another epoch or seq: what its subscribers hold is stale. */
  onResync(l: (symbolId: number) => void): void {
    this.resyncListeners.push(l);
  }

  /** Feeds persisted trades (oldest first) to a symbol's ticker without a seq step. */
  warm(symbolId: number, trades: readonly PublicTrade[]): void {
    const s = this.symbols.get(symbolId);
    if (s !== undefined) for (const t of trades) s.addTrade(t);
  }

  applySnapshot(m: SnapshotMessage): void {
    const moved: number[] = [];
    for (const b of m.books) {
      const s = this.symbols.get(b.symbolId);
      if (s === undefined) continue;
      if (m.marketEpoch !== this.epoch || b.depthSeq !== s.seq) moved.push(b.symbolId);
      s.bids.clear();
      s.asks.clear();
      for (const [p, q] of b.bids) s.bids.set(p, q);
      for (const [p, q] of b.asks) s.asks.set(p, q);
      s.seq = b.depthSeq;
      s.tradeSeq = b.tradeSeq;
    }
    this.epoch = m.marketEpoch;
    for (const id of moved) for (const fn of this.resyncListeners) fn(id);
  }

  /** Applies one drain's public data at the engine's seqs (one depth step per symbol touched). */
  apply(m: UnstampedMarket): void {
    let stamped: Map<number, MarketSeqRow> | null = null;
    if (m.seqs !== undefined) {
      stamped = new Map();
      for (const r of m.seqs) stamped.set(r.symbolId, r);
    }
    const touched = new Map<number, { trades: PublicTrade[]; levels: LevelChange[] }>();
    const slot = (id: number) => {
      let t = touched.get(id);
      if (t === undefined) touched.set(id, (t = { trades: [], levels: [] }));
      return t;
    };
    for (const t of m.trades) slot(t.symbolId).trades.push(t);
    for (const d of m.depth) slot(d.symbolId).levels.push(d);
    for (const [id, u] of touched) {
      const s = this.symbols.get(id);
      if (s === undefined) continue;
      for (const t of u.trades) {
        s.addTrade(t);
        this.klines.addTrade(t);
      }
      // Several changes of one level in a drain: the last one is its final total.
      const final = new Map<string, LevelChange>();
      for (const l of u.levels) final.set(`${l.side}:${l.price}`, l);
      const levels = [...final.values()];
      for (const l of levels) s.applyLevel(l);
      const r = stamped?.get(id);
      s.seq = r?.depthSeq ?? s.seq + 1;
      s.tradeSeq = r?.tradeSeq ?? s.tradeSeq + u.trades.length;
      for (const fn of this.listeners) fn(id, s.seq, u.trades, levels, s.tradeSeq);
    }
  }
}
