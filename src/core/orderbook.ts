// One symbol's order book: two sides of price levels, each level a FIFO of
// orders (an intrusive doubly-linked list through the orders). The ordered set
// of a side's levels is price-levels.ts: O(1) at any depth for prices in its
// tick window, O(log n) beyond it, with the best level cached.

import { type Int, add, sub } from './int64.js';
import type { Order } from './order.js';
import { PriceLevels } from './price-levels.js';
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
  private readonly levels: PriceLevels<Level>;
  constructor(readonly side: Side) {
    this.levels = new PriceLevels<Level>(side === 'BUY');
  }

  /** Number of price levels. */
  get size(): number {
    return this.levels.size;
  }

  best(): Level | undefined {
    return this.levels.best();
  }

  /** True when a is a better price than b on this side. */
  better(a: Int, b: Int): boolean {
    return this.levels.better(a, b);
  }

  /** The level at exactly `price`, if any. */
  find(price: Int): Level | undefined {
    return this.levels.get(price);
  }

  getOrCreate(price: Int): Level {
    let level = this.levels.get(price);
    if (level === undefined) {
      level = new Level(this.side, price);
      this.levels.add(level);
    }
    return level;
  }

  /** Every level, best first. */
  levelsFromBest(): IterableIterator<Level> {
    return this.levels.fromBest();
  }

  /** Consistency of the level structure itself; empty when sound. */
  check(): string[] {
    return this.levels.check().map((e) => `${this.side}: ${e}`);
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
    if (level.count === 0) this.levels.delete(level);
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
    if (!(n > 0)) return out;
    for (const l of this.levels.fromBest()) {
      out.push([l.price, l.total]);
      if (out.length >= n) break;
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
