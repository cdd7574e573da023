// Decoders of every wire shape in types.ts: each server -> client WebSocket message (decodeServerMessage) and each
// HTTP answer's `data` (RestDecoders). The field lists are checked against types.ts by the compiler (object<T>()),
// and against the real server by test/client/type-agreement.test.ts.

import {
  type Decoder,
  array,
  bool,
  decimal,
  int,
  literal,
  nullable,
  object,
  oneOf,
  optional,
  pair,
  signedDecimal,
  str,
} from './decode.js';
import { ProtocolError } from './errors.js';
import type * as T from './types.js';

// Enumerations as records: a member added to a union of types.ts without its decoder is a compile error here.
const side = oneOf<T.Side>({ BUY: true, SELL: true });
const orderType = oneOf<T.OrderType>({ LIMIT: true, MARKET: true });
const tif = oneOf<T.TimeInForce>({ GTC: true, IOC: true, FOK: true, POST_ONLY: true });
const status = oneOf<T.OrderStatus>({
  NEW: true,
  PARTIALLY_FILLED: true,
  FILLED: true,
  CANCELED: true,
  REJECTED: true,
  EXPIRED: true,
});
const channel = oneOf<T.Channel>({ trades: true, depth: true, ticker: true, kline: true });
const interval = oneOf<T.KlineInterval>({
  '1s': true,
  '1m': true,
  '5m': true,
  '15m': true,
  '1h': true,
  '4h': true,
  '1d': true,
});
const reason = oneOf<T.BalanceReason>({
  order_frozen: true,
  trade_settled: true,
  order_unfrozen: true,
  deposit: true,
  withdrawal: true,
  fee: true,
});
const role = oneOf<T.Role>({ MAKER: true, TAKER: true });
const level: Decoder<T.DepthLevel> = pair(decimal, decimal);

// ---- WebSocket: connection level ----

const authSuccess = object<T.AuthSuccessMessage>()({
  type: literal('auth.success'),
  user_id: int,
  expires_at: optional(nullable(int)),
});
const connected = object<T.ConnectedMessage>()({ type: literal('connected'), user_id: nullable(int) });
const authError = object<T.AuthErrorMessage>()({ type: literal('auth.error'), code: int, msg: str });
const authExpiring = object<T.AuthExpiringMessage>()({ type: literal('auth.expiring'), expires_at: int });
const pong = object<T.PongMessage>()({ type: literal('pong'), ts: int });
const subscribed = object<T.SubscribedMessage>()({
  type: literal('subscribed'),
  channel,
  symbol: str,
  levels: optional(int),
  interval: optional(interval),
  epoch: optional(int),
});
const unsubscribed = object<T.UnsubscribedMessage>()({
  type: literal('unsubscribed'),
  channel,
  symbol: str,
  interval: optional(interval),
});
const error = object<T.ErrorMessage>()({ type: literal('error'), code: int, msg: str });
const resync = object<T.ResyncMessage>()({ type: literal('resync'), reason: str, latest_seq: int });

// ---- WebSocket: private events ----

const orderUpdateData = object<T.OrderUpdateData>()({
  order_id: int,
  cid: nullable(str),
  symbol: str,
  side,
  order_type: orderType,
  price: nullable(decimal),
  qty: nullable(decimal),
  quote_qty: optional(decimal),
  status,
  reject_reason: optional(str),
  filled_qty: decimal,
  avg_price: nullable(decimal),
  updated_at: int,
});
const tradeData = object<T.TradeData>()({
  trade_id: int,
  order_id: int,
  symbol: str,
  side,
  price: decimal,
  qty: decimal,
  fee: decimal,
  fee_asset: str,
  role,
  traded_at: int,
});
const balanceUpdateData = object<T.BalanceUpdateData>()({
  asset: str,
  avail: decimal,
  frozen: decimal,
  delta: signedDecimal,
  reason,
});
const orderUpdate = object<T.OrderUpdateMessage>()({ type: literal('order.update'), seq: int, data: orderUpdateData });
const trade = object<T.TradeMessage>()({ type: literal('trade'), seq: int, data: tradeData });
const balanceUpdate = object<T.BalanceUpdateMessage>()({
  type: literal('balance.update'),
  seq: int,
  data: balanceUpdateData,
});
const privateEvent: Decoder<T.PrivateEvent> = (v, path, strict) => {
  const t = (v as { type?: unknown } | null)?.type;
  if (t === 'order.update') return orderUpdate(v, path, strict);
  if (t === 'trade') return trade(v, path, strict);
  if (t === 'balance.update') return balanceUpdate(v, path, strict);
  throw new ProtocolError(`${path}: not a private event (type ${JSON.stringify(t)})`);
};

