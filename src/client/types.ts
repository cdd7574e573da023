// Wire types of the client: WebSocket messages (ws-protocol.md) as unions on `type`, and HTTP shapes (api.md).
//
// Every price and amount is a decimal string (`Decimal`), never a number; ids, seqs and times are numbers.

/** A decimal string formatted with display decimals, e.g. "85000.00". */
export type Decimal = string;

export type Side = 'BUY' | 'SELL';
export type OrderType = 'LIMIT' | 'MARKET';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'POST_ONLY';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
export type Role = 'MAKER' | 'TAKER';
export type BalanceReason = 'order_frozen' | 'trade_settled' | 'order_unfrozen' | 'deposit' | 'withdrawal' | 'fee';
export type Channel = 'trades' | 'depth' | 'ticker' | 'kline';
/** Candle intervals of GET /api/v1/klines and the `kline` channel. */
export type KlineInterval = '1s' | '1m' | '5m' | '15m' | '1h' | '4h' | '1d';
/** `[price, qty]`; a qty of zero in a `depth.update` removes the level. */
export type DepthLevel = [price: Decimal, qty: Decimal];

// ---------------------------------------------------------------------------------------------------------------
// WebSocket: client -> server

export interface AuthMessage {
  type: 'auth';
  token: string;
  resume_from?: number;
}
export interface PingMessage {
  type: 'ping';
}
export interface SubscribeMessage {
  type: 'subscribe';
  channel: Channel;
  symbol: string;
  /** Depth: 1..500; the server serves the next of its fixed sizes (5, 10, 20, 50, 100, 500). */
  levels?: number;
  /** Kline: required. */
  interval?: KlineInterval;
}
export interface UnsubscribeMessage {
  type: 'unsubscribe';
  channel: Channel;
  symbol: string;
}
/** Order entry over the socket (ws-protocol.md section 9). */
export type OrderRequestMessage =
  | { type: 'order.place'; id: string | number; params: CreateOrderRequest }
  | { type: 'order.cancel'; id: string | number; params: CancelOrderRequest }
  | { type: 'order.batch_place'; id: string | number; params: { orders: CreateOrderRequest[] } };

export type ClientMessage = AuthMessage | PingMessage | SubscribeMessage | UnsubscribeMessage | OrderRequestMessage;

// ---------------------------------------------------------------------------------------------------------------
// WebSocket: server -> client, connection level

export interface AuthSuccessMessage {
  type: 'auth.success';
  user_id: number;
  /** Token expiry (ms); not in the spec's example, sent by the server when known. */
  expires_at?: number | null;
}
export interface ConnectedMessage {
  type: 'connected';
  /** null for an anonymous connection. */
  user_id: number | null;
}
export interface AuthErrorMessage {
  type: 'auth.error';
  code: number;
  msg: string;
}
export interface AuthExpiringMessage {
  type: 'auth.expiring';
  expires_at: number;
}
export interface PongMessage {
  type: 'pong';
  ts: number;
}
export interface SubscribedMessage {
  type: 'subscribed';
  channel: Channel;
  symbol: string;
  /** Depth: the size served (the one asked for, rounded up to a fixed size); the book holds that many levels. */
  levels?: number;
  /** Kline: the interval of the candles. */
  interval?: KlineInterval;
  /** Public channels: the market-data epoch now. */
  epoch?: number;
}
/** Acknowledges an `unsubscribe` (sent by the server although the spec does not list it). */
export interface UnsubscribedMessage {
  type: 'unsubscribed';
  channel: Channel;
  symbol: string;
  interval?: KlineInterval;
}
export interface ErrorMessage {
  type: 'error';
  code: number;
  msg: string;
}
export interface ResyncMessage {
  type: 'resync';
  /** `history_expired` in the spec; the server may also say why otherwise (e.g. `unknown_seq`, `gap`). */
  reason: string;
  latest_seq: number;
}

// ---------------------------------------------------------------------------------------------------------------
// WebSocket: private events (section 3), each with a per-user gap-free `seq`

