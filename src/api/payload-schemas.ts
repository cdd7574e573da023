// Schemas of the answer shapes the HTTP API and the WebSocket share (format.ts builds them): an order, the user's
// side of a fill, a balance, a public trade, a depth level, and the private events (order.update, trade,
// balance.update) that GET /api/v1/events serves as the exact text a connection receives.
//
// The enum lists are built from Records over the core's union types, so the compiler demands an entry for every
// value the core can produce.

import type { BalanceReason, RejectReason, StpMode } from '../core/types.js';
import type { Role } from '../pipeline/event-codec.js';
import { KLINE_INTERVAL_NAMES } from '../pipeline/candles.js';
import { type JsonSchema, arrayOf, constant, int, millis, nullable, object, oneOfValues, str } from './json-schema.js';
import { CID_PATTERN, ORDER_TYPES, SIDES, STATUSES, TIFS } from './request-schemas.js';

const keys = <T extends string>(r: Record<T, true>): readonly T[] => Object.keys(r) as T[];

export const REJECT_REASONS = keys<RejectReason>({
  UNKNOWN_SYMBOL: true,
  UNKNOWN_ASSET: true,
  INVALID_ORDER: true,
  INVALID_PRICE: true,
  INVALID_QUANTITY: true,
  BELOW_MIN_QTY: true,
  ABOVE_MAX_QTY: true,
  BELOW_MIN_NOTIONAL: true,
  AMOUNT_OUT_OF_RANGE: true,
  POST_ONLY_WOULD_TAKE: true,
  INSUFFICIENT_BALANCE: true,
  DUPLICATE_CID: true,
  DUPLICATE_ORDER_ID: true,
});
export const BALANCE_REASONS = keys<BalanceReason>({
  order_frozen: true,
  trade_settled: true,
  order_unfrozen: true,
  deposit: true,
  withdrawal: true,
  fee: true,
});
export const STP_MODES = keys<StpMode>({ NONE: true, EXPIRE_TAKER: true, EXPIRE_MAKER: true, EXPIRE_BOTH: true });
export const ROLES = keys<Role>({ MAKER: true, TAKER: true });

/** A non-negative decimal as answers write it (display decimals). */
export const decimal = (description: string): JsonSchema =>
  str({ pattern: '^[0-9]+(\\.[0-9]+)?$', description, examples: ['85000.00'] });
/** A signed decimal ("+0.001000", "-0.000000"). */
export const signedDecimal = (description: string): JsonSchema =>
  str({ pattern: '^[+-][0-9]+(\\.[0-9]+)?$', description, examples: ['+0.001000'] });
export const id = (description: string): JsonSchema =>
  int({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });
