// The schema of every request body, query string and path parameter (one per request). The gateway's parsers
// (src/orders/order-request.ts) take their field lists, enums, patterns and bounds from here and check every body
// against its schema, and the OpenAPI document (openapi.ts) is generated from the same objects.
//
// Decisions:
// - A schema is never stricter than the parser: a body the parser accepts always validates. Rules that depend on
//   other fields (MARKET has no price, exactly one of order_id and cid, ...) are in the descriptions and enforced by
//   the parser with its precise messages; the schema holds the shape.
// - `null` for an optional field means "not given" (the parsers treat it so), so optional fields are nullable.

import type { OrderStatus, OrderType, Side, TimeInForce } from '../core/types.js';
import { type JsonSchema, int, nullable, object, oneOfValues, str } from './json-schema.js';
import { KLINE_INTERVAL_NAMES } from '../pipeline/candles.js';

/** GET /api/v1/klines: candles per answer. */
export const KLINES_LIMIT_DEFAULT = 500;
export const KLINES_LIMIT_MAX = 1000;

export const SIDES: readonly Side[] = ['BUY', 'SELL'];
export const ORDER_TYPES: readonly OrderType[] = ['LIMIT', 'MARKET'];
export const TIFS: readonly TimeInForce[] = ['GTC', 'IOC', 'FOK', 'POST_ONLY'];
export const STATUSES: readonly OrderStatus[] = [
  'NEW',
  'PARTIALLY_FILLED',
  'FILLED',
  'CANCELED',
  'REJECTED',
  'EXPIRED',
];
export const CID_PATTERN = /^[A-Za-z0-9_\-:.]{1,64}$/;
/** Digits of an id sent as a string. */
export const ID_TEXT_PATTERN = /^[1-9][0-9]{0,15}$/;
/** A non-negative decimal as the API writes it ("1.5", "0.001"); decimals and range are the parser's (1003). */
export const DECIMAL_TEXT_PATTERN = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
export const API_KEY_MAX = 128;

export const LIST_LIMIT_DEFAULT = 100;
export const LIST_LIMIT_MAX = 1000;
export const DEPTH_LEVELS_DEFAULT = 20;
export const DEPTH_LEVELS_MAX = 1000;

const amount = (description: string): JsonSchema =>
  str({ pattern: DECIMAL_TEXT_PATTERN.source, description: `${description} (decimal string)`, examples: ['1.5'] });

