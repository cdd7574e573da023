// RestClient: typed calls of the HTTP API (api.md) over global fetch; answers `data` or throws ApiClientError.

import { ApiClientError, NO_ENVELOPE } from './errors.js';
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
  NewUserResult,
  Order,
  OrdersPage,
  OrdersQuery,
  SymbolsResult,
  TickerResult,
  TradesPage,
  TradesQuery,
  TransferResult,
} from './types.js';

export interface RestClientOptions {
  /** Server origin, e.g. `http://127.0.0.1:8080` (a trailing `/api/v1` is accepted and dropped). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`; takes precedence over userId. */
  token?: string;
  /** Development-auth mode only: sent as `X-User-ID`. */
  userId?: number;
  /** Sent as `X-ADMIN-TOKEN` on admin routes only. */
  adminToken?: string;
  /** Per-request timeout; default 10 000 ms, 0 for none. */
  timeoutMs?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
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
  withAuth(auth: { token?: string; userId?: number }): RestClient {
    const { token: _t, userId: _u, ...rest } = this.opts;
    return new RestClient({ ...rest, ...auth });
  }

  // ---- trading ----

  createOrder(req: CreateOrderRequest): Promise<CreateOrderResult> {
    return this.request('POST', '/api/v1/create_order', req);
  }

  /** By order id (a number) or `{order_id}` / `{cid}`. */
  cancelOrder(req: number | CancelOrderRequest): Promise<CancelOrderResult> {
    return this.request('POST', '/api/v1/cancel_order', typeof req === 'number' ? { order_id: req } : req);
  }

  // ---- queries ----

  getOrder(orderId: number): Promise<Order> {
    return this.request('GET', `/api/v1/order/${encodeURIComponent(String(orderId))}`);
  }

  listOrders(q: OrdersQuery = {}): Promise<OrdersPage> {
    return this.request('GET', '/api/v1/orders' + queryString({ ...q }));
  }

  listTrades(q: TradesQuery = {}): Promise<TradesPage> {
    return this.request('GET', '/api/v1/trades' + queryString({ ...q }));
  }

  getBalances(): Promise<BalancesResult> {
    return this.request('GET', '/api/v1/balances');
  }

  /** Private events with seq > after, as pushed on the WebSocket. */
  listEvents(after = 0, limit?: number): Promise<EventsPage> {
    return this.request('GET', '/api/v1/events' + queryString({ after, limit }));
  }

  // ---- public market data ----

  symbols(): Promise<SymbolsResult> {
    return this.request('GET', '/api/v1/symbols');
  }

  depth(symbol: string, levels?: number): Promise<DepthResult> {
    return this.request('GET', '/api/v1/depth' + queryString({ symbol, levels }));
  }

  marketTrades(symbol: string, limit?: number): Promise<MarketTradesResult> {
    return this.request('GET', '/api/v1/market/trades' + queryString({ symbol, limit }));
  }

  ticker(symbol: string): Promise<TickerResult> {
    return this.request('GET', '/api/v1/ticker' + queryString({ symbol }));
  }

  // ---- admin (X-ADMIN-TOKEN) ----

  /** Creates a user; the answer holds its API key and secret (shown once) and a first token. */
  createUser(): Promise<NewUserResult> {
    return this.request('POST', '/api/v1/admin/users', {}, { admin: true });
  }

  deposit(userId: number, asset: string, qty: string): Promise<TransferResult> {
    return this.request('POST', '/api/v1/admin/deposit', { user_id: userId, asset, qty }, { admin: true });
  }

  withdraw(userId: number, asset: string, qty: string): Promise<TransferResult> {
    return this.request('POST', '/api/v1/admin/withdraw', { user_id: userId, asset, qty }, { admin: true });
  }

  // ---- generic ----

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
    if (this.opts.token !== undefined) headers['authorization'] = `Bearer ${this.opts.token}`;
    else if (this.opts.userId !== undefined) headers['x-user-id'] = String(this.opts.userId);
    if (o.admin === true && this.opts.adminToken !== undefined) headers['x-admin-token'] = this.opts.adminToken;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
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
