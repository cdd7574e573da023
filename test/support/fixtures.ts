// Shared test configuration: BTC (8 decimals), USDT (2), ETH (8); BTC_USDT and
// ETH_USDT with 2 price decimals. Builders for commands keep tests short.

import { Engine } from '../../src/core/engine.js';
import { OrderEvent } from '../../src/core/types.js';
import { checkInvariants } from '../../src/core/invariants.js';
import type { Int } from '../../src/core/int64.js';
import type {
  AssetConfig,
  Command,
  CommandResult,
  CoreConfig,
  CoreEvent,
  PlaceOrderCommand,
  StpMode,
  SymbolConfig,
} from '../../src/core/types.js';

export const FEE_ACCOUNT = 1;
export const BTC = 0;
export const USDT = 1;
export const ETH = 2;
export const BTC_USDT = 0;
export const ETH_USDT = 1;

export const ASSETS: AssetConfig[] = [
  { id: BTC, name: 'BTC', decimals: 8, displayDecimals: 6 },
  { id: USDT, name: 'USDT', decimals: 2, displayDecimals: 2 },
  { id: ETH, name: 'ETH', decimals: 8, displayDecimals: 6 },
];

export function symbol(over: Partial<SymbolConfig> = {}): SymbolConfig {
  return {
    id: BTC_USDT,
    name: 'BTC_USDT',
    baseAssetId: BTC,
    quoteAssetId: USDT,
    priceDecimals: 2,
    priceDisplayDecimals: 2,
    minQty: 0,
    maxQty: 0,
    minNotional: 0,
    makerFeeRate: 0,
    takerFeeRate: 0,
    stpMode: 'NONE',
    ...over,
  };
}

export function config(over: Partial<SymbolConfig> = {}): CoreConfig {
  return {
    assets: ASSETS,
    symbols: [symbol(over), symbol({ ...over, id: ETH_USDT, name: 'ETH_USDT', baseAssetId: ETH })],
    feeAccountId: FEE_ACCOUNT,
  };
}

/** A command's result with its events copied out of the engine's reused buffer (safe to keep). */
export interface KeptResult {
  readonly code: CommandResult['code'];
  readonly events: CoreEvent[];
}

/** A test harness: an engine plus auto-incrementing order ids and clock; checks invariants after every command. */
export class Harness {
  readonly engine: Engine;
  nextOrderId = 1;
  ts = 1_700_000_000_000;
  constructor(over: Partial<SymbolConfig> & { stp?: StpMode } = {}) {
    const { stp, ...rest } = over;
    this.engine = new Engine(config(stp ? { ...rest, stpMode: stp } : rest));
  }
  run(cmd: Command): KeptResult {
    const { code, events } = this.engine.process(cmd);
    const r = { code, events: events.toArray() };
    const violations = checkInvariants(this.engine);
    if (violations.length > 0)
      throw new Error(
        `invariants broken after ${JSON.stringify(cmd, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}: ${violations.join('; ')}`,
      );
    return r;
  }
  deposit(userId: number, assetId: number, amount: Int): KeptResult {
    return this.run({ type: 'deposit', ts: ++this.ts, userId, assetId, amount });
  }
  withdraw(userId: number, assetId: number, amount: Int): KeptResult {
    return this.run({ type: 'withdraw', ts: ++this.ts, userId, assetId, amount });
  }
  place(p: Partial<PlaceOrderCommand> & Pick<PlaceOrderCommand, 'userId' | 'side'>): KeptResult & { orderId: number } {
    const orderId = p.orderId ?? this.nextOrderId++;
    const cmd: PlaceOrderCommand = {
      type: 'place',
      ts: ++this.ts,
      orderId,
      symbolId: BTC_USDT,
      orderType: 'LIMIT',
      tif: 'GTC',
      price: 0,
      qty: 0,
      quoteQty: 0,
      cid: null,
      ...p,
    };
    return { ...this.run(cmd), orderId };
  }
  cancel(userId: number, orderId: number | null, cid: string | null = null): KeptResult {
    return this.run({ type: 'cancel', ts: ++this.ts, userId, orderId, cid });
  }
  bal(userId: number, assetId: number): { avail: Int; frozen: Int } {
    const a = this.engine.accounts.get(userId);
    return { avail: a?.avail[assetId] ?? 0, frozen: a?.frozen[assetId] ?? 0 };
  }
}

/** An OrderEvent from a record holding its fields (the constructor takes them in order), at time `ts`. */
export function orderEventOf(o: Omit<OrderEvent, 'kind' | 'ts'>, ts: number): OrderEvent {
  return new OrderEvent(
    o.orderId,
    o.userId,
    o.symbolId,
    o.side,
    o.orderType,
    o.tif,
    o.price,
    o.qty,
    o.quoteQty,
    o.cid,
    o.status,
    o.filledQty,
    o.filledQuote,
    o.filledNotional,
    o.lock,
    o.rejectReason,
    ts,
  );
}

/**
 * The order of ws-protocol.md's `order.update` example (order 1001 of user 7 on the demo market's BTC_USDT, id 1,
 * FILLED at 85000.00), with any field replaced.
 */
export function specOrderEvent(over: Partial<Record<keyof OrderEvent, unknown>> = {}): OrderEvent {
  const o = {
    orderId: 1001,
    userId: 7,
    symbolId: 1,
    side: 'BUY',
    orderType: 'LIMIT',
    tif: 'GTC',
    price: 8_500_000,
    qty: 100_000,
    quoteQty: 0,
    cid: 'my-1',
    status: 'FILLED',
    filledQty: 100_000,
    filledQuote: 8500,
    filledNotional: 8_500_000 * 100_000,
    lock: 0,
    rejectReason: null,
    ts: 1734533790000,
    ...over,
  } as unknown as OrderEvent;
  return orderEventOf(o, o.ts);
}
