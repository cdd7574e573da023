// Every WebSocket message of /ws (ws-protocol.md): its direction, schema and an example. The AsyncAPI document
// (asyncapi.ts) is built from this table and the push tests validate every frame they receive against it.
// Adding a message: one entry in WS_MESSAGES (the docs test also wants it in docs/ws-protocol.md).

import { BATCH_MAX, DEPTH_LEVELS_MAX, DEPTH_SIZES, REQUEST_ID_MAX } from './ws-limits.js';
import { type JsonSchema, constant, int, millis, nullable, object, oneOfValues, str } from './json-schema.js';
import {
  DEPTH_SIDES,
  KLINE,
  KLINE_INTERVAL,
  MARKET_TRADE,
  PRIVATE_EVENTS,
  TICKER_DATA,
  id,
  seq,
} from './payload-schemas.js';
import { CANCEL_ORDER_BODY, CREATE_ORDER_BODY } from './request-schemas.js';

export type Direction = 'client' | 'server';

/** The engine's market-data epoch (ws-protocol.md section 5): a new one means seqs start over, take the snapshot. */
const epoch = id("the market-data epoch: a new one after the engine's crash or takeover");

export interface WsMessageSpec {
  readonly type: string;
  /** Who sends it: the client (to the server) or the server (to the client). */
  readonly from: Direction;
  readonly summary: string;
  readonly schema: JsonSchema;
  readonly example: Record<string, unknown>;
}

export const WS_CHANNELS = ['trades', 'depth', 'ticker', 'kline'] as const;
/** Codes of `error` frames (the connection stays unless a close follows, see the close codes). */
export const WS_ERROR_CODES = [1001, 2002, 4291, 4292, 5001];
/** Codes of `auth.error` frames (followed by close 4001, or 1008 for a ban). */
export const WS_AUTH_ERROR_CODES = [2001, 2002, 4291];

const msg = (type: string, props: Record<string, JsonSchema>, required: readonly string[] = []) =>
  object<Record<string, JsonSchema>>({ type: constant(type), ...props }, ['type', ...required]);

