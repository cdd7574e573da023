// The ordered set of one book side's price levels. Most prices land in a
// tick-indexed window: levels indexed by price - base in pages of PAGE slots
// (allocated on first use), with a hierarchical bitset (tick-bits.ts) to find
// the next occupied price, so lookup, insert and delete are O(1) and the next
// best level a few word reads away, however many levels the book holds. Prices outside the window (and
// every bigint price) live in a B+ tree (sorted-btree), O(log n) and exact for
// every Int. The window starts small around the first price, grows (doubling)
// to cover the prices in use up to MAX_WINDOW ticks, and moves with them when
// the levels in it have drifted, at most once per WINDOW/4 new levels so the
// rebuilding stays amortised O(1); the window is page-aligned, so a rebuild
// moves page references, not slots. Invariant: a safe-integer price inside the
// window is in the window's array, every other price in the tree (a bigint,
// or a number outside the window or not an integer).

import BTreeModule from 'sorted-btree';
import { type Int } from './int64.js';
import { TickBits } from './tick-bits.js';

const BTree = BTreeModule.default;
type Tree<V> = InstanceType<typeof BTree<Int, V>>;

/** Slots of the first window; a window never grows past MAX_WINDOW slots (8 MiB of references once all pages exist). */
export const FIRST_WINDOW = 1 << 12;
export const MAX_WINDOW = 1 << 20;
export const PAGE = 1 << 10;

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
  /** Price of slot 0 (a multiple of the page size); the window covers base .. base + cap - 1. */
  private base = 0;
  private cap = 0;
  /** Page k holds slots k * page .. k * page + page - 1, or is undefined while none was used. */
  private pages: Array<Array<L | undefined> | undefined> = [];
  private readonly pageShift: number;
  private readonly pageMask: number;
  private bits = new TickBits(1);
  private inWindow = 0;
  private tree: Tree<L> | null = null;
  private bestLevel: L | undefined = undefined;
  /** Levels created since the window was last built (pays for moving it). */
  private created = 0;
  private builds = 0;

  /**
   * `highBest`: the best price is the highest (bids) or the lowest (asks). The
   * window sizes are powers of two, page <= first <= max (tests use small ones).
   */
  constructor(
    readonly highBest: boolean,
    private readonly window: { readonly first: number; readonly max: number; readonly page: number } = {
      first: FIRST_WINDOW,
      max: MAX_WINDOW,
      page: PAGE,
    },
  ) {
    this.pageShift = 31 - Math.clz32(window.page);
    this.pageMask = window.page - 1;
  }

  get size(): number {
    return this.inWindow + (this.tree?.size ?? 0);
  }

  best(): L | undefined {
    return this.bestLevel;
  }

  /** Where the levels are: the window (first price, slots, pages in use), how many in it and in the tree, builds. */
  get shape(): { base: number; cap: number; pages: number; inWindow: number; inTree: number; builds: number } {
    const { base, cap, inWindow, builds } = this;
    const pages = this.pages.filter((p) => p !== undefined).length;
    return { base, cap, pages, inWindow, inTree: this.tree?.size ?? 0, builds };
  }

  /** True when a is a better price than b on this side. */
  better(a: Int, b: Int): boolean {
    return this.highBest ? a > b : a < b;
  }

  get(price: Int): L | undefined {
    const i = this.slotOf(price);
    if (i < 0) return this.tree?.get(price);
    // The bitset (one bit per slot) answers "no level here" without reading the page, a likely cache miss on a wide book.
    return this.bits.has(i) ? this.at(i) : undefined;
  }

  /** Adds a level at a price that has none. */
  add(level: L): void {
    const price = level.price;
    this.created++;
    let i = this.slotOf(price);
    if (i < 0 && Number.isSafeInteger(price) && this.rebuildFor(price as number)) i = this.slotOf(price);
    if (i >= 0) {
      this.putSlot(i, level);
      if (this.bestLevel === undefined || this.better(price, this.bestLevel.price)) this.bestLevel = level;
      return;
    }
    (this.tree ??= new BTree<Int, L>(undefined, compareInt)).set(price, level);
    if (this.bestLevel === undefined || this.better(price, this.bestLevel.price)) this.bestLevel = level;
  }

  /** Removes a level that is present. */
  delete(level: L): void {
    const price = level.price;
    const i = this.slotOf(price);
    if (i >= 0) {
      (this.pages[i >>> this.pageShift] as Array<L | undefined>)[i & this.pageMask] = undefined;
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
    let w = this.edgeSlot();
    for (;;) {
      const fromWindow = w < 0 ? undefined : this.at(w);
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
      const level = this.at(i);
      if (level === undefined) errors.push(`slot ${i} is marked but empty`);
      else if (level.price !== this.base + i) errors.push(`slot ${i} holds price ${level.price}`);
    }
    if (n !== this.inWindow) errors.push(`window holds ${n} marked slots, counted ${this.inWindow}`);
    let held = 0;
    for (const page of this.pages) for (const level of page ?? []) if (level !== undefined) held++;
    if (held !== this.inWindow) errors.push(`pages hold ${held} levels, counted ${this.inWindow}`);
    this.tree?.forEachPair((price) => {
      if (this.slotOf(price) >= 0) errors.push(`price ${price} is in the tree but inside the window`);
    });
    if (this.bestLevel !== this.findBest()) errors.push(`cached best ${this.bestLevel?.price} is stale`);
    return errors;
  }

  /** The window slot of an integer price inside the window, else -1. */
  private slotOf(price: Int): number {
    if (typeof price !== 'number') return -1;
    const i = price - this.base;
    return i >= 0 && i < this.cap && (i | 0) === i ? i : -1;
  }

  private putSlot(i: number, level: L): void {
    const k = i >>> this.pageShift;
    let page = this.pages[k];
    if (page === undefined) this.pages[k] = page = new Array<L | undefined>(this.window.page);
    page[i & this.pageMask] = level;
    this.bits.set(i);
    this.inWindow++;
  }

  private at(i: number): L | undefined {
    const page = this.pages[i >>> this.pageShift];
    return page === undefined ? undefined : page[i & this.pageMask];
  }

  /** The window's best occupied slot, or -1. */
  private edgeSlot(): number {
    if (this.inWindow === 0) return -1;
    return this.highBest ? this.bits.prev(this.cap - 1) : this.bits.next(0);
  }

  private findBest(): L | undefined {
    const w = this.edgeSlot();
    const fromWindow = w < 0 ? undefined : this.at(w);
    const tree = this.tree;
    if (tree === null || tree.size === 0) return fromWindow;
    const key = (this.highBest ? tree.maxKey() : tree.minKey()) as Int;
    const fromTree = tree.get(key) as L;
    return fromWindow !== undefined && this.better(fromWindow.price, key) ? fromWindow : fromTree;
  }

  /**
   * Rebuilds the window so it covers `price` and every level now in it, when that
   * span fits the largest window with a page to spare on each side and (for a move
   * without growth) enough levels were created since the last build. Pages keep
   * their slots; levels of the tree that fall inside move in.
   */
  private rebuildFor(price: number): boolean {
    let lo = price;
    let hi = price;
    if (this.inWindow > 0) {
      lo = Math.min(lo, this.base + this.bits.next(0));
      hi = Math.max(hi, this.base + this.bits.prev(this.cap - 1));
    }
    const span = hi - lo + 1;
    const { first, max, page } = this.window;
    if (span > max - 2 * page) return false;
    // Four times the span: room to grow on both sides before the next build.
    const cap = Math.max(this.cap, Math.min(max, pow2AtLeast(Math.max(first, 4 * span, span + 2 * page))));
    if (cap === this.cap && this.created * 4 < cap) return false;
    // Centred on the span, rounded down to a page: still covers it with cap - span >= 2 pages.
    const base = Math.floor((lo - Math.floor((cap - span) / 2)) / page) * page;
    const pages = new Array<Array<L | undefined> | undefined>(cap / page);
    const shift = (this.base - base) / page;
    for (let k = 0; k < this.pages.length; k++) {
      const p = this.pages[k];
      // Pages outside the new window hold no level (it covers every occupied slot).
      if (p !== undefined && k + shift >= 0 && k + shift < pages.length) pages[k + shift] = p;
    }
    const bits = new TickBits(cap);
    for (let i = this.bits.next(0); i >= 0; i = this.bits.next(i + 1)) bits.set(this.base + i - base);
    this.base = base;
    this.cap = cap;
    this.pages = pages;
    this.bits = bits;
    const tree = this.tree;
    if (tree !== null && tree.size > 0) {
      const moving: L[] = [];
      tree.forRange(base, base + cap - 1, true, (p, level) => {
        if (Number.isInteger(p)) moving.push(level);
      });
      for (const level of moving) {
        tree.delete(level.price);
        this.putSlot(this.slotOf(level.price), level);
      }
    }
    this.created = 0;
    this.builds++;
    return true;
  }
}
