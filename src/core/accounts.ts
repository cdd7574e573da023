// Per-user balances: avail and frozen per asset, dense arrays indexed by asset
// id, plus the user's open orders by client order id.

import type { Int } from './int64.js';
import type { Order } from './order.js';

export class Account {
  readonly avail: Int[];
  readonly frozen: Int[];
  /** Open orders by cid (created on first use). */
  cids: Map<string, Order> | null = null;

  constructor(
    readonly userId: number,
    assetSlots: number,
  ) {
    this.avail = new Array<Int>(assetSlots).fill(0);
    this.frozen = new Array<Int>(assetSlots).fill(0);
  }
}
