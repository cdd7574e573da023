// One side of a book in the gateway's market-data mirror: price -> resting qty, kept in a B+ tree
// (sorted-btree) ordered best first (bids highest first, asks lowest first), so the top n levels cost a walk
// of n entries and the best price O(log n), whatever the book's width. Prices and quantities are Ints (number
// while safe, bigint beyond); the comparator orders both representations together.

import sortedBtree from 'sorted-btree';
import type { Int } from '../core/int64.js';
import type { Side } from '../core/types.js';

const BTree = sortedBtree.default;
export type PriceTree = InstanceType<typeof BTree<Int, Int>>;

/** Ascending order of two Ints (`<` and `>` compare numbers and bigints alike). */
export function compareInt(a: Int, b: Int): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const descending = (a: Int, b: Int): number => compareInt(b, a);

/** The order of a side's prices, best first: negative when `a` is better than `b`. */
export function betterFirst(side: Side): (a: Int, b: Int) => number {
  return side === 'BUY' ? descending : compareInt;
}

/** A new empty tree of price levels in `side`'s best-first order. */
export function priceTree(side: Side): PriceTree {
  return new BTree<Int, Int>(undefined, betterFirst(side));
}

export class BookSide {
  private readonly tree: PriceTree;
  /** Negative when the first price is better than the second. */
  readonly compare: (a: Int, b: Int) => number;

  constructor(readonly side: Side) {
    this.tree = priceTree(side);
    this.compare = betterFirst(side);
  }

  get size(): number {
    return this.tree.size;
  }

  get(price: Int): Int | undefined {
    return this.tree.get(price);
  }

  /** Sets a level's total; a qty of 0 removes the level. */
  set(price: Int, qty: Int): void {
    if (qty === 0) this.tree.delete(price);
    else this.tree.set(price, qty);
  }

  clear(): void {
    this.tree.clear();
  }

  best(): Int | null {
    return this.tree.minKey() ?? null;
  }

  /** The best `n` levels, best first. */
  top(n: number): Array<[Int, Int]> {
    const out: Array<[Int, Int]> = [];
    if (n <= 0) return out;
    for (const [p, q] of this.tree.entries()) {
      out.push([p, q]);
      if (out.length >= n) break;
    }
    return out;
  }

  /** The levels strictly worse than `price` (every level when null), best first. */
  *after(price: Int | null): IterableIterator<[Int, Int]> {
    for (const e of this.tree.entries(price ?? undefined)) {
      if (price === null || this.compare(e[0], price) !== 0) yield e;
    }
  }

  /** Every level, best first. */
  entries(): IterableIterator<[Int, Int]> {
    return this.tree.entries();
  }
}