const symbol = str({ examples: ['BTC_USDT'] });
const channel = oneOfValues(WS_CHANNELS);
const levels = int({
  minimum: 1,
  maximum: DEPTH_LEVELS_MAX,
  description: `depth only; rounded up to ${DEPTH_SIZES.join(', ')}`,
});
const interval = { ...KLINE_INTERVAL, description: 'kline only (required there): the candle interval' };
const token = str({ description: 'the bearer token of the HTTP API' });
const requestId: JsonSchema = {
  anyOf: [
    str({ pattern: `^[\\x21-\\x7e]{1,${REQUEST_ID_MAX}}$` }),
    int({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  ],
  description: "the client's request id, echoed in its order.result; unique among the connection's requests in flight",
};
const orderResultData: JsonSchema = {
  anyOf: [
    object(
      {
        order_id: nullable(id('the order; null when the refusal came before one was made')),
        cid: nullable(str()),
        order_status: str({ description: 'ACCEPTED (place); CANCEL_PENDING or the final status (cancel)' }),
        accepted_at: millis('when the order was committed'),
      },
      [],
    ),
    { type: 'null' },
  ],
  description: 'on success the create_order / cancel_order answer; on a refusal the ids known, or null',
};
const resumeFrom: JsonSchema = {
  anyOf: [int({ minimum: 0 }), str({ pattern: '^[0-9]+$' })],
  description: 'the last seq the client saw: replay N+1 ... then continue live',
};
const sample = {
  order: {
    order_id: 1001,
    cid: 'my-1',
    symbol: 'BTC_USDT',
    side: 'BUY',
    order_type: 'LIMIT',
    price: '85000.00',
    qty: '0.001000',
    status: 'FILLED',
    filled_qty: '0.001000',
    avg_price: '85000.00',
    updated_at: 1734533790000,
  },
  trade: {
    trade_id: 5001,
    order_id: 1001,
    symbol: 'BTC_USDT',
    side: 'BUY',
    price: '85000.00',
    qty: '0.001000',
    fee: '0.000001',
    fee_asset: 'BTC',
    role: 'TAKER',
    traded_at: 1734533790000,
  },
};

export const WS_MESSAGES: readonly WsMessageSpec[] = [
  {
    type: 'auth',
    from: 'client',
    summary: 'Authenticate an anonymous connection (or extend its expiry); optionally resume from a seq',
    schema: msg('auth', { token, resume_from: resumeFrom }, ['token']),
    example: { type: 'auth', token: '<token>', resume_from: 40 },
  },
  {
    type: 'ping',
    from: 'client',
    summary: 'Application heartbeat; answered by pong',
    schema: msg('ping', {}),
    example: { type: 'ping' },
  },
  {
    type: 'subscribe',
    from: 'client',
    summary: 'Subscribe to a public channel of a symbol',
    schema: msg('subscribe', { channel, symbol, levels, interval }, ['channel', 'symbol']),
    example: { type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels: 20 },
  },
  {
    type: 'unsubscribe',
    from: 'client',
    summary: 'Leave a public channel of a symbol',
    schema: msg('unsubscribe', { channel, symbol, levels, interval }, ['channel', 'symbol']),
    example: { type: 'unsubscribe', channel: 'trades', symbol: 'BTC_USDT' },
  },
  {
    type: 'connected',
    from: 'server',
    summary: 'Right after the upgrade: the user of a ?token= connection, or null (anonymous)',
    schema: msg('connected', { user_id: nullable(id('the user')) }, ['user_id']),
    example: { type: 'connected', user_id: 1001 },
  },
  {
    type: 'auth.success',
    from: 'server',
    summary: 'The auth message was accepted',
    schema: msg('auth.success', { user_id: id('the user'), expires_at: millis('token expiry') }, [
      'user_id',
      'expires_at',
    ]),
    example: { type: 'auth.success', user_id: 1001, expires_at: 1702947600000 },
  },
  {
    type: 'auth.error',
    from: 'server',
    summary: 'Authentication refused, token expired or credentials revoked; the connection closes',
    schema: msg('auth.error', { code: { type: 'integer', enum: WS_AUTH_ERROR_CODES }, msg: str({ minLength: 1 }) }, [
      'code',
      'msg',
    ]),
    example: { type: 'auth.error', code: 2002, msg: 'token expired' },
  },
  {
    type: 'auth.expiring',
    from: 'server',
    summary: 'The token expires soon: send a new auth on this connection',
    schema: msg('auth.expiring', { expires_at: millis('token expiry') }, ['expires_at']),
    example: { type: 'auth.expiring', expires_at: 1702947600000 },
  },
  {
    type: 'pong',
    from: 'server',
    summary: 'Answer to ping',
    schema: msg('pong', { ts: millis('server time') }, ['ts']),
    example: { type: 'pong', ts: 1702944000000 },
  },
  {
    type: 'error',
    from: 'server',
    summary: 'A refused message or a limit; the connection stays unless a close follows',
    schema: msg('error', { code: { type: 'integer', enum: WS_ERROR_CODES }, msg: str({ minLength: 1 }) }, [
      'code',
      'msg',
    ]),
    example: { type: 'error', code: 1001, msg: 'unknown channel "candles": use one of trades, depth, ticker' },
  },
  {
    type: 'resync',
    from: 'server',
    summary: 'The asked history cannot be replayed: reload state over HTTP and continue from latest_seq',
    schema: msg(
      'resync',
      {
        reason: oneOfValues(['unknown_seq', 'history_expired', 'gap']),
        latest_seq: seq("the user's latest seq (gap: the last seq sent)"),
      },
      ['reason', 'latest_seq'],
    ),
    example: { type: 'resync', reason: 'history_expired', latest_seq: 120 },
  },
  {
    type: 'subscribed',
    from: 'server',
    summary: 'Subscription confirmed (depth: with the size served)',
    schema: msg(
      'subscribed',
      {
        channel,
        symbol,
        levels: { type: 'integer', enum: DEPTH_SIZES, description: 'depth only: the size served' },
        interval,
        epoch: { ...epoch, description: 'public channels: the market-data epoch now' },
      },
      ['channel', 'symbol'],
    ),
    example: { type: 'subscribed', channel: 'depth', symbol: 'BTC_USDT', levels: 20, epoch: 3 },
  },
  {
    type: 'unsubscribed',
    from: 'server',
    summary: 'Unsubscription confirmed',
    schema: msg('unsubscribed', { channel, symbol, interval }, ['channel', 'symbol']),
    example: { type: 'unsubscribed', channel: 'trades', symbol: 'BTC_USDT' },
  },
  {
    type: 'order.update',
    from: 'server',
    summary: 'Private: an order of the user changed',
    schema: PRIVATE_EVENTS['order.update'],
    example: { type: 'order.update', seq: 41, data: sample.order },
  },
  {
    type: 'trade',
    from: 'server',
    summary: 'Private: one side of a fill of the user',
    schema: PRIVATE_EVENTS.trade,
    example: { type: 'trade', seq: 42, data: sample.trade },
  },
  {
    type: 'balance.update',
    from: 'server',
    summary: 'Private: a balance of the user changed',
    schema: PRIVATE_EVENTS['balance.update'],
    example: {
      type: 'balance.update',
      seq: 43,
      data: { asset: 'BTC', avail: '1.501000', frozen: '0.000000', delta: '+0.001000', reason: 'trade_settled' },
    },
  },
  {
    type: 'market.trade',
    from: 'server',
    summary: 'Public trade (per-symbol seq)',
    schema: msg('market.trade', { symbol, epoch, seq: id("per-symbol trade seq (the engine's)"), data: MARKET_TRADE }, [
      'symbol',
      'epoch',
      'seq',
      'data',
    ]),
    example: {
      type: 'market.trade',
      symbol: 'BTC_USDT',
      epoch: 3,
      seq: 9001,
      data: { trade_id: 5001, price: '85000.00', qty: '0.001000', taker_side: 'BUY', traded_at: 1734533790000 },
    },
  },
  {
    type: 'depth.snapshot',
    from: 'server',
    summary: 'The top-N book at subscribe (and again after a new epoch or a gap), with the book seq',
    schema: msg('depth.snapshot', { symbol, epoch, seq: seq('book seq'), data: DEPTH_SIDES }, [
      'symbol',
      'epoch',
      'seq',
      'data',
    ]),
    example: {
      type: 'depth.snapshot',
      symbol: 'BTC_USDT',
      epoch: 3,
      seq: 9001,
      data: { bids: [['84999.00', '1.200000']], asks: [['85001.00', '0.500000']] },
    },
  },
  {
    type: 'depth.update',
    from: 'server',
    summary: 'Changes of the top-N book from seq-1 to seq (qty 0 removes a level)',
    schema: msg('depth.update', { symbol, epoch, seq: seq('book seq'), data: DEPTH_SIDES }, [
      'symbol',
      'epoch',
      'seq',
      'data',
    ]),
    example: {
      type: 'depth.update',
      symbol: 'BTC_USDT',
      epoch: 3,
      seq: 9002,
      data: { bids: [['84999.00', '0.000000']], asks: [] },
    },
  },
  {
    type: 'ticker',
    from: 'server',
    summary: 'Ticker at subscribe, then after every step that traded or changed the book',
    schema: msg(
      'ticker',
      { symbol, data: object(TICKER_DATA, Object.keys(TICKER_DATA) as (keyof typeof TICKER_DATA)[]) },
      ['symbol', 'data'],
    ),
    example: {
      type: 'ticker',
      symbol: 'BTC_USDT',
      data: {
        last: '85000.00',
        best_bid: '84999.00',
        best_ask: '85001.00',
        volume_24h: '12.300000',
        ts: 1734533790000,
      },
    },
  },
  {
    type: 'kline',
    from: 'server',
    summary: 'The open candle after every trade, then once more with is_closed: true when its interval ends',
    schema: msg(
      'kline',
      { symbol, interval: KLINE_INTERVAL, seq: seq('gap-free per symbol and interval'), data: KLINE },
      ['symbol', 'interval', 'seq', 'data'],
    ),
    example: {
      type: 'kline',
      symbol: 'BTC_USDT',
      interval: '1m',
      seq: 12,
      data: {
        open_time: 1734533760000,
        close_time: 1734533819999,
        open: '85000.00',
        high: '85010.00',
        low: '84990.00',
        close: '85005.00',
        volume: '0.420000',
        quote_volume: '35701.23',
        trade_count: 17,
        is_closed: false,
      },
    },
  },
  {
    type: 'order.place',
    from: 'client',
    summary: 'Place an order on this socket (authenticated): params is the create_order body',
    schema: msg('order.place', { id: requestId, params: CREATE_ORDER_BODY }, ['id', 'params']),
    example: {
      type: 'order.place',
      id: 'o-1',
      params: { symbol: 'BTC_USDT', side: 'BUY', order_type: 'LIMIT', price: '85000.00', qty: '0.001', cid: 'my-1' },
    },
  },
  {
    type: 'order.cancel',
    from: 'client',
    summary: 'Cancel an order on this socket: params is the cancel_order body (order_id or cid)',
    schema: msg('order.cancel', { id: requestId, params: CANCEL_ORDER_BODY }, ['id', 'params']),
    example: { type: 'order.cancel', id: 'c-1', params: { cid: 'my-1' } },
  },
  {
    type: 'order.batch_place',
    from: 'client',
    summary: `Place 1..${BATCH_MAX} orders; each is answered by its own order.result with its index`,
    schema: msg(
      'order.batch_place',
      {
        id: requestId,
        params: object({ orders: { type: 'array', items: CREATE_ORDER_BODY, minItems: 1, maxItems: BATCH_MAX } }, [
          'orders',
        ]),
      },
      ['id', 'params'],
    ),
    example: {
      type: 'order.batch_place',
      id: 'b-1',
      params: { orders: [{ symbol: 'BTC_USDT', side: 'SELL', order_type: 'LIMIT', price: '86000.00', qty: '0.001' }] },
    },
  },
  {
    type: 'order.result',
    from: 'server',
    summary: "The answer to an order request, after its commit (the order's own pushes come first)",
    schema: msg(
      'order.result',
      {
        id: {
          anyOf: [requestId, { type: 'null' }],
          description: 'the request id; null when it was missing or invalid',
        },
        index: int({ minimum: 0, maximum: BATCH_MAX - 1, description: 'order.batch_place: the order of the batch' }),
        code: int({ minimum: 0, description: '0, or the HTTP API code of the refusal' }),
        msg: str(),
        data: orderResultData,
      },
      ['id', 'code', 'data'],
    ),
    example: {
      type: 'order.result',
      id: 'o-1',
      code: 0,
      data: { order_id: 1001, cid: 'my-1', order_status: 'ACCEPTED', accepted_at: 1734533790000 },
    },
  },
];

export const wsMessage = (type: string): WsMessageSpec | undefined => WS_MESSAGES.find((m) => m.type === type);
