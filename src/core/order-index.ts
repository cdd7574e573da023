// Open orders by id. Ids are non-negative integers handed out in increasing
// order by the sequencer, so a table of fixed-size chunks (a Map from chunk
// number to a dense array) is much faster than one big Map, and a chunk is freed
// as soon as its last open order ends, so memory follows the open orders.

import type { Order } from './order.js';

const CHUNK = 4096;

interface Chunk {
  readonly slots: Array<Order | undefined>;
  live: number;
}

export class OrderIndex {
  private readonly chunks = new Map<number, Chunk>();
  private lastKey = -1;
  private last: Chunk | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  private chunk(key: number): Chunk | undefined {
    if (key === this.lastKey) return this.last;
    const c = this.chunks.get(key);
    if (c !== undefined) {
      this.lastKey = key;
      this.last = c;
    }
    return c;
  }

  get(id: number): Order | undefined {
    if (!(id >= 0) || !Number.isSafeInteger(id)) return undefined;
    const key = Math.floor(id / CHUNK);
    return this.chunk(key)?.slots[id - key * CHUNK];
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds an order (its id must be a safe non-negative integer not already present). */
  set(id: number, order: Order): void {
    const key = Math.floor(id / CHUNK);
    let c = this.chunk(key);
    if (c === undefined) {
      c = { slots: new Array<Order | undefined>(CHUNK).fill(undefined), live: 0 };
      this.chunks.set(key, c);
      this.lastKey = key;
      this.last = c;
    }
    const i = id - key * CHUNK;
    if (c.slots[i] === undefined) {
      c.live++;
      this.count++;
    }
    c.slots[i] = order;
  }

  delete(id: number): void {
    const key = Math.floor(id / CHUNK);
    const c = this.chunk(key);
    if (c === undefined) return;
    const i = id - key * CHUNK;
    if (c.slots[i] === undefined) return;
    c.slots[i] = undefined;
    c.live--;
    this.count--;
    if (c.live === 0) {
      this.chunks.delete(key);
      if (this.lastKey === key) {
        this.lastKey = -1;
        this.last = undefined;
      }
    }
  }

  /** Open orders in id order. */
  *values(): IterableIterator<Order> {
    const keys = [...this.chunks.keys()].sort((a, b) => a - b);
    for (const k of keys) {
      for (const o of (this.chunks.get(k) as Chunk).slots) if (o !== undefined) yield o;
    }
  }

  *entries(): IterableIterator<[number, Order]> {
    for (const o of this.values()) yield [o.id, o];
  }

  [Symbol.iterator](): IterableIterator<[number, Order]> {
    return this.entries();
  }
}
