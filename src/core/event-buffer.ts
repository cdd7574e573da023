// The events of one command as the core writes them: a struct-of-arrays buffer
// that the engine reuses for every command, so emitting an event allocates
// nothing. Numeric fields live in a Float64Array (STRIDE slots per event), the
// string fields (constant enum strings and the cid) in a plain array (SSTRIDE
// slots per event); an amount that is a bigint is kept in a side map and its
// slot holds NaN. The buffer is valid until the engine's next `process` call: a
// consumer reads fields in place or materialises what it keeps with `at(i)` /
// `toArray()` (the event classes of types.ts, field for field what the buffer holds).

import type { Int } from './int64.js';
import type { Order } from './order.js';
import {
  type BalanceReason,
  type CoreEvent,
  type OrderStatus,
  type OrderType,
  type RejectReason,
  type Side,
  type TimeInForce,
  BalanceEvent,
  DepthEvent,
  OrderEvent,
  TradeEvent,
} from './types.js';

export type EventKind = CoreEvent['kind'];

const KINDS: readonly EventKind[] = ['order', 'trade', 'balance', 'depth'];
const ORDER = 0;
const TRADE = 1;
const BALANCE = 2;
const DEPTH = 3;

/** Numeric slots per event (slot 0 is the kind) and string slots per event. */
const STRIDE = 16;
const SHIFT = 4;
const SSTRIDE = 8;
const SSHIFT = 3;
const FIRST_CAPACITY = 64;
/** A buffer grown past this many events (one huge sweep) goes back to the first size at the next reset. */
const KEEP_CAPACITY = 4096;

/** What a consumer of `process` results may use: read-only access to the current command's events. */
export interface CoreEvents extends Iterable<CoreEvent> {
  readonly length: number;
  /** Kind of event i (0 <= i < length). */
  kind(i: number): EventKind;
  /** Event i as a fresh object. */
  at(i: number): CoreEvent;
  /** Every event as fresh objects, in order. */
  toArray(): CoreEvent[];
}

export class EventBuffer implements CoreEvents {
  length = 0;
  private capacity = FIRST_CAPACITY;
  private num = new Float64Array(FIRST_CAPACITY * STRIDE);
  private str: Array<string | null> = new Array<string | null>(FIRST_CAPACITY * SSTRIDE).fill(null);
  /** Numeric slot -> value that is not a number (a bigint amount); its slot holds NaN. */
  private wide: Map<number, unknown> | null = null;

  /** Empties the buffer for the next command. */
  reset(): void {
    this.length = 0;
    if (this.wide !== null && this.wide.size > 0) this.wide.clear();
    if (this.capacity > KEEP_CAPACITY) this.allocate(FIRST_CAPACITY);
  }

  // ---- writing (the engine) ----

  /** An order event with a live order's current state (no reject reason). */
  orderOf(o: Order, ts: number): void {
    const i = this.next();
    const b = i << SHIFT;
    const sb = i << SSHIFT;
    const s = this.str;
    this.num[b] = ORDER;
    this.put(b + 1, o.id);
    this.put(b + 2, o.userId);
    this.put(b + 3, o.symbolId);
    this.put(b + 4, o.price);
    this.put(b + 5, o.qty);
    this.put(b + 6, o.quoteQty);
    this.put(b + 7, o.filled);
    this.put(b + 8, o.filledQuote);
    this.put(b + 9, o.filledNotional);
    this.put(b + 10, o.lock);
    this.put(b + 11, ts);
    s[sb] = o.side;
    s[sb + 1] = o.orderType;
    s[sb + 2] = o.tif;
    s[sb + 3] = o.cid;
    s[sb + 4] = o.status;
    s[sb + 5] = null;
  }

  order(
    orderId: number,
    userId: number,
    symbolId: number,
    side: Side,
    orderType: OrderType,
    tif: TimeInForce,
    price: Int,
    qty: Int,
    quoteQty: Int,
    cid: string | null,
    status: OrderStatus,
    filledQty: Int,
    filledQuote: Int,
    filledNotional: Int,
    lock: Int,
    rejectReason: RejectReason | null,
    ts: number,
  ): void {
    const i = this.next();
    const n = this.num;
    const b = i << SHIFT;
    const sb = i << SSHIFT;
    const s = this.str;
    n[b] = ORDER;
    this.put(b + 1, orderId);
    this.put(b + 2, userId);
    this.put(b + 3, symbolId);
    this.put(b + 4, price);
    this.put(b + 5, qty);
    this.put(b + 6, quoteQty);
    this.put(b + 7, filledQty);
    this.put(b + 8, filledQuote);
    this.put(b + 9, filledNotional);
    this.put(b + 10, lock);
    this.put(b + 11, ts);
    s[sb] = side;
    s[sb + 1] = orderType;
    s[sb + 2] = tif;
    s[sb + 3] = cid;
    s[sb + 4] = status;
    s[sb + 5] = rejectReason;
  }