// ---- WebSocket: public market data ----

const marketTradeData = object<T.MarketTradeData>()({
  trade_id: int,
  price: decimal,
  qty: decimal,
  taker_side: side,
  traded_at: int,
});
const depthData = object<T.DepthData>()({ bids: array(level), asks: array(level) });
const tickerData = object<T.TickerData>()({
  last: nullable(decimal),
  best_bid: nullable(decimal),
  best_ask: nullable(decimal),
  volume_24h: decimal,
  ts: int,
});
const marketTrade = object<T.MarketTradeMessage>()({
  type: literal('market.trade'),
  symbol: str,
  epoch: int,
  seq: int,
  data: marketTradeData,
});
const depthSnapshot = object<T.DepthSnapshotMessage>()({
  type: literal('depth.snapshot'),
  symbol: str,
  epoch: int,
  seq: int,
  data: depthData,
});
const depthUpdate = object<T.DepthUpdateMessage>()({
  type: literal('depth.update'),
  symbol: str,
  epoch: int,
  seq: int,
  data: depthData,
});
const ticker = object<T.TickerMessage>()({ type: literal('ticker'), symbol: str, data: tickerData });
const kline = object<T.Kline>()({
  open_time: int,
  close_time: int,
  open: decimal,
  high: decimal,
  low: decimal,
  close: decimal,
  volume: decimal,
  quote_volume: decimal,
  trade_count: int,
  is_closed: bool,
});
const klineMessage = object<T.KlineMessage>()({
  type: literal('kline'),
  symbol: str,
  interval,
  seq: int,
  data: kline,
});

// order.result: the create_order / cancel_order answer on success; on a refusal the ids known, or null.
const orderResultData = object<T.OrderResultData>()({
  order_id: optional(nullable(int)),
  cid: optional(nullable(str)),
  order_status: optional((v, path, strict) =>
    v === 'ACCEPTED' || v === 'CANCEL_PENDING' ? v : status(v, path, strict),
  ),
  accepted_at: optional(int),
});
const idOfRequest: Decoder<string | number | null> = (v, path, strict) =>
  typeof v === 'number' ? int(v, path, strict) : v === null ? null : str(v, path, strict);
const orderResult = object<T.OrderResultMessage>()({
  type: literal('order.result'),
  id: idOfRequest,
  index: optional(int),
  code: int,
  msg: optional(str),
  data: nullable(orderResultData),
});

/** One decoder per server message type: the compiler demands an entry for every member of ServerMessage. */
export const SERVER_MESSAGE_DECODERS: {
  readonly [K in T.ServerMessageType]: Decoder<Extract<T.ServerMessage, { type: K }>>;
} = {
  'auth.success': authSuccess,
  connected,
  'auth.error': authError,
  'auth.expiring': authExpiring,
  pong,
  subscribed,
  unsubscribed,
  error,
  resync,
  'order.update': orderUpdate,
  trade,
  'balance.update': balanceUpdate,
  'market.trade': marketTrade,
  'depth.snapshot': depthSnapshot,
  'depth.update': depthUpdate,
  ticker,
  kline: klineMessage,
  'order.result': orderResult,
};

/**
 * A parsed frame as a ServerMessage. Lenient (default): extra fields pass, and a type the client does not know is
 * answered as is (a newer server); strict: both are errors. A known type with a wrong shape always throws.
 */
