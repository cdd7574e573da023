// The depth channel's fixed sizes and the top-N book of one size, kept incrementally from each drain's level
// changes. A drain's change reaches a size's book only when it is at or better than the book's worst price (or
// the book holds fewer than N levels); then the book applies it, drops what fell below N, refills from the
// mirror what came up, and answers exactly the levels that differ from before (a qty of 0: the level left the
// top N). The work per drain is O((changes + levels moved) log N) per size in use, whatever the book's width,
// the number of subscribers, or the `levels` values they asked for.

import type { Int } from '../core/int64.js';
import type { Side } from '../core/types.js';
import { type BookSide, type PriceTree, priceTree } from '../pipeline/book-side.js';
import type { LevelChange, SymbolMarket } from '../pipeline/market-data.js';

import { DEPTH_LEVELS_MAX, DEPTH_SIZES } from '../api/ws-limits.js';

export { DEPTH_LEVELS_MAX, DEPTH_SIZES };

/** The fixed size that serves a request for `levels` (1..DEPTH_LEVELS_MAX): the smallest size >= it. */
export function depthSize(levels: number): number {
  for (const n of DEPTH_SIZES) if (n >= levels) return n;
  throw new RangeError(`levels ${levels} is above ${DEPTH_LEVELS_MAX}`);
}

/** Levels whose qty in the top N changed (in no particular order); qty 0: the level left the top N. */
export type LevelDiff = Array<[Int, Int]>;

/** What the books did, for tests and benchmarks: levels read or written (changes examined, moved, refilled). */
export interface DepthWork {
  levelsVisited: number;
}

class TopSide {
  private readonly tree: PriceTree;

  constructor(
    private readonly n: number,
    private readonly book: BookSide,
    private readonly work: DepthWork,
  ) {
    this.tree = priceTree(book.side);
    for (const [p, q] of book.top(n)) this.tree.set(p, q);
    work.levelsVisited += this.tree.size;
  }

  levels(): Array<[Int, Int]> {
    return this.tree.toArray();
  }

  /** Applies one side's final level changes (already applied to the mirror) and answers the diff. */
  apply(changes: readonly LevelChange[]): LevelDiff {
    const t = this.tree;
    const cmp = this.book.compare;
    const full = t.size >= this.n;
    const worst = t.maxKey();
    const before = new Map<Int, Int | undefined>();
    const remember = (p: Int) => {
      if (!before.has(p)) before.set(p, t.get(p));
    };
    for (const c of changes) {
      this.work.levelsVisited++;
      // Below a full book's worst level: outside the top N before and after (the book keeps its N better ones).
      if (full && worst !== undefined && cmp(c.price, worst) > 0) continue;
      remember(c.price);
      if (c.qty === 0) t.delete(c.price);
      else t.set(c.price, c.qty);
    }
    if (before.size === 0) return [];
    while (t.size > this.n) {
      const w = t.maxKey() as Int;
      remember(w);
      t.delete(w);
      this.work.levelsVisited++;
    }
    if (t.size < this.n) {
      // Every mirror level at or above the old worst is already here; the next ones come from below it.
      for (const [p, q] of this.book.after(t.maxKey() ?? null)) {
        remember(p);
        t.set(p, q);
        this.work.levelsVisited++;
        if (t.size >= this.n) break;
      }
    }
    const diff: LevelDiff = [];
    for (const [p, was] of before) {
      const now = t.get(p);
      if (now !== was) diff.push([p, now ?? 0]);
    }
    return diff;
  }
}

/** The top `n` levels of both sides of one symbol, as a subscriber of size `n` holds them. */
export class TopBook {
  private readonly bids: TopSide;
  private readonly asks: TopSide;

  constructor(
    readonly n: number,
    market: SymbolMarket,
    work: DepthWork,
  ) {
    this.bids = new TopSide(n, market.bids, work);
    this.asks = new TopSide(n, market.asks, work);
  }

  levels(side: Side): Array<[Int, Int]> {
    return (side === 'BUY' ? this.bids : this.asks).levels();
  }

  /** One drain's final level changes, already applied to the mirror: what this book's subscribers must apply. */
  apply(changes: readonly LevelChange[]): { bids: LevelDiff; asks: LevelDiff } {
    const buy: LevelChange[] = [];
    const sell: LevelChange[] = [];
    for (const c of changes) (c.side === 'BUY' ? buy : sell).push(c);
    return {
      bids: buy.length === 0 ? [] : this.bids.apply(buy),
      asks: sell.length === 0 ? [] : this.asks.apply(sell),
    };
  }
}
