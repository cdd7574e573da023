// The route table of the HTTP API: for every route its method and path, authentication, rate class, parameters,
// body schema, answer schema and the catalogue errors it can answer. The OpenAPI document (openapi.ts) is built
// from it and a test holds it to the routes the gateway registers. Adding a route: one entry in ROUTES.

import {
  type JsonSchema,
  arrayOf,
  bool,
  constant,
  int,
  millis,
  nullable,
  object,
  oneOfValues,
  ref,
  str,
} from './json-schema.js';
import {
  ADMIN_REVOKE_KEY,
  CANCEL_ORDER_BODY,
  CREATE_ORDER_BODY,
  DEPOSIT,
  type ParameterSpec,
  QUERIES,
  STATUSES,
  USER_ID_BODY,
  USER_REVOKE_KEY,
} from './request-schemas.js';
import { STP_MODES, decimal, id, seq } from './payload-schemas.js';

/** Who may call a route: anyone, a user credential (bearer, API key + HMAC, dev header), an HMAC signature only, the admin. */
export type RouteAuth = 'public' | 'user' | 'signed' | 'admin';
/** Which per-user rate limit a request counts against (config rateLimits). */
export type RateClass = 'orders' | 'cancels' | 'queries';

export interface RouteSpec {
  readonly method: 'GET' | 'POST';
  /** OpenAPI style: `/api/v1/order/{order_id}`. */
  readonly path: string;
  readonly operationId: string;
  readonly tag: 'trading' | 'queries' | 'market' | 'admin' | 'operations' | 'documents';
  readonly summary: string;
  readonly auth: RouteAuth;
  readonly rate: RateClass | null;
  readonly parameters?: readonly ParameterSpec[];
  readonly body?: { readonly schema: string; readonly required: boolean };
  readonly status: 200 | 202;
  /** Component name of the envelope's `data` (JSON answers), or the media type of a non-envelope answer. */
  readonly answer: { readonly data: string } | { readonly media: readonly string[] };
  /** Catalogue codes this route answers besides the ones every route of its kind can (openapi.ts adds those). */
  readonly errors: readonly number[];
}

const pageOf = (key: string, item: string) =>
  object({ [key]: arrayOf(ref(item)), next_cursor: nullable(id('pass as cursor for the next page')) }, [
    key,
    'next_cursor',
  ]);