/** A positive integer id: a JSON number or a string of digits. */
export const idSchema = (description: string): JsonSchema => ({
  anyOf: [int({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), str({ pattern: ID_TEXT_PATTERN.source })],
  description,
});

const cid = str({ pattern: CID_PATTERN.source, description: 'client order id, 1..64 of A-Z a-z 0-9 _ - : .' });

/** POST /api/v1/create_order as parseCreateOrder reads it (the HTTP body may add `user_id`: createOrderBody). */
export const CREATE_ORDER = object(
  {
    symbol: str({ description: 'a symbol of GET /api/v1/symbols', examples: ['BTC_USDT'] }),
    side: oneOfValues(SIDES),
    order_type: nullable(oneOfValues(ORDER_TYPES, { description: 'required unless its alias `type` is given' })),
    type: nullable(oneOfValues(ORDER_TYPES, { description: 'alias of order_type; both given and different: 1001' })),
    time_in_force: nullable(
      oneOfValues(TIFS, { description: 'LIMIT: GTC (default), IOC, FOK, POST_ONLY; MARKET: IOC (default) or GTC' }),
    ),
    price: nullable(amount('LIMIT only; > 0, at most the symbol price decimals')),
    qty: nullable(amount('> 0, at most the base asset decimals, within min_qty / max_qty')),
    quote_qty: nullable(amount('MARKET BUY only, instead of qty: spend at most this much quote')),
    cid: nullable(cid),
  },
  ['symbol', 'side'],
  {
    anyOf: [{ required: ['order_type'] }, { required: ['type'] }],
    description:
      'A LIMIT order needs price and qty, and price x qty must be worth at least one quote unit and min_notional ' +
      '(1003). A MARKET order has no price; a MARKET BUY gives exactly one of qty and quote_qty, a SELL qty.',
  },
);

/** The optional `user_id` of trading bodies: accepted when it names the authenticated user, 2003 otherwise. */
const OWN_USER_ID = idSchema('optional; must be the authenticated user (2003 otherwise)');

const withOwnUserId = <S extends ReturnType<typeof object>>(s: S) =>
  ({ ...s, properties: { ...s.properties, user_id: OWN_USER_ID } }) as S;

export const CREATE_ORDER_BODY = withOwnUserId(CREATE_ORDER);

/** POST /api/v1/cancel_order as parseCancel reads it. */
export const CANCEL_ORDER = object({ order_id: nullable(idSchema('the order to cancel')), cid: nullable(cid) }, [], {
  description: 'exactly one of order_id and cid',
});
export const CANCEL_ORDER_BODY = withOwnUserId(CANCEL_ORDER);

export const DEPOSIT = object(
  {
    user_id: idSchema('the user'),
    asset: str({ description: 'an asset of GET /api/v1/symbols', examples: ['BTC'] }),
    qty: amount('> 0, at most the asset decimals'),
  },
  ['user_id', 'asset', 'qty'],
);

export const USER_ID_BODY = object({ user_id: idSchema('the user') }, ['user_id']);

const apiKey = str({ minLength: 1, maxLength: API_KEY_MAX, examples: ['ak_0123456789abcdef'] });
export const ADMIN_REVOKE_KEY = object({ api_key: apiKey }, ['api_key']);
export const USER_REVOKE_KEY = object({ api_key: nullable(apiKey) }, [], {
  description: 'no body (or no api_key): the key behind the calling credential',
});

// ---- query strings and path parameters (OpenAPI parameters; values arrive as text) ----

export interface ParameterSpec {
  readonly name: string;
  readonly in: 'query' | 'path';
  readonly required: boolean;
  readonly description: string;
  readonly schema: JsonSchema;
}

const q = (name: string, schema: JsonSchema, description: string, required = false): ParameterSpec => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const symbolParam = (required: boolean) =>
  q('symbol', str({ examples: ['BTC_USDT'] }), 'a symbol of GET /api/v1/symbols', required);
const limitParam = (def: number, max: number, name = 'limit') =>
  q(name, int({ minimum: 1, maximum: max, default: def }), `1..${max}, default ${def}`);
const msParam = (name: string, description: string) =>
  q(name, int({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), description);
const cursorParam = (of: string) =>
  q('cursor', int({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), `${of} below this one (next_cursor)`);

export const QUERIES = {
  orders: [
    symbolParam(false),
    q('status', oneOfValues(STATUSES), 'only orders with this status'),
    msParam('start_time', 'created at or after (ms)'),
    msParam('end_time', 'created before (ms); after start_time'),
    limitParam(LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX),
    cursorParam('orders with order_id'),
  ],
  trades: [
    symbolParam(false),
    q('order_id', int({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), 'fills of this order'),
    msParam('start_time', 'traded at or after (ms)'),
    limitParam(LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX),
    cursorParam('fills with trade_id'),
  ],
  events: [msParam('after', 'events with seq > after (default 0)'), limitParam(LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX)],
  depth: [symbolParam(true), limitParam(DEPTH_LEVELS_DEFAULT, DEPTH_LEVELS_MAX, 'levels')],
  marketTrades: [symbolParam(true), limitParam(LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX)],
  ticker: [symbolParam(true)],
  klines: [
    symbolParam(true),
    q('interval', oneOfValues(KLINE_INTERVAL_NAMES), 'candle interval', true),
    msParam('start_time', 'candles opened at or after (ms)'),
    msParam('end_time', 'candles opened at or before (ms); not before start_time'),
    limitParam(KLINES_LIMIT_DEFAULT, KLINES_LIMIT_MAX),
  ],
  cid: [q('cid', cid, 'the client order id (the newest of the user’s orders with it)', true)],
  orderId: [
    {
      name: 'order_id',
      in: 'path',
      required: true,
      description: 'the order',
      schema: str({ pattern: ID_TEXT_PATTERN.source, maxLength: 100 }),
    },
  ],
} as const satisfies Record<string, readonly ParameterSpec[]>;
