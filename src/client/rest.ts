// RestClient: typed calls of the HTTP API (api.md) over global fetch; answers `data`, checked by the route's
// decoder (wire-decoders.ts), or throws ApiClientError with the catalogue code. Credentials: bearer token, API key
// + HMAC signature (signing.ts, WebCrypto), development user id, admin token.

import type { Decoder } from './decode.js';
import { ApiClientError, NO_ENVELOPE } from './errors.js';
import { type ApiKeyCredentials, signatureHeaders } from './signing.js';
import type {
  ApiEnvelope,
  BalancesResult,
  CancelOrderRequest,
  CancelOrderResult,
  CreateOrderRequest,
  CreateOrderResult,
  DepthResult,
  EventsPage,
  MarketTradesResult,
  HealthResult,
  NewUserResult,
  Order,
  OrdersPage,
  OrdersQuery,
  ReadyResult,
  RevokeKeyResult,
  RevokeOwnKeyResult,
  RevokeUserResult,
  SymbolsResult,
  KlineInterval,
  KlinesQuery,
  KlinesResult,
  TickerResult,
  TokenResult,
  TradesPage,
  TradesQuery,
  TransferResult,
} from './types.js';
import { RestDecoders as D } from './wire-decoders.js';

export interface RestClientOptions {
  /** Server origin, e.g. `http://127.0.0.1:8080` (a trailing `/api/v1` is accepted and dropped). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`; takes precedence over apiKey and userId. */
  token?: string;
  /** API key + secret: every request is signed (X-API-KEY, X-TIMESTAMP, X-SIGNATURE); takes precedence over userId. */
  apiKey?: ApiKeyCredentials;
  /** Development-auth mode only: sent as `X-User-ID`. */
  userId?: number;
  /** Sent as `X-ADMIN-TOKEN` on admin routes only. */
  adminToken?: string;
  /** Per-request timeout; default 10 000 ms, 0 for none. */
  timeoutMs?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /**
   * Check every answer's `data` against its wire type: 'lenient' (default; extra fields pass), 'strict' (extra
   * fields are errors too), or 'off'. A disagreement throws ProtocolError.
   */
  validate?: 'lenient' | 'strict' | 'off';
  /** Clock for X-TIMESTAMP (ms); default Date.now. */
  now?: () => number;
}

/** Every answer, success or not, with its HTTP status; `body` is null when it was not JSON. */
export interface RawResponse<T = unknown> {
  status: number;
  body: ApiEnvelope<T> | null;
  text: string;
}

type QueryValue = string | number | boolean | undefined | null;

export class RestClient {
  readonly baseUrl: string;
  private readonly opts: RestClientOptions;

  constructor(opts: RestClientOptions) {
    this.opts = { ...opts };
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  }

  /** The same server as another user (or anonymous with `{}`); admin token and options are kept. */
  withAuth(auth: { token?: string; userId?: number; apiKey?: ApiKeyCredentials }): RestClient {
    const { token: _t, userId: _u, apiKey: _k, ...rest } = this.opts;
    return new RestClient({ ...rest, ...auth });
  }

  // ---- trading ----

  createOrder(req: CreateOrderRequest): Promise<CreateOrderResult> {
    return this.call(D.createOrder, 'POST', '/api/v1/create_order', req);
  }

  /** By order id (a number) or `{order_id}` / `{cid}`. */
  cancelOrder(req: number | CancelOrderRequest): Promise<CancelOrderResult> {
    return this.call(D.cancelOrder, 'POST', '/api/v1/cancel_order', typeof req === 'number' ? { order_id: req } : req);
  }

  /** A bearer token for this client's API key (the request is signed; a token cannot mint tokens: 2003). */
  issueToken(): Promise<TokenResult> {
    return this.call(D.token, 'POST', '/api/v1/auth/token');
  }

  /** Revokes one of the caller's keys: by default the one behind the calling credential. */
  revokeOwnKey(apiKey?: string): Promise<RevokeOwnKeyResult> {
    const body = apiKey === undefined ? undefined : { api_key: apiKey };
    return this.call(D.revokeOwnKey, 'POST', '/api/v1/auth/revoke_key', body);
  }

  // ---- queries ----

  getOrder(orderId: number): Promise<Order> {
    return this.call(D.order, 'GET', `/api/v1/order/${encodeURIComponent(String(orderId))}`);
  }

  /**
   * The newest of the user's orders with this client order id (ApiError 4001: none): what became of an order whose
   * answer was lost or 5001 "outcome unknown" (docs/api.md, "Order entry in a cluster").
   */
  getOrderByCid(cid: string): Promise<Order> {
    return this.call(D.order, 'GET', '/api/v1/order' + queryString({ cid }));
  }

  listOrders(q: OrdersQuery = {}): Promise<OrdersPage> {
    return this.call(D.orders, 'GET', '/api/v1/orders' + queryString({ ...q }));
  }

  listTrades(q: TradesQuery = {}): Promise<TradesPage> {
    return this.call(D.trades, 'GET', '/api/v1/trades' + queryString({ ...q }));
  }

  getBalances(): Promise<BalancesResult> {
    return this.call(D.balances, 'GET', '/api/v1/balances');
  }

