// The ordered set of one book side's price levels. Most prices land in a
// tick-indexed window: a dense array of levels indexed by price - base, with a
// hierarchical bitset (tick-bits.ts) to find the next occupied price, so
// lookup, insert and delete are O(1) and the next best level a few word reads
// away, however many levels the book holds. Prices outside the window (and
// every bigint price) live in a B+ tree (sorted-btree), O(log n) and exact for
// every Int. The window starts small around the first price, grows (doubling)
// to cover the prices in use up to MAX_WINDOW ticks, and moves with them when
// the levels in it have drifted, at most once per WINDOW/4 new levels so the
// copying stays amortised O(1). Invariant: a safe-integer price inside the
// window is in the window's array, every other price in the tree.

import BTreeModule from 'sorted-btree';
import { type Int } from './int64.js';
import { TickBits } from './tick-bits.js';

const BTree = BTreeModule.default;
type Tree<V> = InstanceType<typeof BTree<Int, V>>;

/** Slots of the first window; a window never grows past MAX_WINDOW slots (8 MiB of references). */
export const FIRST_WINDOW = 1 << 12;
export const MAX_WINDOW = 1 << 20;

const compareInt = (a: Int, b: Int): number => (a < b ? -1 : a > b ? 1 : 0);

function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export interface Priced {
  readonly price: Int;
}

export class PriceLevels<L extends Priced> {
  /** Price of slot 0; a window covers base .. base + cap - 1. */
  private base = 0;
  private cap = 0;
  private slots: Array<L | undefined> = [];
  private bits = new TickBits(1);
  private inWindow = 0;
  private tree: Tree<L> | null = null;
  private bestLevel: L | undefined = undefined;
  /** Levels created since the window was last built (pays for moving it). */
  private created = 0;
  private builds = 0;

  /**
   * `highBest`: the best price is the highest (bids) or the lowest (asks). The
   * window limits are powers of two (tests use small ones).
   */
  constructor(
    readonly highBest: boolean,
    private readonly window: { readonly first: number; readonly max: number } = {
      first: FIRST_WINDOW,
      max: MAX_WINDOW,
    },
  ) {}

  get size(): number {
    return this.inWindow + (this.tree?.size ?? 0);
  }

  best(): L | undefined {
    return this.bestLevel;
  }

  /** Where the levels are: the window (first price, slots), how many in it and in the tree, window builds so far. */
  get shape(): { base: number; cap: number; inWindow: number; inTree: number; builds: number } {
    const { base, cap, inWindow, builds } = this;
    return { base, cap, inWindow, inTree: this.tree?.size ?? 0, builds };
  }

  /** True when a is a better price than b on this side. */
  better(a: Int, b: Int): boolean {
    return this.highBest ? a > b : a < b;
  }

  get(price: Int): L | undefined {
    if (typeof price === 'number') {
      const i = price - this.base;
      if (i >= 0 && i < this.cap) return this.slots[i];
    }
    return this.tree?.get(price);
  }

  /** Adds a level at a price that has none. */
  add(level: L): void {
    const price = level.price;
    this.created++;
    if (typeof price === 'number') {
      let i = price - this.base;
      if (!(i >= 0 && i < this.cap) && this.rebuildFor(price)) i = price - this.base;
      if (i >= 0 && i < this.cap) {
        this.slots[i] = level;
        this.bits.set(i);
        this.inWindow++;
        if (this.bestLevel === undefined || this.better(price, this.bestLevel.price)) this.bestLevel = level;
        return;
      }
    }
    (this.tree ??= new BTree<Int, L>(undefined, compareInt)).set(price, level);
    if (this.bestLevel === undefined || this.better(price, this.bestLevel.price)) this.bestLevel = level;
  }

  /** Removes a level that is present. */
  delete(level: L): void {
    const price = level.price;
    let i = -1;
    if (typeof price === 'number') i = price - this.base;
    if (i >= 0 && i < this.cap) {
      this.slots[i] = undefined;
      this.bits.clear(i);
      this.inWindow--;
    } else {
      (this.tree as Tree<L>).delete(price);
    }
    if (level === this.bestLevel) this.bestLevel = this.findBest();
  }

