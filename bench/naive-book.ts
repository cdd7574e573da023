// The yardstick of bench:core: a naive matching-only book. Per side, a sorted
// array of plain numeric prices (worst .. best, so the best is the last element)
// and a Map from price to the FIFO array of that level's orders; an order Map for
// cancels. Limit orders and cancels only, price-time priority, no balances, no
// fees, no events, no self-trade prevention: it counts trades. Prices must be
// safe integers (the generated data sets' are).

import type { Command } from '../src/core/types.js';

interface NaiveOrder {
  readonly id: number;
  readonly userId: number;
  readonly buy: boolean;
  readonly price: number;
  remaining: number;
}

class NaiveSide {
  /** Sorted worst .. best: bids ascending, asks descending. */
  readonly prices: number[] = [];
  readonly levels = new Map<number, NaiveOrder[]>();
  constructor(private readonly buy: boolean) {}

  /** Index of the first price better than `price` (bids: higher, asks: lower). */
  private upperBound(price: number): number {
    const prices = this.prices;
    let lo = 0;
    let hi = prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = prices[mid] as number;
      if (this.buy ? p > price : p < price) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  add(o: NaiveOrder): void {
    let level = this.levels.get(o.price);
    if (level === undefined) {
      level = [];
      this.levels.set(o.price, level);
      this.prices.splice(this.upperBound(o.price), 0, o.price);
    }
    level.push(o);
  }

  remove(o: NaiveOrder): void {
    const level = this.levels.get(o.price) as NaiveOrder[];
    level.splice(level.indexOf(o), 1);
    if (level.length === 0) this.dropLevel(o.price);
  }

  dropLevel(price: number): void {
    this.levels.delete(price);
    const prices = this.prices;
    if (prices[prices.length - 1] === price) prices.pop();
    else prices.splice(this.upperBound(price) - 1, 1);
  }
}

export class NaiveBook {
  private readonly bids = new NaiveSide(true);
  private readonly asks = new NaiveSide(false);
  private readonly open = new Map<number, NaiveOrder>();
  trades = 0;

  process(cmd: Command): void {
    if (cmd.type === 'cancel') {
      const o = cmd.orderId === null ? undefined : this.open.get(cmd.orderId);
      if (o === undefined || o.userId !== cmd.userId) return;
      this.open.delete(o.id);
      (o.buy ? this.bids : this.asks).remove(o);
      return;
    }
    if (cmd.type !== 'place' || cmd.orderType !== 'LIMIT' || cmd.tif !== 'GTC') return;
    const buy = cmd.side === 'BUY';
    const taker: NaiveOrder = {
      id: cmd.orderId,
      userId: cmd.userId,
      buy,
      price: Number(cmd.price),
      remaining: Number(cmd.qty),
    };
    const opp = buy ? this.asks : this.bids;
    const prices = opp.prices;
    while (taker.remaining > 0 && prices.length > 0) {
      const best = prices[prices.length - 1] as number;
      if (buy ? best > taker.price : best < taker.price) break;
      const level = opp.levels.get(best) as NaiveOrder[];
      while (taker.remaining > 0 && level.length > 0) {
        const maker = level[0] as NaiveOrder;
        const q = Math.min(maker.remaining, taker.remaining);
        maker.remaining -= q;
        taker.remaining -= q;
        this.trades++;
        if (maker.remaining === 0) {
          level.shift();
          this.open.delete(maker.id);
        }
      }
      if (level.length === 0) opp.dropLevel(best);
    }
    if (taker.remaining > 0) {
      (buy ? this.bids : this.asks).add(taker);
      this.open.set(taker.id, taker);
    }
  }

  get openOrders(): number {
    return this.open.size;
  }
}
