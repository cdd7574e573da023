// A live order inside the core: what it still wants, what it still holds
// frozen, and its place in a price level's FIFO (intrusive doubly-linked list).
// The engine recycles an Order once it has ended (after the command that ended
// it): hold order ids across commands, not Order objects.

import type { Int } from './int64.js';
import type { Account } from './accounts.js';
import type { OrderStatus, OrderType, Side, TimeInForce } from './types.js';
import type { Level } from './orderbook.js';

/** A live order (made by newOrder: one object literal, so every order has the same shape). */
export interface Order {
  id: number;
  userId: number;
  account: Account;
  symbolId: number;
  side: Side;
  orderType: OrderType;
  tif: TimeInForce;
  price: Int;
  qty: Int;
  quoteQty: Int;
  cid: string | null;
  /** Base units still to fill (for a MARKET BUY by quote amount: unused, 0). */
  remaining: Int;
  filled: Int;
  filledQuote: Int;
  filledNotional: Int;
  /** Units still frozen for this order (quote for BUY, base for SELL). */
  lock: Int;
  status: OrderStatus;
  prev: Order | null;
  next: Order | null;
  level: Level | null;
}

/**
 * A new order. An object literal rather than a class instance: V8 tracks the survival of a literal's allocation
 * site and, seeing that most orders outlive a scavenge (they rest), allocates them in the old generation directly
 * instead of copying each one through the young generation.
 */
export function newOrder(
  id: number,
  userId: number,
  account: Account,
  symbolId: number,
  side: Side,
  orderType: OrderType,
  tif: TimeInForce,
  price: Int,
  qty: Int,
  quoteQty: Int,
  cid: string | null,
): Order {
  return {
    id,
    userId,
    account,
    symbolId,
    side,
    orderType,
    tif,
    price,
    qty,
    quoteQty,
    cid,
    remaining: qty,
    filled: 0,
    filledQuote: 0,
    filledNotional: 0,
    lock: 0,
    status: 'NEW',
    prev: null,
    next: null,
    level: null,
  };
}

/** Makes an ended order a new one, as newOrder would (no allocation). */
export function reuseOrder(
  o: Order,
  id: number,
  userId: number,
  account: Account,
  symbolId: number,
  side: Side,
  orderType: OrderType,
  tif: TimeInForce,
  price: Int,
  qty: Int,
  quoteQty: Int,
  cid: string | null,
): Order {
  o.id = id;
  o.userId = userId;
  o.account = account;
  o.symbolId = symbolId;
  o.side = side;
  o.orderType = orderType;
  o.tif = tif;
  o.price = price;
  o.qty = qty;
  o.quoteQty = quoteQty;
  o.cid = cid;
  o.remaining = qty;
  o.filled = 0;
  o.filledQuote = 0;
  o.filledNotional = 0;
  o.lock = 0;
  o.status = 'NEW';
  o.prev = null;
  o.next = null;
  o.level = null;
  return o;
}