export interface OrderUpdateData {
  order_id: number;
  cid: string | null;
  symbol: string;
  side: Side;
  order_type: OrderType;
  /** null for a MARKET order. */
  price: Decimal | null;
  /** null for a MARKET BUY by quote amount (then `quote_qty` is set). */
  qty: Decimal | null;
  quote_qty?: Decimal;
  status: OrderStatus;
  /** Only with status REJECTED, e.g. `INSUFFICIENT_BALANCE`. */
  reject_reason?: string;
  filled_qty: Decimal;
  /** null until the first fill. */
  avg_price: Decimal | null;
  updated_at: number;
}
export interface TradeData {
  trade_id: number;
  order_id: number;
  symbol: string;
  side: Side;
  price: Decimal;
  qty: Decimal;
  fee: Decimal;
  fee_asset: string;
  role: Role;
  traded_at: number;
}
export interface BalanceUpdateData {
  asset: string;
  avail: Decimal;
  frozen: Decimal;
  /** Signed change of `avail`: "+0.001000" / "-0.001000". */
  delta: string;
  reason: BalanceReason;
}
export interface OrderUpdateMessage {
  type: 'order.update';
  seq: number;
  data: OrderUpdateData;
}
export interface TradeMessage {
  type: 'trade';
  seq: number;
  data: TradeData;
}
export interface BalanceUpdateMessage {
  type: 'balance.update';
  seq: number;
  data: BalanceUpdateData;
}
export type PrivateEvent = OrderUpdateMessage | TradeMessage | BalanceUpdateMessage;
export type PrivateEventType = PrivateEvent['type'];

// ---------------------------------------------------------------------------------------------------------------
// WebSocket: public market data (section 5), `seq` per symbol

export interface MarketTradeData {
  trade_id: number;
  price: Decimal;
  qty: Decimal;
  taker_side: Side;
  traded_at: number;
}
export interface MarketTradeMessage {
  type: 'market.trade';
  symbol: string;
  /** The market-data epoch: seqs go on within one; a new one comes with a new depth.snapshot. */
  epoch: number;
  seq: number;
  data: MarketTradeData;
}
export interface DepthData {
  bids: DepthLevel[];
  asks: DepthLevel[];
}
export interface DepthSnapshotMessage {
  type: 'depth.snapshot';
  symbol: string;
  /** The market-data epoch: seqs go on within one; a new one comes with a new depth.snapshot. */
  epoch: number;
  seq: number;
  data: DepthData;
}
export interface DepthUpdateMessage {
  type: 'depth.update';
  symbol: string;
  /** The market-data epoch: seqs go on within one; a new one comes with a new depth.snapshot. */
  epoch: number;
  seq: number;
  data: DepthData;
}
export interface TickerData {
  last: Decimal | null;
  best_bid: Decimal | null;
  best_ask: Decimal | null;
  volume_24h: Decimal;
  ts: number;
}
export interface TickerMessage {
  type: 'ticker';
  symbol: string;
  data: TickerData;
}
/** One candle, as GET /api/v1/klines and the `kline` channel carry it. */
export interface Kline {
  open_time: number;
  /** open_time + the interval - 1 ms. */
  close_time: number;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  /** In the base asset. */
  volume: Decimal;
  /** In the quote asset. */
  quote_volume: Decimal;
  trade_count: number;
  is_closed: boolean;
}
export interface KlineMessage {
  type: 'kline';
  symbol: string;
  interval: KlineInterval;
  /** Gap-free per symbol and interval. */
  seq: number;
  data: Kline;
}
export type MarketMessage =
  MarketTradeMessage | DepthSnapshotMessage | DepthUpdateMessage | TickerMessage | KlineMessage;

/** Every message the server sends; discriminated on `type`. */
/** The answer to order.place / order.cancel / order.batch_place (one per order of a batch, with its `index`). */
export interface OrderResultMessage {
  type: 'order.result';
  id: string | number | null;
  index?: number;
  code: number;
  msg?: string;
  /** On success the create_order / cancel_order answer; on a refusal the ids known (`order_id`, `cid`) or null. */
  data: OrderResultData | null;
}
export interface OrderResultData {
  /** null when the request was refused before an order existed (validation, rate limit). */
  order_id?: number | null;
  cid?: string | null;
  order_status?: CreateOrderResult['order_status'] | CancelOrderResult['order_status'];
  accepted_at?: number;
}

export type ServerMessage =
  | OrderResultMessage
  | AuthSuccessMessage
  | ConnectedMessage
  | AuthErrorMessage
  | AuthExpiringMessage
  | PongMessage
  | SubscribedMessage
  | UnsubscribedMessage
  | ErrorMessage
  | ResyncMessage
  | PrivateEvent
  | MarketMessage;
export type ServerMessageType = ServerMessage['type'];
/** Any message, either direction. */
export type Message = ServerMessage | ClientMessage;

export const PRIVATE_EVENT_TYPES: readonly PrivateEventType[] = ['order.update', 'trade', 'balance.update'];