  /** Private events with seq > after, as pushed on the WebSocket. */
  listEvents(after = 0, limit?: number): Promise<EventsPage> {
    return this.call(D.events, 'GET', '/api/v1/events' + queryString({ after, limit }));
  }

  // ---- public market data ----

  symbols(): Promise<SymbolsResult> {
    return this.call(D.symbols, 'GET', '/api/v1/symbols');
  }

  depth(symbol: string, levels?: number): Promise<DepthResult> {
    return this.call(D.depth, 'GET', '/api/v1/depth' + queryString({ symbol, levels }));
  }

  marketTrades(symbol: string, limit?: number): Promise<MarketTradesResult> {
    return this.call(D.marketTrades, 'GET', '/api/v1/market/trades' + queryString({ symbol, limit }));
  }

  /** Candles of one symbol and interval, oldest first (only intervals that traded have one). */
  klines(symbol: string, interval: KlineInterval, q: KlinesQuery = {}): Promise<KlinesResult> {
    return this.call(D.klines, 'GET', '/api/v1/klines' + queryString({ symbol, interval, ...q }));
  }

  ticker(symbol: string): Promise<TickerResult> {
    return this.call(D.ticker, 'GET', '/api/v1/ticker' + queryString({ symbol }));
  }

  // ---- admin (X-ADMIN-TOKEN) ----

  /** Creates a user; the answer holds its API key and secret (shown once) and a first token. */
  createUser(): Promise<NewUserResult> {
    return this.call(D.newUser, 'POST', '/api/v1/admin/users', {}, { admin: true });
  }

  deposit(userId: number, asset: string, qty: string): Promise<TransferResult> {
    return this.call(D.transfer, 'POST', '/api/v1/admin/deposit', { user_id: userId, asset, qty }, { admin: true });
  }

  withdraw(userId: number, asset: string, qty: string): Promise<TransferResult> {
    return this.call(D.transfer, 'POST', '/api/v1/admin/withdraw', { user_id: userId, asset, qty }, { admin: true });
  }

  revokeKey(apiKey: string): Promise<RevokeKeyResult> {
    return this.call(D.revokeKey, 'POST', '/api/v1/admin/revoke_key', { api_key: apiKey }, { admin: true });
  }

  revokeUser(userId: number): Promise<RevokeUserResult> {
    return this.call(D.revokeUser, 'POST', '/api/v1/admin/revoke_user', { user_id: userId }, { admin: true });
  }

  // ---- operations ----

  health(): Promise<HealthResult> {
    return this.call(D.health, 'GET', '/healthz');
  }

  /** Ready to serve; a server that is not throws ApiClientError 5001 (HTTP 503) naming what is missing. */
  ready(): Promise<ReadyResult> {
    return this.call(D.ready, 'GET', '/readyz');
  }

  // ---- generic ----

  /** `request`, then `data` checked by `decode` (per the `validate` option). */
  private async call<T>(
    decode: Decoder<T>,
    method: string,
    path: string,
    body?: unknown,
    o: { admin?: boolean } = {},
  ): Promise<T> {
    const data = await this.request<unknown>(method, path, body, o);
    const mode = this.opts.validate ?? 'lenient';
    return mode === 'off' ? (data as T) : decode(data, `${method} ${path.split('?')[0]} data`, mode === 'strict');
  }

  /** Any route: answers `data` on code 0, otherwise throws ApiClientError (catalogue code, msg, HTTP status). */
  async request<T>(method: string, path: string, body?: unknown, o: { admin?: boolean } = {}): Promise<T> {
    const r = await this.requestRaw<T>(method, path, body, o);
    const env = r.body;
    if (env === null || typeof env.code !== 'number') {
      throw new ApiClientError(NO_ENVELOPE, `not an API answer: ${r.text.slice(0, 200)}`, r.status, method, path);
    }
    if (env.code !== 0) throw new ApiClientError(env.code, String(env.msg), r.status, method, path);
    return env.data as T;
  }

  /**
   * Any route, never throwing on an API error: the status and parsed envelope. `body` may be a string, sent as is
   * (for malformed-request tests), or anything else, sent as JSON.
   */
  async requestRaw<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    o: { admin?: boolean } = {},
  ): Promise<RawResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.opts.headers };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    if (this.opts.token !== undefined) headers['authorization'] = `Bearer ${this.opts.token}`;
    else if (this.opts.apiKey !== undefined) {
      const now = (this.opts.now ?? Date.now)();
      Object.assign(headers, await signatureHeaders(this.opts.apiKey, method, path, payload ?? '', now));
    } else if (this.opts.userId !== undefined) headers['x-user-id'] = String(this.opts.userId);
    if (o.admin === true && this.opts.adminToken !== undefined) headers['x-admin-token'] = this.opts.adminToken;
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: payload,
      signal: timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined,
    });
    const text = await res.text();
    let parsed: ApiEnvelope<T> | null = null;
    try {
      const v: unknown = JSON.parse(text);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) parsed = v as ApiEnvelope<T>;
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed, text };
  }
}

/** `?a=1&b=x` from the defined values (empty string when none). */
export function queryString(q: Record<string, QueryValue>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null) p.set(k, String(v));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}
