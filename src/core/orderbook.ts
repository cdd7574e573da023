// One symbol's order book: two sides of price levels, each level a FIFO of
// orders. Levels sit in an array sorted so the best price is at the END (pop
// and push are O(1) where most activity happens), plus a price -> level map.

import { type Int, add, sub } from './int64.js';
import type { Order } from './order.js';
import type { Side } from './types.js';

export class Level {
  total: Int = 0;
  count = 0;
  head: Order | null = null;
  tail: Order | null = null;
  /** Stamp of the last command that touched this level (for depth events). */
  touched = 0;
  constructor(
    readonly side: Side,
    readonly price: Int,
  ) {}
}

export class BookSide {
  /** Sorted worst .. best: bids ascending, asks descending. */
  readonly levels: Level[] = [];
  readonly byPrice = new Map<Int, Level>();
  constructor(readonly side: Side) {}

  best(): Level | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** True when a is a better price than b on this side. */
  better(a: Int, b: Int): boolean {
    return this.side === 'BUY' ? a > b : a < b;
  }

  getOrCreate(price: Int): Level {
    let level = this.byPrice.get(price);
    if (level !== undefined) return level;
    level = new Level(this.side, price);
    this.byPrice.set(price, level);
    const levels = this.levels;
    const n = levels.length;
    if (n === 0 || this.better(price, (levels[n - 1] as Level).price)) {
      levels.push(level);
      return level;
    }
    // Binary search for the first level whose price is better than `price`.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.better((levels[mid] as Level).price, price)) hi = mid;
      else lo = mid + 1;
    }
    levels.splice(lo, 0, level);
    return level;
  }

  removeLevel(level: Level): void {
    this.byPrice.delete(level.price);
    const levels = this.levels;
    const n = levels.length;
    if (levels[n - 1] === level) {
      levels.pop();
      return;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.better((levels[mid] as Level).price, level.price)) hi = mid;
      else lo = mid + 1;
    }
    // lo is the first index better than the level's price; the level is just before it.
    levels.splice(lo - 1, 1);
  }

  append(order: Order, level: Level): void {
    order.level = level;
    order.prev = level.tail;
    order.next = null;
    if (level.tail === null) level.head = order;
    else level.tail.next = order;
    level.tail = order;
    level.count++;
    level.total = add(level.total, order.remaining);
  }

  /** Unlinks an order; drops its level when empty. Level total must already exclude the order's remaining. */
  unlink(order: Order): void {
    const level = order.level as Level;
    if (order.prev === null) level.head = order.next;
    else order.prev.next = order.next;
    if (order.next === null) level.tail = order.prev;
    else order.next.prev = order.prev;
    order.prev = null;
    order.next = null;
    order.level = null;
    level.count--;
    if (level.count === 0) this.removeLevel(level);
  }

  /** Removes a resting order with its remaining quantity. */
  remove(order: Order): void {
    const level = order.level as Level;
    level.total = sub(level.total, order.remaining);
    this.unlink(order);
  }

  /** Top `n` levels, best first, as [price, total]. */
  depth(n: number): Array<[Int, Int]> {
    const out: Array<[Int, Int]> = [];
    for (let i = this.levels.length - 1; i >= 0 && out.length < n; i--) {
      const l = this.levels[i] as Level;
      out.push([l.price, l.total]);
    }
    return out;
  }
}

export class OrderBook {
  readonly bids = new BookSide('BUY');
  readonly asks = new BookSide('SELL');

  sideOf(side: Side): BookSide {
    return side === 'BUY' ? this.bids : this.asks;
  }

  opposite(side: Side): BookSide {
    return side === 'BUY' ? this.asks : this.bids;
  }
}