  trade(
    tradeId: number,
    symbolId: number,
    price: Int,
    qty: Int,
    quoteQty: Int,
    takerSide: Side,
    makerOrderId: number,
    makerUserId: number,
    takerOrderId: number,
    takerUserId: number,
    makerFee: Int,
    takerFee: Int,
    ts: number,
  ): void {
    const i = this.next();
    const n = this.num;
    const b = i << SHIFT;
    n[b] = TRADE;
    this.put(b + 1, tradeId);
    this.put(b + 2, symbolId);
    this.put(b + 3, price);
    this.put(b + 4, qty);
    this.put(b + 5, quoteQty);
    this.put(b + 6, makerOrderId);
    this.put(b + 7, makerUserId);
    this.put(b + 8, takerOrderId);
    this.put(b + 9, takerUserId);
    this.put(b + 10, makerFee);
    this.put(b + 11, takerFee);
    this.put(b + 12, ts);
    this.str[i << SSHIFT] = takerSide;
  }

  balance(userId: number, assetId: number, avail: Int, frozen: Int, delta: Int, reason: BalanceReason): void {
    const i = this.next();
    const n = this.num;
    const b = i << SHIFT;
    n[b] = BALANCE;
    this.put(b + 1, userId);
    this.put(b + 2, assetId);
    this.put(b + 3, avail);
    this.put(b + 4, frozen);
    this.put(b + 5, delta);
    this.str[i << SSHIFT] = reason;
  }

  depth(symbolId: number, side: Side, price: Int, qty: Int): void {
    const i = this.next();
    const n = this.num;
    const b = i << SHIFT;
    n[b] = DEPTH;
    this.put(b + 1, symbolId);
    this.put(b + 2, price);
    this.put(b + 3, qty);
    this.str[i << SSHIFT] = side;
  }

  // ---- reading (consumers) ----

  kind(i: number): EventKind {
    return KINDS[this.num[i << SHIFT] as number] as EventKind;
  }

  at(i: number): CoreEvent {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`event ${i} of ${this.length}`);
    const n = this.num;
    const b = i << SHIFT;
    const sb = i << SSHIFT;
    const s = this.str;
    switch (n[b]) {
      case ORDER:
        return new OrderEvent(
          this.get<number>(b + 1),
          this.get<number>(b + 2),
          this.get<number>(b + 3),
          s[sb] as Side,
          s[sb + 1] as OrderType,
          s[sb + 2] as TimeInForce,
          this.get<Int>(b + 4),
          this.get<Int>(b + 5),
          this.get<Int>(b + 6),
          s[sb + 3] as string | null,
          s[sb + 4] as OrderStatus,
          this.get<Int>(b + 7),
          this.get<Int>(b + 8),
          this.get<Int>(b + 9),
          this.get<Int>(b + 10),
          s[sb + 5] as RejectReason | null,
          this.get<number>(b + 11),
        );
      case TRADE:
        return new TradeEvent(
          this.get<number>(b + 1),
          this.get<number>(b + 2),
          this.get<Int>(b + 3),
          this.get<Int>(b + 4),
          this.get<Int>(b + 5),
          s[sb] as Side,
          this.get<number>(b + 6),
          this.get<number>(b + 7),
          this.get<number>(b + 8),
          this.get<number>(b + 9),
          this.get<Int>(b + 10),
          this.get<Int>(b + 11),
          this.get<number>(b + 12),
        );
      case BALANCE:
        return new BalanceEvent(
          this.get<number>(b + 1),
          this.get<number>(b + 2),
          this.get<Int>(b + 3),
          this.get<Int>(b + 4),
          this.get<Int>(b + 5),
          s[sb] as BalanceReason,
        );
      default:
        return new DepthEvent(this.get<number>(b + 1), s[sb] as Side, this.get<Int>(b + 2), this.get<Int>(b + 3));
    }
  }

  toArray(): CoreEvent[] {
    const out: CoreEvent[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.at(i));
    return out;
  }

  /** JSON.stringify(result) shows the events, not the buffer's slots. */
  toJSON(): CoreEvent[] {
    return this.toArray();
  }

  *[Symbol.iterator](): IterableIterator<CoreEvent> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  // ---- slots ----

  /** Index of a new event at the end, growing the arrays when full. */
  private next(): number {
    const i = this.length;
    if (i === this.capacity) this.grow();
    this.length = i + 1;
    return i;
  }

  /** Numbers go in the typed array; anything else (a bigint amount) in the side map, its slot NaN. */
  private put(slot: number, v: unknown): void {
    if (typeof v === 'number') this.num[slot] = v;
    else {
      this.num[slot] = NaN;
      (this.wide ??= new Map()).set(slot, v);
    }
  }

  private get<T>(slot: number): T {
    const v = this.num[slot] as number;
    if (v === v) return v as T;
    const wide = this.wide;
    return (wide !== null && wide.has(slot) ? wide.get(slot) : v) as T;
  }

  private grow(): void {
    const num = this.num;
    const str = this.str;
    this.allocate(this.capacity * 2);
    this.num.set(num);
    for (let k = 0; k < str.length; k++) this.str[k] = str[k] as string | null;
  }

  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.num = new Float64Array(capacity * STRIDE);
    this.str = new Array<string | null>(capacity * SSTRIDE).fill(null);
  }
}