/** Schemas of the answers' `data`, by component name (with the shared payloads of payload-schemas.ts). */
export const ANSWERS: Readonly<Record<string, JsonSchema>> = {
  OrderAccepted: object(
    {
      order_id: id('the new order'),
      cid: nullable(str()),
      order_status: constant('ACCEPTED'),
      accepted_at: millis('when the order was committed'),
    },
    ['order_id', 'cid', 'order_status', 'accepted_at'],
  ),
  CancelAnswer: object(
    {
      order_id: id('the order'),
      cid: nullable(str()),
      order_status: oneOfValues(['CANCEL_PENDING', ...STATUSES], {
        description: 'CANCEL_PENDING: canceled now (its order.update is pushed first); else the final status',
      }),
    },
    ['order_id', 'cid', 'order_status'],
  ),
  Token: object(
    { user_id: id('the user'), token: str({ description: 'HS256 JWT bearer token' }), expires_at: millis() },
    ['user_id', 'token', 'expires_at'],
  ),
  OwnKeyRevoked: object({ api_key: str(), revoked: constant(true) }, ['api_key', 'revoked']),
  OrdersPage: pageOf('orders', 'Order'),
  TradesPage: pageOf('trades', 'UserTrade'),
  Balances: object({ balances: arrayOf(ref('Balance')) }, ['balances']),
  EventsPage: object(
    {
      events: arrayOf({ oneOf: [ref('OrderUpdateEvent'), ref('TradeEvent'), ref('BalanceUpdateEvent')] }),
      oldest_seq: nullable(seq('oldest retained seq; null: no events')),
      resync: bool({ description: 'after + 1 is older than the retained history: reload state' }),
    },
    ['events', 'oldest_seq', 'resync'],
  ),
  Symbols: object(
    {
      assets: arrayOf(
        object({ asset: str(), decimals: int({ minimum: 0 }), display_decimals: int({ minimum: 0 }) }, [
          'asset',
          'decimals',
          'display_decimals',
        ]),
      ),
      symbols: arrayOf(
        object(
          {
            symbol: str(),
            base_asset: str(),
            quote_asset: str(),
            price_decimals: int({ minimum: 0 }),
            price_display_decimals: int({ minimum: 0 }),
            min_qty: decimal('smallest order qty (0: none)'),
            max_qty: nullable(decimal('largest order qty; null: none')),
            min_notional: decimal('smallest price x qty (0: none)'),
            maker_fee: decimal('fee rate'),
            taker_fee: decimal('fee rate'),
            stp_mode: oneOfValues(STP_MODES),
          },
          [
            'symbol',
            'base_asset',
            'quote_asset',
            'price_decimals',
            'price_display_decimals',
            'min_qty',
            'max_qty',
            'min_notional',
            'maker_fee',
            'taker_fee',
            'stp_mode',
          ],
        ),
      ),
    },
    ['assets', 'symbols'],
  ),
  Depth: object(
    {
      symbol: str(),
      seq: seq("the depth channel's seq of this book"),
      bids: arrayOf(ref('DepthLevel')),
      asks: arrayOf(ref('DepthLevel')),
    },
    ['symbol', 'seq', 'bids', 'asks'],
  ),
  MarketTrades: object({ trades: arrayOf(ref('MarketTrade')) }, ['trades']),
  Ticker: object(
    {
      symbol: str(),
      last: nullable(decimal('last price')),
      best_bid: nullable(decimal('best bid')),
      best_ask: nullable(decimal('best ask')),
      volume_24h: decimal('base volume of the last 24 h'),
      ts: millis(),
    },
    ['symbol', 'last', 'best_bid', 'best_ask', 'volume_24h', 'ts'],
  ),
  NewUser: object(
    {
      user_id: id('the new user'),
      api_key: str(),
      api_secret: str({ description: 'shown this once; only its encryption is stored' }),
      token: str(),
      token_expires_at: millis(),
    },
    ['user_id', 'api_key', 'api_secret', 'token', 'token_expires_at'],
  ),
  TransferDone: object({ user_id: id('the user'), asset: str(), qty: decimal('the amount moved') }, [
    'user_id',
    'asset',
    'qty',
  ]),
  KeyRevoked: object({ api_key: str(), user_id: id('its user'), revoked: constant(true) }, [
    'api_key',
    'user_id',
    'revoked',
  ]),
  UserRevoked: object({ user_id: id('the user'), revoked: constant(true), api_keys_revoked: int({ minimum: 0 }) }, [
    'user_id',
    'revoked',
    'api_keys_revoked',
  ]),
  Alive: object({ status: constant('alive') }, ['status']),
  Ready: object(
    { status: constant('ready'), store: oneOfValues(['sqlite', 'postgres']), in_flight: int({ minimum: 0 }) },
    ['status', 'store', 'in_flight'],
  ),
};

/** Request body schemas, by component name. */
export const BODIES: Readonly<Record<string, JsonSchema>> = {
  CreateOrder: CREATE_ORDER_BODY,
  CancelOrder: CANCEL_ORDER_BODY,
  Transfer: DEPOSIT,
  UserIdBody: USER_ID_BODY,
  AdminRevokeKey: ADMIN_REVOKE_KEY,
  UserRevokeKey: USER_REVOKE_KEY,
};

const ENGINE = [5001]; // the engine queue is full or the engine is down
const ASSET_FILE = {
  name: 'file',
  in: 'path',
  required: true,
  description: 'an asset of the reference page',
  schema: str({ pattern: '^[a-z0-9.-]+$' }),
} as const satisfies ParameterSpec;

