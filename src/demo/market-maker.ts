// The demo market maker of one symbol: each step moves its mid one step of a seeded random walk, reads its own open
// orders (GET /orders), cancels those off its ladder and places the missing levels (LIMIT GTC, 1..5 lots each),
// replacing one level now and then so that sizes keep moving. Everything goes through the public API as the bot's
// user; an order refused for lack of funds asks for a top-up.

import { ApiClientError, type Order } from '../client/index.js';
import type { Prng } from '../replay/prng.js';
import type { BotSession } from './bot-session.js';
import {
  type DemoSymbol,
  type OpenQuote,
  type Quote,
  formatUnits,
  gridGap,
  ladder,
  nextMid,
  planQuotes,
  toUnits,
} from './market-math.js';

export interface MakerOptions {
  /** Levels quoted on each side. */
  readonly levels: number;
  /** Lot size in lot units (see market-math.ts lotSize). */
  readonly lot: bigint;
  /** Called (awaited) when an order was refused with 1002 insufficient balance. */
  readonly lowFunds: () => Promise<void>;
}

export class MarketMaker {
  private mid: number;
  private readonly gap: number;

  constructor(
    private readonly session: BotSession,
    readonly sym: DemoSymbol,
    private readonly start: number,
    private readonly rng: Prng,
    private readonly o: MakerOptions,
  ) {
    this.mid = start;
    this.gap = gridGap(start);
  }

  /** The mid the ladder is quoted around now (ticks). */
  get currentMid(): number {
    return this.mid;
  }

  async step(): Promise<void> {
    this.mid = nextMid(this.mid, this.start, this.rng);
    const open = await this.openOrders();
    const plan = planQuotes(ladder(this.mid, this.gap, this.o.levels), open, this.rng, this.rng.int(2) === 0);
    for (const id of plan.cancel) {
      try {
        await this.session.call('cancel', (c) => c.cancelOrder(id));
      } catch (e) {
        // Filled meanwhile, or already gone: nothing to cancel.
        if (!(e instanceof ApiClientError) || e.code !== 4001) throw e;
      }
    }
    for (const q of plan.place) await this.place(q);
  }

  private async openOrders(): Promise<OpenQuote[]> {
    const out: OpenQuote[] = [];
    for (const status of ['NEW', 'PARTIALLY_FILLED'] as const) {
      const page = await this.session.call('query', (c) =>
        c.listOrders({ symbol: this.sym.name, status, limit: 1000 }),
      );
      for (const o of page.orders) out.push(this.quoteOf(o));
    }
    return out;
  }

  private quoteOf(o: Order): OpenQuote {
    return { orderId: o.order_id, side: o.side, price: Number(toUnits(o.price ?? '0', this.sym.tickDecimals)) };
  }

  private async place(q: Quote): Promise<void> {
    const qty = this.o.lot * BigInt(1 + this.rng.int(5));
    try {
      await this.session.call('order', (c) =>
        c.createOrder({
          symbol: this.sym.name,
          side: q.side,
          order_type: 'LIMIT',
          time_in_force: 'GTC',
          price: formatUnits(q.price, this.sym.tickDecimals),
          qty: formatUnits(qty, this.sym.lotDecimals),
        }),
      );
    } catch (e) {
      if (e instanceof ApiClientError && e.code === 1002) await this.o.lowFunds();
      else throw e;
    }
  }
}