export function decodeServerMessage(v: unknown, strict = false): T.ServerMessage {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ProtocolError('a frame that is not an object');
  const t = (v as { type?: unknown }).type;
  if (typeof t !== 'string') throw new ProtocolError('a frame without a string "type"');
  const d = (SERVER_MESSAGE_DECODERS as Readonly<Record<string, Decoder<T.ServerMessage>>>)[t];
  if (d === undefined || !Object.prototype.hasOwnProperty.call(SERVER_MESSAGE_DECODERS, t)) {
    if (strict) throw new ProtocolError(`unknown message type "${t}"`);
    return v as T.ServerMessage;
  }
  return d(v, t, strict);
}

// ---- HTTP answers (`data` of the envelope) ----

const order = object<T.Order>()({
  order_id: int,
  cid: nullable(str),
  symbol: str,
  side,
  order_type: orderType,
  time_in_force: tif,
  price: nullable(decimal),
  qty: nullable(decimal),
  quote_qty: optional(nullable(decimal)),
  filled_qty: decimal,
  avg_price: nullable(decimal),
  status,
  reject_reason: nullable(str),
  created_at: int,
  updated_at: int,
});

/** The decoder of each RestClient answer, by the method's result type. */
export const RestDecoders = {
  createOrder: object<T.CreateOrderResult>()({
    order_id: int,
    cid: nullable(str),
    order_status: literal('ACCEPTED'),
    accepted_at: int,
  }),
  cancelOrder: object<T.CancelOrderResult>()({
    order_id: int,
    cid: optional(nullable(str)),
    order_status: (v, path, strict) => (v === 'CANCEL_PENDING' ? v : status(v, path, strict)),
  }),
  order,
  orders: object<T.OrdersPage>()({ orders: array(order), next_cursor: nullable(int) }),
  trades: object<T.TradesPage>()({ trades: array(tradeData), next_cursor: nullable(int) }),
  balances: object<T.BalancesResult>()({
    balances: array(object<T.Balance>()({ asset: str, avail: decimal, frozen: decimal, total: decimal })),
  }),
  events: object<T.EventsPage>()({
    events: array(privateEvent),
    oldest_seq: optional(nullable(int)),
    resync: optional(bool),
  }),
  symbols: object<T.SymbolsResult>()({
    assets: array(object<T.AssetInfo>()({ asset: str, decimals: int, display_decimals: int })),
    symbols: array(
      object<T.SymbolInfo>()({
        symbol: str,
        base_asset: str,
        quote_asset: str,
        price_decimals: int,
        price_display_decimals: int,
        min_qty: decimal,
        max_qty: nullable(decimal),
        min_notional: decimal,
        maker_fee: decimal,
        taker_fee: decimal,
        stp_mode: optional(str),
      }),
    ),
  }),
  depth: object<T.DepthResult>()({ symbol: str, epoch: int, seq: int, bids: array(level), asks: array(level) }),
  marketTrades: object<T.MarketTradesResult>()({ trades: array(marketTradeData) }),
  klines: array(kline),
  ticker: object<T.TickerResult>()({
    symbol: str,
    last: nullable(decimal),
    best_bid: nullable(decimal),
    best_ask: nullable(decimal),
    volume_24h: decimal,
    ts: int,
  }),
  newUser: object<T.NewUserResult>()({
    user_id: int,
    api_key: str,
    api_secret: str,
    token: str,
    token_expires_at: int,
  }),
  transfer: object<T.TransferResult>()({ user_id: int, asset: str, qty: decimal }),
  token: object<T.TokenResult>()({ user_id: int, token: str, expires_at: int }),
  revokeOwnKey: object<T.RevokeOwnKeyResult>()({ api_key: str, revoked: literal(true) }),
  revokeKey: object<T.RevokeKeyResult>()({ api_key: str, user_id: int, revoked: literal(true) }),
  revokeUser: object<T.RevokeUserResult>()({ user_id: int, revoked: literal(true), api_keys_revoked: int }),
  health: object<T.HealthResult>()({ status: literal('alive') }),
  ready: object<T.ReadyResult>()({
    status: literal('ready'),
    store: str,
    in_flight: int,
    leader: optional(object<NonNullable<T.ReadyResult['leader']>>()({ node: str, epoch: int, since: int })),
  }),
} as const;
