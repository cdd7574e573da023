// A live order inside the core: what it still wants, what it still holds
// frozen, and its place in a price level's FIFO (intrusive doubly-linked list).
// The engine recycles an Order once it has ended (after the command that ended
// it): hold order ids across commands, not Order objects.

import type { Int } from './int64.js';
import type { Account } from './accounts.js';
import type { OrderStatus, OrderType, Side, TimeInForce } from './types.js';
import type { Level } from './orderbook.js';

export class Order {
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
  filled: Int = 0;
  filledQuote: Int = 0;
  filledNotional: Int = 0;
  /** Units still frozen for this order (quote for BUY, base for SELL). */
  lock: Int = 0;
  status: OrderStatus = 'NEW';
  prev: Order | null = null;
  next: Order | null = null;
  level: Level | null = null;

  constructor(
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
  ) {
    this.id = id;
    this.userId = userId;
    this.account = account;
    this.symbolId = symbolId;
    this.side = side;
    this.orderType = orderType;
    this.tif = tif;
    this.price = price;
    this.qty = qty;
    this.quoteQty = quoteQty;
    this.cid = cid;
    this.remaining = qty;
  }

  /** Makes an ended order a new one, as the constructor would (no allocation). */
  reuse(
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
  ): this {
    this.id = id;
    this.userId = userId;
    this.account = account;
    this.symbolId = symbolId;
    this.side = side;
    this.orderType = orderType;
    this.tif = tif;
    this.price = price;
    this.qty = qty;
    this.quoteQty = quoteQty;
    this.cid = cid;
    this.remaining = qty;
    this.filled = 0;
    this.filledQuote = 0;
    this.filledNotional = 0;
    this.lock = 0;
    this.status = 'NEW';
    this.prev = null;
    this.next = null;
    this.level = null;
    return this;
  }
}