export const ROUTES: readonly RouteSpec[] = [
  {
    method: 'POST',
    path: '/api/v1/create_order',
    operationId: 'createOrder',
    tag: 'trading',
    summary: 'Place an order; answered once it is committed and durable (its pushes leave first)',
    auth: 'user',
    rate: 'orders',
    body: { schema: 'CreateOrder', required: true },
    status: 202,
    answer: { data: 'OrderAccepted' },
    errors: [1002, 1003, 1004, 2003, 4131, ...ENGINE],
  },
  {
    method: 'POST',
    path: '/api/v1/cancel_order',
    operationId: 'cancelOrder',
    tag: 'trading',
    summary: 'Cancel an open order by order_id or cid',
    auth: 'user',
    rate: 'cancels',
    body: { schema: 'CancelOrder', required: true },
    status: 200,
    answer: { data: 'CancelAnswer' },
    errors: [2003, 4001, 4131, ...ENGINE],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/token',
    operationId: 'issueToken',
    tag: 'trading',
    summary: 'Issue a bearer token to a request signed with an API key (no body)',
    auth: 'signed',
    rate: 'queries',
    status: 200,
    answer: { data: 'Token' },
    errors: [2003],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/revoke_key',
    operationId: 'revokeOwnKey',
    tag: 'trading',
    summary: "Revoke one of the caller's API keys (default: the one behind this credential)",
    auth: 'user',
    rate: 'queries',
    body: { schema: 'UserRevokeKey', required: false },
    status: 200,
    answer: { data: 'OwnKeyRevoked' },
    errors: [2003, 4131],
  },
  {
    method: 'GET',
    path: '/api/v1/order/{order_id}',
    operationId: 'getOrder',
    tag: 'queries',
    summary: 'One of the user’s orders',
    auth: 'user',
    rate: 'queries',
    parameters: QUERIES.orderId,
    status: 200,
    answer: { data: 'Order' },
    errors: [4001, 4141],
  },
  {
    method: 'GET',
    path: '/api/v1/orders',
    operationId: 'listOrders',
    tag: 'queries',
    summary: 'The user’s orders, newest first, cursor-paginated',
    auth: 'user',
    rate: 'queries',
    parameters: QUERIES.orders,
    status: 200,
    answer: { data: 'OrdersPage' },
    errors: [],
  },
  {
    method: 'GET',
    path: '/api/v1/trades',
    operationId: 'listTrades',
    tag: 'queries',
    summary: 'The user’s fills, newest first, cursor-paginated',
    auth: 'user',
    rate: 'queries',
    parameters: QUERIES.trades,
    status: 200,
    answer: { data: 'TradesPage' },
    errors: [],
  },
  {
    method: 'GET',
    path: '/api/v1/balances',
    operationId: 'getBalances',
    tag: 'queries',
    summary: 'The user’s balances',
    auth: 'user',
    rate: 'queries',
    status: 200,
    answer: { data: 'Balances' },
    errors: [],
  },
  {
    method: 'GET',
    path: '/api/v1/events',
    operationId: 'listEvents',
    tag: 'queries',
    summary: 'The user’s private events with seq > after, each exactly the pushed text',
    auth: 'user',
    rate: 'queries',
    parameters: QUERIES.events,
    status: 200,
    answer: { data: 'EventsPage' },
    errors: [],
  },
  {
    method: 'GET',
    path: '/api/v1/symbols',
    operationId: 'listSymbols',
    tag: 'market',
    summary: 'Assets and symbols with their decimals, limits and fees',
    auth: 'public',
    rate: null,
    status: 200,
    answer: { data: 'Symbols' },
    errors: [],
  },
  {
    method: 'GET',
    path: '/api/v1/depth',
    operationId: 'getDepth',
    tag: 'market',
    summary: 'Top of the book, best first',
    auth: 'public',
    rate: null,
    parameters: QUERIES.depth,
    status: 200,
    answer: { data: 'Depth' },
    errors: [],
  },
  {
    method: 'GET',
    path: '/api/v1/market/trades',
    operationId: 'listMarketTrades',
    tag: 'market',
    summary: 'Recent public trades, newest first',
    auth: 'public',
    rate: null,
    parameters: QUERIES.marketTrades,
    status: 200,
    answer: { data: 'MarketTrades' },
    errors: [],
  },
  {
    method: 'GET',
    path: '/api/v1/ticker',
    operationId: 'getTicker',
    tag: 'market',
    summary: 'Last price, best bid and ask, 24 h volume',
    auth: 'public',
    rate: null,
    parameters: QUERIES.ticker,
    status: 200,
    answer: { data: 'Ticker' },
    errors: [],
  },
  {
    method: 'POST',
    path: '/api/v1/admin/users',
    operationId: 'createUser',
    tag: 'admin',
    summary: 'Create a user with an API key and a first token',
    auth: 'admin',
    rate: null,
    status: 200,
    answer: { data: 'NewUser' },
    errors: [],
  },
  ...(['deposit', 'withdraw'] as const).map((kind): RouteSpec => ({
    method: 'POST',
    path: `/api/v1/admin/${kind}`,
    operationId: kind,
    tag: 'admin',
    summary: kind === 'deposit' ? 'Credit a user (pushes balance.update deposit)' : 'Debit a user’s avail',
    auth: 'admin',
    rate: null,
    body: { schema: 'Transfer', required: true },
    status: 200,
    answer: { data: 'TransferDone' },
    errors: kind === 'withdraw' ? [1002, 1003, 4131, ...ENGINE] : [1003, 4131, ...ENGINE],
  })),
  {
    method: 'POST',
    path: '/api/v1/admin/revoke_key',
    operationId: 'adminRevokeKey',
    tag: 'admin',
    summary: 'Revoke an API key and the tokens minted from it',
    auth: 'admin',
    rate: null,
    body: { schema: 'AdminRevokeKey', required: true },
    status: 200,
    answer: { data: 'KeyRevoked' },
    errors: [4131],
  },
  {
    method: 'POST',
    path: '/api/v1/admin/revoke_user',
    operationId: 'adminRevokeUser',
    tag: 'admin',
    summary: 'Revoke a user, all its keys and tokens',
    auth: 'admin',
    rate: null,
    body: { schema: 'UserIdBody', required: true },
    status: 200,
    answer: { data: 'UserRevoked' },
    errors: [4131],
  },
  {
    method: 'GET',
    path: '/healthz',
    operationId: 'health',
    tag: 'operations',
    summary: 'The process answers',
    auth: 'public',
    rate: null,
    status: 200,
    answer: { data: 'Alive' },
    errors: [],
  },
  {
    method: 'GET',
    path: '/readyz',
    operationId: 'ready',
    tag: 'operations',
    summary: 'Store and engine reachable, recovery done (503 / 5001 names what is not ready)',
    auth: 'public',
    rate: null,
    status: 200,
    answer: { data: 'Ready' },
    errors: [5001],
  },
  {
    method: 'GET',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'operations',
    summary: 'Prometheus text (docs/metrics.md)',
    auth: 'public',
    rate: null,
    status: 200,
    answer: { media: ['text/plain'] },
    errors: [],
  },
  {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'openapi',
    tag: 'documents',
    summary: 'This OpenAPI 3.1 document',
    auth: 'public',
    rate: null,
    status: 200,
    answer: { media: ['application/json'] },
    errors: [],
  },
  {
    method: 'GET',
    path: '/asyncapi.json',
    operationId: 'asyncapi',
    tag: 'documents',
    summary: 'The AsyncAPI 3.0 document of /ws',
    auth: 'public',
    rate: null,
    status: 200,
    answer: { media: ['application/json'] },
    errors: [],
  },
  {
    method: 'GET',
    path: '/docs',
    operationId: 'reference',
    tag: 'documents',
    summary: 'Interactive API reference (served offline, no CDN)',
    auth: 'public',
    rate: null,
    status: 200,
    answer: { media: ['text/html'] },
    errors: [],
  },
  {
    method: 'GET',
    path: '/docs/assets/{file}',
    operationId: 'referenceAsset',
    tag: 'documents',
    summary: 'Scripts and styles of the reference page',
    auth: 'public',
    rate: null,
    parameters: [ASSET_FILE],
    status: 200,
    answer: { media: ['text/javascript', 'text/css'] },
    errors: [4041],
  },
];

/** `/api/v1/order/{order_id}` -> `/api/v1/order/:order_id` (Fastify's form). */
export const fastifyPath = (path: string): string => path.replace(/\{([a-z_]+)\}/g, ':$1');
