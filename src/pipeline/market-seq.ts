// The engine's public market-data sequence (pure logic; the engine runner persists it through the store).
//
// Per symbol two counters: depthSeq, one step per engine drain that touched the symbol (the seq of depth.snapshot
// and depth.update), and tradeSeq, one step per trade (the seq of market.trade). Both are the engine's, so every
// gateway shows the same numbers, and both are persisted (market_seqs, in the settlement batch's transaction) so
// they go on after a restart. Over them, the market epoch (market_epoch: epoch, running): a clean stop leaves
// running = false and the next start keeps the epoch (the seqs continue exactly where they were); a start that
// finds running still true (a crash, kill -9, a dead leader) or a cluster takeover starts the next epoch. The seqs
// then go on from their persisted values, which may be below what clients saw (the market data of a batch that
// never committed): within one epoch a seq never repeats, across epochs it may, so a client that sees a new epoch
// takes the new snapshot instead of comparing seqs.

import type { DepthChange, PublicTrade } from './protocol.js';

export interface MarketSeqRow {
  readonly symbolId: number;
  readonly depthSeq: number;
  readonly tradeSeq: number;
}

/** What the store holds: epoch 0 when nothing was ever written. */
export interface MarketSeqState {
  readonly epoch: number;
  readonly running: boolean;
  readonly seqs: readonly MarketSeqRow[];
}

/**
 * The epoch an engine start runs under: the persisted one after a clean stop, the next one after a crash (running
 * still set), for a fresh database, or when the start is a takeover (`forceNew`).
 */
export function startEpoch(persisted: Pick<MarketSeqState, 'epoch' | 'running'>, forceNew: boolean): number {
  if (persisted.epoch === 0 || persisted.running || forceNew) return persisted.epoch + 1;
  return persisted.epoch;
}

/** The counters of every symbol while the engine runs; `stamp` steps them for one drain's market data. */
export class MarketSeqs {
  private readonly seqs = new Map<number, { depthSeq: number; tradeSeq: number }>();
  private readonly dirty = new Set<number>();

  constructor(
    symbolIds: readonly number[],
    persisted: readonly MarketSeqRow[],
    readonly epoch: number,
  ) {
    for (const id of symbolIds) this.seqs.set(id, { depthSeq: 0, tradeSeq: 0 });
    for (const r of persisted) {
      const s = this.seqs.get(r.symbolId);
      if (s !== undefined) {
        s.depthSeq = r.depthSeq;
        s.tradeSeq = r.tradeSeq;
      }
    }
  }

  get(symbolId: number): MarketSeqRow {
    const s = this.seqs.get(symbolId);
    return { symbolId, depthSeq: s?.depthSeq ?? 0, tradeSeq: s?.tradeSeq ?? 0 };
  }

  /**
   * One drain's public data: each symbol it touched steps its depthSeq once and its tradeSeq once per trade.
   * Answers the counters after the step, one row per symbol touched (in the order first touched).
   */
  stamp(trades: readonly PublicTrade[], depth: readonly DepthChange[]): MarketSeqRow[] {
    const touched = new Map<number, number>();
    for (const t of trades) touched.set(t.symbolId, (touched.get(t.symbolId) ?? 0) + 1);
    for (const d of depth) if (!touched.has(d.symbolId)) touched.set(d.symbolId, 0);
    const out: MarketSeqRow[] = [];
    for (const [symbolId, n] of touched) {
      const s = this.seqs.get(symbolId);
      if (s === undefined) continue;
      s.depthSeq++;
      s.tradeSeq += n;
      this.dirty.add(symbolId);
      out.push({ symbolId, depthSeq: s.depthSeq, tradeSeq: s.tradeSeq });
    }
    return out;
  }

  /** The symbols stepped since the last call, at their current counters (what the next batch persists). */
  takeChanged(): MarketSeqRow[] {
    const out = [...this.dirty].map((id) => this.get(id));
    this.dirty.clear();
    return out;
  }
}
