// The core's vocabulary: configuration of assets and symbols, the commands it
// accepts, the result codes it returns and the events it emits. Plain data only.

import type { CoreEvents } from './event-buffer.js';
import type { Int } from './int64.js';

export type Side = 'BUY' | 'SELL';
export type OrderType = 'LIMIT' | 'MARKET';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'POST_ONLY';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
export type StpMode = 'NONE' | 'EXPIRE_TAKER' | 'EXPIRE_MAKER' | 'EXPIRE_BOTH';
export type BalanceReason = 'order_frozen' | 'trade_settled' | 'order_unfrozen' | 'deposit' | 'withdrawal' | 'fee';

/** Fee rates are integers over FEE_RATE_SCALE (1e8): "0.001" = 100000. */
export const FEE_RATE_DECIMALS = 8;
export const FEE_RATE_SCALE = 100_000_000;

export interface AssetConfig {
  readonly id: number;
  readonly name: string;
  readonly decimals: number;
  readonly displayDecimals: number;
}

export interface SymbolConfig {
  readonly id: number;
  readonly name: string;
  readonly baseAssetId: number;
  readonly quoteAssetId: number;
  readonly priceDecimals: number;
  readonly priceDisplayDecimals: number;
  /** Base units; 0 = no limit. */
  readonly minQty: Int;
  readonly maxQty: Int;
  /** Quote units; 0 = no limit. */
  readonly minNotional: Int;
  /** Over FEE_RATE_SCALE. */
  readonly makerFeeRate: Int;
  readonly takerFeeRate: Int;
  readonly stpMode: StpMode;
}

export interface CoreConfig {
  readonly assets: readonly AssetConfig[];
  readonly symbols: readonly SymbolConfig[];
  /** Account credited with every fee. */
  readonly feeAccountId: number;
}

// ---- Commands: ids and the clock arrive with the command ----

export interface PlaceOrderCommand {
  readonly type: 'place';
  readonly ts: number;
  readonly orderId: number;
  readonly userId: number;
  readonly symbolId: number;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly tif: TimeInForce;
  /** Internal price units; ignored for MARKET. */
  readonly price: Int;
  /** Base units; 0 for a MARKET BUY by quoteQty. */
  readonly qty: Int;
  /** Quote units for a MARKET BUY by quote amount; otherwise 0. */
  readonly quoteQty: Int;
  readonly cid: string | null;
}

export interface CancelOrderCommand {
  readonly type: 'cancel';
  readonly ts: number;
  readonly userId: number;
  /** One of orderId / cid. */
  readonly orderId: number | null;
  readonly cid: string | null;
}

export interface BalanceCommand {
  readonly type: 'deposit' | 'withdraw';
  readonly ts: number;
  readonly userId: number;
  readonly assetId: number;
  readonly amount: Int;
}

export type Command = PlaceOrderCommand | CancelOrderCommand | BalanceCommand;

// ---- Results ----

/** Business outcomes are values, never exceptions. */
export type ResultCode =
  | 'OK'
  | 'UNKNOWN_SYMBOL'
  | 'UNKNOWN_ASSET'
  | 'INVALID_PRICE'
  | 'INVALID_QUANTITY'
  | 'BELOW_MIN_QTY'
  | 'ABOVE_MAX_QTY'
  | 'BELOW_MIN_NOTIONAL'
  | 'AMOUNT_OUT_OF_RANGE'
  | 'INSUFFICIENT_BALANCE'
  | 'POST_ONLY_WOULD_TAKE'
  | 'DUPLICATE_ORDER_ID'
  | 'DUPLICATE_CID'
  | 'INVALID_ORDER'
  | 'NOT_ORDER_OWNER';

export type RejectReason = Exclude<ResultCode, 'OK' | 'NOT_ORDER_OWNER'>;

export interface CommandResult {
  readonly code: ResultCode;
  /** The command's events, in order: the engine's reused buffer, valid until its next `process` call. */
  readonly events: CoreEvents;
}

// ---- Events (internal units; formatting happens at the edges) ----
// The engine writes them into an EventBuffer (event-buffer.ts); these classes are
// their materialised form, what `events.at(i)` / `toArray()` return.

export class OrderEvent {
  readonly kind = 'order' as const;
  constructor(
    readonly orderId: number,
    readonly userId: number,
    readonly symbolId: number,
    readonly side: Side,
    readonly orderType: OrderType,
    readonly tif: TimeInForce,
    readonly price: Int,
    readonly qty: Int,
    readonly quoteQty: Int,
    readonly cid: string | null,
    readonly status: OrderStatus,
    readonly filledQty: Int,
    /** Quote units actually exchanged by the fills (Σ cost(t, q)). */
    readonly filledQuote: Int,
    /** Σ t·q in price×base units: avg price = floor(filledNotional / filledQty). */
    readonly filledNotional: Int,
    /** What the order still holds frozen after this change (0 once ended). */
    readonly lock: Int,
    readonly rejectReason: RejectReason | null,
    /** Time of this change; the NEW (or REJECTED) event's ts is the order's creation time. */
    readonly ts: number,
  ) {}
}

export class TradeEvent {
  readonly kind = 'trade' as const;
  constructor(
    readonly tradeId: number,
    readonly symbolId: number,
    readonly price: Int,
    readonly qty: Int,
    /** cost(price, qty) in quote units. */
    readonly quoteQty: Int,
    readonly takerSide: Side,
    readonly makerOrderId: number,
    readonly makerUserId: number,
    readonly takerOrderId: number,
    readonly takerUserId: number,
    /** Fee charged to the maker, in the asset it received. */
    readonly makerFee: Int,
    readonly takerFee: Int,
    readonly ts: number,
  ) {}
}

export class BalanceEvent {
  readonly kind = 'balance' as const;
  constructor(
    readonly userId: number,
    readonly assetId: number,
    readonly avail: Int,
    readonly frozen: Int,
    /** Signed change of avail. */
    readonly delta: Int,
    readonly reason: BalanceReason,
  ) {}
}

/** A price level's new total after a command (0 = level gone). */
export class DepthEvent {
  readonly kind = 'depth' as const;
  constructor(
    readonly symbolId: number,
    readonly side: Side,
    readonly price: Int,
    readonly qty: Int,
  ) {}
}

export type CoreEvent = OrderEvent | TradeEvent | BalanceEvent | DepthEvent;
