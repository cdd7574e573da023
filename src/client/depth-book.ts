// LocalDepthBook: one symbol's book held from a depth.snapshot plus gap-free depth.updates (ws-protocol.md s. 5).
//
// Levels are kept sorted (bids best = highest first, asks best = lowest first) by exact decimal comparison of the
// price strings; a level is keyed by its numeric value, so "100.0" and "100.00" are the same level. A qty of zero
// removes the level. An update whose seq is not lastSeq + 1 (or one before any snapshot), or whose market-data
// epoch is not the snapshot's (the engine restarted after a crash, or another leader took over: seqs start over),
// is a gap: it is not applied, the book is marked not synced, and applyUpdate answers false so its owner
// resubscribes. The server also sends a fresh depth.snapshot by itself when the epoch changed; it re-syncs the book.

import { type ScaledDecimal, compareScaled, parseDecimal } from './decimal.js';
import type { DepthData, DepthLevel, DepthSnapshotMessage, DepthUpdateMessage } from './types.js';

interface Level {
  readonly price: string;
  readonly key: ScaledDecimal;
  qty: string;
}

/** Thrown by `applyUpdateOrThrow` on a sequence gap. */
export class DepthGapError extends Error {
  override readonly name = 'DepthGapError';
  constructor(
    readonly symbol: string,
    /** lastSeq + 1, or null when no snapshot was applied. */
    readonly expected: number | null,
    readonly got: number,
  ) {
    super(`depth gap on ${symbol}: expected seq ${expected ?? '(snapshot)'}, got ${got}`);
  }
}

export interface DepthTop {
  /** Highest price first. */
  bids: DepthLevel[];
  /** Lowest price first. */
  asks: DepthLevel[];
}

class BookSide {
  private levels: Level[] = [];

  /** `dir` 1: ascending (asks), -1: descending (bids). */
  constructor(private readonly dir: 1 | -1) {}

  get size(): number {
    return this.levels.length;
  }

  clear(): void {
    this.levels = [];
  }

  /** Index of the level with this price, or -(insertion point) - 1. */
  private find(key: ScaledDecimal): number {
    let lo = 0;
    let hi = this.levels.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareScaled((this.levels[mid] as Level).key, key) * this.dir;
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  set(price: string, qty: string): void {
    const key = parseDecimal(price);
    const zero = parseDecimal(qty).units === 0n;
    const i = this.find(key);
    if (i >= 0) {
      if (zero) this.levels.splice(i, 1);
      else (this.levels[i] as Level).qty = qty;
    } else if (!zero) {
      this.levels.splice(-i - 1, 0, { price, key, qty });
    }
  }

  top(n: number): DepthLevel[] {
    return this.levels.slice(0, n).map((l) => [l.price, l.qty]);
  }

  qtyAt(price: string): string | undefined {
    const i = this.find(parseDecimal(price));
    return i >= 0 ? (this.levels[i] as Level).qty : undefined;
  }
}

export class LocalDepthBook {
  private readonly bidSide = new BookSide(-1);
  private readonly askSide = new BookSide(1);
  private seq: number | null = null;
  private ep: number | null = null;
  private inSync = false;

  constructor(readonly symbol: string) {}

  /** Seq of the last snapshot or update applied; null before the first snapshot. */
  get lastSeq(): number | null {
    return this.seq;
  }

  /** The market-data epoch of the last snapshot (null before one, or when it did not say). */
  get epoch(): number | null {
    return this.ep;
  }

  /** True once a snapshot was applied and no gap has been seen since. */
  get synced(): boolean {
    return this.inSync;
  }

  /** Replaces the whole book with a `depth.snapshot`. */
  applySnapshot(msg: Pick<DepthSnapshotMessage, 'symbol' | 'seq' | 'data'> & { epoch?: number }): void {
    this.checkSymbol(msg.symbol);
    this.load(msg.seq, msg.data, msg.epoch);
  }

  /** Replaces the whole book with levels at `seq` of `epoch` (e.g. a GET /depth answer). */
  load(seq: number, data: DepthData, epoch?: number): void {
    this.bidSide.clear();
    this.askSide.clear();
    for (const [p, q] of data.bids) this.bidSide.set(p, q);
    for (const [p, q] of data.asks) this.askSide.set(p, q);
    this.seq = seq;
    this.ep = epoch ?? null;
    this.inSync = true;
  }

  /**
   * Applies a `depth.update` at seq lastSeq + 1 and answers true. Anything else (a gap, a repeat, no snapshot yet,
   * or a book already out of sync) is not applied: the book is marked not synced and the answer is false.
   */
  applyUpdate(msg: Pick<DepthUpdateMessage, 'symbol' | 'seq' | 'data'> & { epoch?: number }): boolean {
    this.checkSymbol(msg.symbol);
    const otherEpoch = msg.epoch !== undefined && this.ep !== null && msg.epoch !== this.ep;
    if (!this.inSync || this.seq === null || msg.seq !== this.seq + 1 || otherEpoch) {
      this.inSync = false;
      return false;
    }
    for (const [p, q] of msg.data.bids) this.bidSide.set(p, q);
    for (const [p, q] of msg.data.asks) this.askSide.set(p, q);
    this.seq = msg.seq;
    return true;
  }

  /** Like applyUpdate, but throws a DepthGapError instead of answering false. */
  applyUpdateOrThrow(msg: Pick<DepthUpdateMessage, 'symbol' | 'seq' | 'data'> & { epoch?: number }): void {
    const expected = this.inSync && this.seq !== null ? this.seq + 1 : null;
    if (!this.applyUpdate(msg)) throw new DepthGapError(this.symbol, expected, msg.seq);
  }

  /** Marks the book out of sync (e.g. while the connection is down); the next snapshot repairs it. */
  invalidate(): void {
    this.inSync = false;
  }

  /** The best `n` levels per side (all when omitted) as [price, qty] strings. */
  top(n = Number.MAX_SAFE_INTEGER): DepthTop {
    return { bids: this.bidSide.top(n), asks: this.askSide.top(n) };
  }

  bestBid(): DepthLevel | undefined {
    return this.bidSide.top(1)[0];
  }

  bestAsk(): DepthLevel | undefined {
    return this.askSide.top(1)[0];
  }

  /** The qty resting at `price` on a side, or undefined. */
  qtyAt(side: 'bids' | 'asks', price: string): string | undefined {
    return (side === 'bids' ? this.bidSide : this.askSide).qtyAt(price);
  }

  get depth(): { bids: number; asks: number } {
    return { bids: this.bidSide.size, asks: this.askSide.size };
  }

  private checkSymbol(symbol: string): void {
    if (symbol !== this.symbol) throw new Error(`depth message for ${symbol} given to the book of ${this.symbol}`);
  }
}