export function isPrivateEvent(m: { type: string }): m is PrivateEvent {
  return (PRIVATE_EVENT_TYPES as readonly string[]).includes(m.type);
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP (api.md): every answer is this envelope; `code` 0 is success, otherwise `data` is null.

export interface ApiEnvelope<T> {
  code: number;
  msg: string;
  data: T | null;
}

export interface CreateOrderRequest {
  symbol: string;
  side: Side;
  order_type: OrderType;
  /** LIMIT only. */
  price?: Decimal;
  qty?: Decimal;
  /** MARKET BUY only: spend at most this much quote. */
  quote_qty?: Decimal;
  time_in_force?: TimeInForce;
  cid?: string;
}
export interface CreateOrderResult {
  order_id: number;
  cid: string | null;
  order_status: 'ACCEPTED';
  accepted_at: number;
}
export type CancelOrderRequest = { order_id: number } | { cid: string };
export interface CancelOrderResult {
  order_id: number;
  cid?: string | null;
  /** `CANCEL_PENDING`, or the final status of an order that had already ended. */
  order_status: 'CANCEL_PENDING' | OrderStatus;
}
export interface Order {
  order_id: number;
  cid: string | null;
  symbol: string;
  side: Side;
  order_type: OrderType;
  time_in_force: TimeInForce;
  price: Decimal | null;
  qty: Decimal | null;
  quote_qty?: Decimal | null;
  filled_qty: Decimal;
  avg_price: Decimal | null;
  status: OrderStatus;
  reject_reason: string | null;
  created_at: number;
  updated_at: number;
}
export interface OrdersQuery {
  symbol?: string;
  status?: OrderStatus;
  start_time?: number;
  end_time?: number;
  limit?: number;
  cursor?: number;
}
export interface OrdersPage {
  orders: Order[];
  next_cursor: number | null;
}
export interface TradesQuery {
  symbol?: string;
  order_id?: number;
  start_time?: number;
  limit?: number;
  cursor?: number;
}
/** A user's fill: the same fields as the `trade` push's data. */
export type UserTrade = TradeData;
export interface TradesPage {
  trades: UserTrade[];
  next_cursor: number | null;
}
export interface Balance {
  asset: string;
  avail: Decimal;
  frozen: Decimal;
  total: Decimal;
}
export interface BalancesResult {
  balances: Balance[];
}
export interface EventsPage {
  /** Private events with `seq > after`, exactly as pushed on the WebSocket. */
  events: PrivateEvent[];
  oldest_seq?: number | null;
  /** True when `after + 1` is older than the retained history: reload state and continue. */
  resync?: boolean;
}
export interface AssetInfo {
  asset: string;
  decimals: number;
  display_decimals: number;
}
export interface SymbolInfo {
  symbol: string;
  base_asset: string;
  quote_asset: string;
  price_decimals: number;
  price_display_decimals: number;
  min_qty: Decimal;
  max_qty: Decimal | null;
  min_notional: Decimal;
  maker_fee: Decimal;
  taker_fee: Decimal;
  stp_mode?: string;
}
export interface SymbolsResult {
  assets: AssetInfo[];
  symbols: SymbolInfo[];
}
export interface DepthResult {
  symbol: string;
  /** The market-data epoch the seq belongs to (the depth channel's). */
  epoch: number;
  seq: number;
  bids: DepthLevel[];
  asks: DepthLevel[];
}
export interface MarketTradesResult {
  trades: MarketTradeData[];
}
export interface KlinesQuery {
  start_time?: number;
  end_time?: number;
  limit?: number;
}
/** Oldest first. */
export type KlinesResult = Kline[];
export interface TickerResult extends TickerData {
  symbol: string;
}
export interface NewUserResult {
  user_id: number;
  api_key: string;
  api_secret: string;
  token: string;
  token_expires_at: number;
}
export interface TransferResult {
  user_id: number;
  asset: string;
  qty: Decimal;
}
/** `POST /api/v1/auth/token` (signed with an API key). */
export interface TokenResult {
  user_id: number;
  token: string;
  expires_at: number;
}
/** `POST /api/v1/auth/revoke_key`. */
export interface RevokeOwnKeyResult {
  api_key: string;
  revoked: true;
}
/** `POST /api/v1/admin/revoke_key`. */
export interface RevokeKeyResult {
  api_key: string;
  user_id: number;
  revoked: true;
}
/** `POST /api/v1/admin/revoke_user`. */
export interface RevokeUserResult {
  user_id: number;
  revoked: true;
  api_keys_revoked: number;
}
/** `GET /healthz`. */
export interface HealthResult {
  status: 'alive';
}
/** `GET /readyz`. */
export interface ReadyResult {
  status: 'ready';
  store: string;
  in_flight: number;
  /** Cluster gateways: the engine that leads (node id, leadership epoch, since when, ms). */
  leader?: { node: string; epoch: number; since: number };
}
