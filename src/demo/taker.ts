// The demo taker of one symbol: each step sends one MARKET order (IOC) of 1..3 lots on a random side through the
// public API as the bot's user, so that the maker's ladder trades; an order refused for lack of funds asks for a
// top-up. A MARKET order that finds no liquidity simply expires.

import { ApiClientError } from '../client/index.js';
import type { Prng } from '../replay/prng.js';
import type { BotSession } from './bot-session.js';
import { type DemoSymbol, formatUnits } from './market-math.js';

export class Taker {
  constructor(
    private readonly session: BotSession,
    readonly sym: DemoSymbol,
    private readonly rng: Prng,
    private readonly lot: bigint,
    private readonly lowFunds: () => Promise<void>,
  ) {}

  async step(): Promise<void> {
    const side = this.rng.int(2) === 0 ? 'BUY' : 'SELL';
    const qty = this.lot * BigInt(1 + this.rng.int(3));
    try {
      await this.session.call('order', (c) =>
        c.createOrder({
          symbol: this.sym.name,
          side,
          order_type: 'MARKET',
          time_in_force: 'IOC',
          qty: formatUnits(qty, this.sym.lotDecimals),
        }),
      );
    } catch (e) {
      if (e instanceof ApiClientError && e.code === 1002) await this.lowFunds();
      else throw e;
    }
  }
}