export const seq = (description: string): JsonSchema =>
  int({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
const cid = nullable(str({ pattern: CID_PATTERN.source, description: 'client order id' }));
const symbolName = str({ description: 'symbol name', examples: ['BTC_USDT'] });
const assetName = str({ description: 'asset name', examples: ['BTC'] });

/** GET /api/v1/order/{order_id} and the items of GET /api/v1/orders. */
export const ORDER = object(
  {
    order_id: id('order id'),
    cid,
    symbol: symbolName,
    side: oneOfValues(SIDES),
    order_type: oneOfValues(ORDER_TYPES),
    time_in_force: oneOfValues(TIFS),
    price: nullable(decimal('null for MARKET')),
    qty: nullable(decimal('base qty; null for a MARKET BUY by quote_qty')),
    quote_qty: nullable(decimal('quote amount of a MARKET BUY by quote; null otherwise')),
    filled_qty: decimal('filled base qty'),
    avg_price: nullable(decimal('floor(filled notional / filled qty); null before the first fill')),
    status: oneOfValues(STATUSES),
    reject_reason: nullable(oneOfValues(REJECT_REASONS)),
    created_at: millis(),
    updated_at: millis(),
  },
  [
    'order_id',
    'cid',
    'symbol',
    'side',
    'order_type',
    'time_in_force',
    'price',
    'qty',
    'quote_qty',
    'filled_qty',
    'avg_price',
    'status',
    'reject_reason',
    'created_at',
    'updated_at',
  ],
);

/** The user's side of a fill: items of GET /api/v1/trades and the data of a `trade` push. */
export const USER_TRADE = object(
  {
    trade_id: id('trade id (both sides of a fill share it)'),
    order_id: id("the user's order"),
    symbol: symbolName,
    side: oneOfValues(SIDES),
    price: decimal('price'),
    qty: decimal('base qty'),
    fee: decimal('fee, in the asset received'),
    fee_asset: assetName,
    role: oneOfValues(ROLES),
    traded_at: millis(),
  },
  ['trade_id', 'order_id', 'symbol', 'side', 'price', 'qty', 'fee', 'fee_asset', 'role', 'traded_at'],
);

export const BALANCE = object(
  { asset: assetName, avail: decimal('available'), frozen: decimal('held by open orders'), total: decimal('sum') },
  ['asset', 'avail', 'frozen', 'total'],
);

/** Items of GET /api/v1/market/trades and the data of a `market.trade` push. */
export const MARKET_TRADE = object(
  {
    trade_id: id('trade id'),
    price: decimal('price'),
    qty: decimal('base qty'),
    taker_side: oneOfValues(SIDES),
    traded_at: millis(),
  },
  ['trade_id', 'price', 'qty', 'taker_side', 'traded_at'],
);

/** `[price, qty]`; a qty of 0 in a depth.update removes the level. */
export const DEPTH_LEVEL: JsonSchema = {
  type: 'array',
  prefixItems: [decimal('price'), decimal('qty')],
  minItems: 2,
  maxItems: 2,
  items: false,
};
export const DEPTH_SIDES = object({ bids: arrayOf(DEPTH_LEVEL), asks: arrayOf(DEPTH_LEVEL) }, ['bids', 'asks']);

export const KLINE_INTERVAL = oneOfValues(KLINE_INTERVAL_NAMES, { description: 'candle interval' });

/** One candle: items of GET /api/v1/klines (oldest first) and the data of a `kline` push. */
export const KLINE = object(
  {
    open_time: millis('start of the interval (aligned to the interval since the Unix epoch)'),
    close_time: millis('open_time + the interval - 1 ms'),
    open: decimal('price of the first trade'),
    high: decimal('highest trade price'),
    low: decimal('lowest trade price'),
    close: decimal('price of the last trade'),
    volume: decimal('base volume'),
    quote_volume: decimal('quote volume'),
    trade_count: int({ minimum: 1, description: 'trades in the candle' }),
    is_closed: { type: 'boolean', description: 'the interval has ended: the candle is final' },
  },
  ['open_time', 'close_time', 'open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trade_count', 'is_closed'],
);

export const TICKER_DATA = {
  last: nullable(decimal('last trade price; null before the first trade')),
  best_bid: nullable(decimal('best bid; null when none')),
  best_ask: nullable(decimal('best ask; null when none')),
  volume_24h: decimal('base volume of the last 24 h'),
  ts: millis('server time of this figure, ms'),
};

/** The data of an `order.update` push (quote_qty only for a MARKET BUY by quote, reject_reason only REJECTED). */
export const ORDER_UPDATE_DATA = object(
  {
    order_id: id('order id'),
    cid,
    symbol: symbolName,
    side: oneOfValues(SIDES),
    order_type: oneOfValues(ORDER_TYPES),
    price: nullable(decimal('null for MARKET')),
    qty: nullable(decimal('null for a MARKET BUY by quote')),
    quote_qty: decimal('only for a MARKET BUY by quote amount'),
    status: oneOfValues(STATUSES),
    reject_reason: oneOfValues(REJECT_REASONS, { description: 'only when status is REJECTED' }),
    filled_qty: decimal('filled base qty'),
    avg_price: nullable(decimal('null before the first fill')),
    updated_at: millis(),
  },
  [
    'order_id',
    'cid',
    'symbol',
    'side',
    'order_type',
    'price',
    'qty',
    'status',
    'filled_qty',
    'avg_price',
    'updated_at',
  ],
);

export const BALANCE_UPDATE_DATA = object(
  {
    asset: assetName,
    avail: decimal('available after the change'),
    frozen: decimal('frozen after the change'),
    delta: signedDecimal('signed change of avail'),
    reason: oneOfValues(BALANCE_REASONS),
  },
  ['asset', 'avail', 'frozen', 'delta', 'reason'],
);

const privateEvent = (type: string, data: JsonSchema) =>
  object({ type: constant(type), seq: id('per-user event seq, gap-free from 1'), data }, ['type', 'seq', 'data']);

/** The private events, keyed by message type (ws-protocol.md section 3). */
export const PRIVATE_EVENTS = {
  'order.update': privateEvent('order.update', ORDER_UPDATE_DATA),
  trade: privateEvent('trade', USER_TRADE),
  'balance.update': privateEvent('balance.update', BALANCE_UPDATE_DATA),
} as const;
