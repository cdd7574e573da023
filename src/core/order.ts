// A live order inside the core: what it still wants, what it still holds
// frozen, and its place in a price level's FIFO (intrusive doubly-linked list).

import type { Int } from './int64.js';
import type { Account } from './accounts.js';
import type { OrderStatus, OrderType, Side, TimeInForce } from './types.js';
import type { Level } from './orderbook.js';

export class Order {
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
    readonly id: number,
    readonly userId: number,
    readonly account: Account,
    readonly symbolId: number,
    readonly side: Side,
    readonly orderType: OrderType,
    readonly tif: TimeInForce,
    readonly price: Int,
    readonly qty: Int,
    readonly quoteQty: Int,
    readonly cid: string | null,
  ) {
    this.remaining = qty;
  }
}