  /** Every level, best first. */
  *fromBest(): IterableIterator<L> {
    const tree = this.tree;
    const fromTree: Iterator<[Int, L]> | null =
      tree === null || tree.size === 0 ? null : this.highBest ? tree.entriesReversed() : tree.entries();
    let t = fromTree?.next();
    let w = this.inWindow === 0 ? -1 : this.highBest ? this.bits.prev(this.cap - 1) : this.bits.next(0);
    for (;;) {
      const fromWindow = w < 0 ? undefined : this.slots[w];
      const treeLevel = t === undefined || t.done === true ? undefined : t.value[1];
      if (fromWindow === undefined && treeLevel === undefined) return;
      if (treeLevel === undefined || (fromWindow !== undefined && this.better(fromWindow.price, treeLevel.price))) {
        yield fromWindow as L;
        w = this.highBest ? this.bits.prev(w - 1) : this.bits.next(w + 1);
      } else {
        yield treeLevel;
        t = (fromTree as Iterator<[Int, L]>).next();
      }
    }
  }

  /** Consistency of the window, the bitset, the tree and the cached best; empty when sound. */
  check(): string[] {
    const errors = this.bits.check();
    let n = 0;
    for (let i = this.bits.next(0); i >= 0; i = this.bits.next(i + 1)) {
      n++;
      const level = this.slots[i];
      if (level === undefined) errors.push(`slot ${i} is marked but empty`);
      else if (level.price !== this.base + i) errors.push(`slot ${i} holds price ${level.price}`);
    }
    if (n !== this.inWindow) errors.push(`window holds ${n} marked slots, counted ${this.inWindow}`);
    this.tree?.forEachPair((price) => {
      if (typeof price === 'number' && price - this.base >= 0 && price - this.base < this.cap) {
        errors.push(`price ${price} is in the tree but inside the window`);
      }
    });
    if (this.bestLevel !== this.findBest()) errors.push(`cached best ${this.bestLevel?.price} is stale`);
    return errors;
  }

  private findBest(): L | undefined {
    const w = this.inWindow === 0 ? -1 : this.highBest ? this.bits.prev(this.cap - 1) : this.bits.next(0);
    const fromWindow = w < 0 ? undefined : this.slots[w];
    const tree = this.tree;
    if (tree === null || tree.size === 0) return fromWindow;
    const key = (this.highBest ? tree.maxKey() : tree.minKey()) as Int;
    const fromTree = tree.get(key) as L;
    return fromWindow !== undefined && this.better(fromWindow.price, key) ? fromWindow : fromTree;
  }

  /**
   * Rebuilds the window so it covers `price` and every level now in it, when that
   * span fits MAX_WINDOW and (for a move without growth) enough levels were
   * created since the last build. Levels of the tree that fall inside move in.
   */
  private rebuildFor(price: number): boolean {
    let lo = price;
    let hi = price;
    if (this.inWindow > 0) {
      lo = Math.min(lo, this.base + this.bits.next(0));
      hi = Math.max(hi, this.base + this.bits.prev(this.cap - 1));
    }
    const span = hi - lo + 1;
    const { first, max } = this.window;
    if (span > max) return false;
    // Four times the span: room to grow on both sides before the next build.
    const cap = Math.max(this.cap, Math.min(max, pow2AtLeast(Math.max(first, 4 * span))));
    if (cap === this.cap && this.created * 4 < cap) return false;
    const base = lo - Math.floor((cap - span) / 2);
    // Holes read as undefined; filling them first would only double the work.
    const slots = new Array<L | undefined>(cap);
    const bits = new TickBits(cap);
    for (let i = this.bits.next(0); i >= 0; i = this.bits.next(i + 1)) {
      const j = this.base + i - base;
      slots[j] = this.slots[i];
      bits.set(j);
    }
    const tree = this.tree;
    if (tree !== null && tree.size > 0) {
      const moving: L[] = [];
      tree.forRange(base, base + cap - 1, true, (p, level) => {
        if (typeof p === 'number') moving.push(level);
      });
      for (const level of moving) {
        const j = (level.price as number) - base;
        tree.delete(level.price);
        slots[j] = level;
        bits.set(j);
        this.inWindow++;
      }
    }
    this.base = base;
    this.cap = cap;
    this.slots = slots;
    this.bits = bits;
    this.created = 0;
    this.builds++;
    return true;
  }
}
