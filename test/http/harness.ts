// HTTP test harness: real listening servers (port 0) on a fresh database per server, requests over real sockets
// (fetch) with every kind of credential (bearer token, API key + HMAC, development X-User-ID, admin token), funded
// users, and assertions for the response envelope of api.md. No mocks: the server under test is exactly the one
// `startServer` builds.
//
// Databases: SQLite gets a file in a new temp directory; PostgreSQL gets `CREATE DATABASE fs_http_<random>_<n>` on
// the server of $DATABASE_URL, dropped (WITH (FORCE)) by `Lab.cleanup()`.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Logger, pino } from 'pino';
import { type Config, loadConfig } from '../../src/config.js';
import { signRequest } from '../../src/auth/credentials.js';
import { type RunningServer, startServer } from '../../src/node/server-node.js';
import { checkHttpResponse } from '../support/api-conformance.js';

export type StoreKind = 'sqlite' | 'postgres';

export const ADMIN_TOKEN = 'http-suite-admin-token-0123456789';
export const TOKEN_SECRET = 'http-suite-token-secret-'.padEnd(48, 'x');
/** One random AES key per test process (64 hex digits). */
export const ENCRYPTION_KEY = randomBytes(32).toString('hex');
/** Rates high enough that only the tests about rate limits ever meet one. */
export const HIGH_RATES = { ordersPerSec: 1_000_000, cancelsPerSec: 1_000_000, queriesPerSec: 1_000_000 };
/** Failed-authentication bans out of reach, except for the tests about them (every test client is 127.0.0.1). */
export const NO_AUTH_BANS = { maxFailures: 1_000_000_000 };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- databases ----

export interface TestDatabase {
  readonly kind: StoreKind;
  /** What the server's `databaseUrl` is set to. */
  readonly url: string;
  drop(): Promise<void>;
}

/** The PostgreSQL server URL of this run ($DATABASE_URL), or undefined (the PostgreSQL suite is then skipped). */
export function postgresUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  return url === undefined || url === '' ? undefined : url;
}

async function withPgAdmin<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const url = postgresUrl();
  if (url === undefined) throw new Error('DATABASE_URL is not set');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

const runId = randomBytes(5).toString('hex');
let databases = 0;

/** A new, empty database: a SQLite file in a fresh temp directory, or a new PostgreSQL database. */
export async function createDatabase(kind: StoreKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'fs-http-'));
    return {
      kind,
      url: `sqlite:${join(dir, 'fillstream.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `fs_http_${runId}_${++databases}`;
  await withPgAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(postgresUrl() as string);
  u.pathname = `/${name}`;
  return {
    kind,
    url: u.toString(),
    drop: async () => {
      await withPgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

// ---- responses ----

export interface Envelope {
  readonly code: number;
  readonly msg: string;
  readonly data: unknown;
}

export interface Res {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body (undefined when the body is not JSON, e.g. /metrics). */
  readonly body: Envelope | undefined;
}

export interface LoggedResponse {
  readonly server: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly code: number | undefined;
}

/** `{"code":0,"msg":"ok","data":...}` with exactly these three keys and the given HTTP status; returns `data`. */
export function expectOk<T = Record<string, unknown>>(res: Res, status = 200): T {
  const what = `expected ${status} ok, got ${res.status} ${res.text.slice(0, 300)}`;
  assert.equal(res.status, status, what);
  assert.ok(res.body !== undefined, what);
  assert.deepEqual(Object.keys(res.body), ['code', 'msg', 'data'], what);
  assert.equal(res.body.code, 0, what);
  assert.equal(res.body.msg, 'ok', what);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, what);
  return res.body.data as T;
}

/** `{"code":N,"msg":"<words>","data":null}` with the given HTTP status and code; returns `msg`. */
export function expectError(res: Res, status: number, code: number, msg?: RegExp): string {
  const what = `expected ${status}/${code}, got ${res.status} ${res.text.slice(0, 300)}`;
  assert.equal(res.status, status, what);
  assert.ok(res.body !== undefined, what);
  assert.deepEqual(Object.keys(res.body), ['code', 'msg', 'data'], what);
  assert.equal(res.body.code, code, what);
  assert.equal(res.body.data, null, what);
  assert.equal(typeof res.body.msg, 'string', what);
  assert.ok(res.body.msg.length > 0, what);
  assert.ok(!/\n\s+at /.test(res.body.msg), `a stack trace leaked: ${res.body.msg}`);
  if (msg !== undefined) assert.match(res.body.msg, msg, what);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, what);
  return res.body.msg;
}

// ---- credentials ----

export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  | {
      readonly kind: 'hmac';
      readonly apiKey: string;
      readonly apiSecret: string;
      /** Default: now (ms). */
      readonly timestamp?: number | string;
      /** Sign this path instead of the one sent (tampering tests). */
      readonly signPath?: string;
      /** Sign this body instead of the one sent (tampering tests). */
      readonly signBody?: string;
    }
  | { readonly kind: 'dev'; readonly userId: number | string }
  | { readonly kind: 'admin'; readonly token?: string };

export const NONE: Credentials = { kind: 'none' };
export type HmacCredentials = Extract<Credentials, { kind: 'hmac' }>;
export type BearerCredentials = Extract<Credentials, { kind: 'bearer' }>;

export interface TestUser {
  readonly userId: number;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly token: string;
  readonly bearer: BearerCredentials;
  readonly hmac: HmacCredentials;
}

export interface RequestOptions {
  /** Sent as JSON (JSON.stringify) unless `raw` is given. */
  readonly body?: unknown;
  /** Sent exactly as is. */
  readonly raw?: string;
  /** Default: application/json when there is a body. */
  readonly contentType?: string;
  readonly as?: Credentials;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Headers for a credential; `body` is the exact text sent (signatures cover it). */
export function authHeaders(as: Credentials, method: string, path: string, body: string): Record<string, string> {
  switch (as.kind) {
    case 'none':
      return {};
    case 'bearer':
      return { authorization: `Bearer ${as.token}` };
    case 'dev':
      return { 'x-user-id': String(as.userId) };
    case 'admin':
      return { 'x-admin-token': as.token ?? ADMIN_TOKEN };
    case 'hmac': {
      const ts = String(as.timestamp ?? Date.now());
      const signature = signRequest(as.apiSecret, ts, method, as.signPath ?? path, as.signBody ?? body);
      return { 'x-api-key': as.apiKey, 'x-timestamp': ts, 'x-signature': signature };
    }
  }
}

// ---- servers ----

export interface ServerOptions {
  readonly devAuth?: boolean;
  /** false: no admin token configured (admin routes answer 2003). Default true. */
  readonly admin?: boolean;
  readonly rateLimits?: Partial<typeof HIGH_RATES>;
  readonly queueCapacity?: number;
  readonly bodyLimitBytes?: number;
  readonly tokenTtlSeconds?: number;
  /** Failed-authentication throttling and replay cache (default: NO_AUTH_BANS). */
  readonly auth?: Partial<Config['auth']>;
  /** Default: silent. */
  readonly logger?: Logger;
  /** Any other settings, as `loadConfig` flags (e.g. `{ ws: { authTimeoutMs: 300 } }`). */
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly eventRetentionSeconds?: number;
  readonly eventPruneIntervalSeconds?: number;
}

export class TestServer {
  constructor(
    readonly name: string,
    readonly srv: RunningServer,
    readonly db: TestDatabase,
    private readonly log: LoggedResponse[],
  ) {}

  get url(): string {
    return this.srv.url;
  }

  get config(): Config {
    return this.srv.ctx.config;
  }

  /** One HTTP request over a real socket; every answer is logged (the suite checks that none was a 500). */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Res> {
    const text = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const headers: Record<string, string> = {
      ...(text !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {}),
      ...authHeaders(opts.as ?? NONE, method, path, text ?? ''),
      ...opts.headers,
    };
    const r = await fetch(this.url + path, { method, headers, body: text });
    const resText = await r.text();
    let body: Envelope | undefined;
    try {
      body = JSON.parse(resText) as Envelope;
    } catch {
      body = undefined;
    }
    this.log.push({ server: this.name, method, path, status: r.status, code: body?.code });
    assert.notEqual(r.status, 500, `${method} ${path} answered 500: ${resText}`);
    // Every answer must be what the OpenAPI document says (route, status, schema; accepted bodies too).
    const contentType = r.headers.get('content-type') ?? '';
    const requestBody = opts.raw === undefined ? opts.body : undefined;
    const problem = checkHttpResponse({ method, path, status: r.status, contentType, body, requestBody });
    assert.equal(problem, null, `the answer does not match /openapi.json: ${problem}`);
    return { status: r.status, headers: r.headers, text: resText, body };
  }

  get(path: string, as: Credentials = NONE): Promise<Res> {
    return this.request('GET', path, { as });
  }

  post(path: string, body: unknown, as: Credentials = NONE): Promise<Res> {
    return this.request('POST', path, { body, as });
  }

  /** GET that must succeed with 200; returns `data`. */
  async ok<T = Record<string, unknown>>(path: string, as: Credentials = NONE): Promise<T> {
    return expectOk<T>(await this.get(path, as));
  }

  /** A new user through POST /admin/users. */
  async createUser(): Promise<TestUser> {
    const d = expectOk<Record<string, unknown>>(await this.request('POST', '/api/v1/admin/users', { as: ADMIN }));
    const userId = d.user_id as number;
    const apiKey = d.api_key as string;
    const apiSecret = d.api_secret as string;
    const token = d.token as string;
    return {
      userId,
      apiKey,
      apiSecret,
      token,
      bearer: { kind: 'bearer', token },
      hmac: { kind: 'hmac', apiKey, apiSecret },
    };
  }

  async deposit(userId: number, asset: string, qty: string): Promise<void> {
    expectOk(await this.request('POST', '/api/v1/admin/deposit', { as: ADMIN, body: { user_id: userId, asset, qty } }));
  }

  /** A new user with deposits, e.g. `{ BTC: '1', USDT: '10000' }`. */
  async fundedUser(funds: Readonly<Record<string, string>> = {}): Promise<TestUser> {
    const u = await this.createUser();
    for (const [asset, qty] of Object.entries(funds)) await this.deposit(u.userId, asset, qty);
    return u;
  }

  /** POST /create_order that must be accepted (202); returns the order id. */
  async place(user: TestUser, order: Readonly<Record<string, unknown>>): Promise<number> {
    const d = expectOk<{ order_id: number }>(await this.post('/api/v1/create_order', order, user.bearer), 202);
    assert.equal(typeof d.order_id, 'number');
    return d.order_id;
  }

  /** POST /cancel_order that must answer 200; returns `data`. */
  async cancel(user: TestUser, body: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
    return expectOk(await this.post('/api/v1/cancel_order', body, user.bearer));
  }

  async order(user: TestUser, orderId: number): Promise<Record<string, unknown>> {
    return this.ok(`/api/v1/order/${orderId}`, user.bearer);
  }

  async balances(user: TestUser): Promise<Array<Record<string, string>>> {
    return (await this.ok<{ balances: Array<Record<string, string>> }>('/api/v1/balances', user.bearer)).balances;
  }

  /** The user's events (parsed), all of them by default. */
  async events(user: TestUser, query = ''): Promise<Array<Record<string, unknown>>> {
    return (await this.ok<{ events: Array<Record<string, unknown>> }>(`/api/v1/events${query}`, user.bearer)).events;
  }

  async metrics(): Promise<string> {
    const r = await this.get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    return r.text;
  }

  close(): Promise<void> {
    return this.srv.close();
  }
}

export const ADMIN: Credentials = { kind: 'admin' };

/** Owns the servers and databases of one suite; `cleanup()` closes and drops all of them. */
export class Lab {
  readonly log: LoggedResponse[] = [];
  private readonly servers: TestServer[] = [];
  private readonly dbs: TestDatabase[] = [];
  private n = 0;

  constructor(readonly kind: StoreKind) {}

  async database(): Promise<TestDatabase> {
    const db = await createDatabase(this.kind);
    this.dbs.push(db);
    return db;
  }

  /** The configuration of a test server (port 0 on 127.0.0.1, silent logs, fixed secrets). */
  config(db: TestDatabase, opts: ServerOptions = {}): Config {
    return loadConfig({
      flags: {
        port: 0,
        host: '127.0.0.1',
        databaseUrl: db.url,
        devAuth: opts.devAuth ?? false,
        adminToken: opts.admin === false ? undefined : ADMIN_TOKEN,
        tokenSecret: TOKEN_SECRET,
        encryptionKey: ENCRYPTION_KEY,
        rateLimits: { ...HIGH_RATES, ...opts.rateLimits },
        queueCapacity: opts.queueCapacity,
        bodyLimitBytes: opts.bodyLimitBytes,
        tokenTtlSeconds: opts.tokenTtlSeconds,
        auth: { ...NO_AUTH_BANS, ...opts.auth },
        eventRetentionSeconds: opts.eventRetentionSeconds,
        eventPruneIntervalSeconds: opts.eventPruneIntervalSeconds,
        logLevel: 'silent',
        ...opts.flags,
      },
      env: {},
    });
  }

  /** Starts a server on `db` (default: a new database). */
  async start(opts: ServerOptions = {}, db?: TestDatabase): Promise<TestServer> {
    const database = db ?? (await this.database());
    const srv = await startServer(this.config(database, opts), { logger: opts.logger ?? pino({ level: 'silent' }) });
    const s = new TestServer(`${this.kind}#${++this.n}`, srv, database, this.log);
    this.servers.push(s);
    return s;
  }

  /** Answers that were a server fault (HTTP 500 or code 5000). */
  serverErrors(): LoggedResponse[] {
    return this.log.filter((r) => r.status === 500 || r.code === 5000);
  }

  async cleanup(): Promise<void> {
    const errors: unknown[] = [];
    for (const s of this.servers.splice(0)) await s.close().catch((e: unknown) => errors.push(e));
    for (const d of this.dbs.splice(0)) await d.drop().catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  }
}

// ---- small helpers for assertions ----

/** Checks that every listed timestamp field is a plausible ms time and replaces it by 0 (for deepEqual). */
export function withoutTimes<T>(v: T): T {
  const keys = new Set(['created_at', 'updated_at', 'traded_at', 'accepted_at', 'ts']);
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (typeof x !== 'object' || x === null) return x;
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(x)) {
      if (keys.has(k)) {
        assert.ok(Number.isSafeInteger(val) && (val as number) > 1_600_000_000_000, `${k} must be a ms time: ${val}`);
        out[k] = 0;
      } else out[k] = walk(val);
    }
    return out;
  };
  return walk(v) as T;
}

/** The fields of a LIMIT order as GET /order answers them (times zeroed, see withoutTimes). */
export function limitOrder(o: {
  order_id: number;
  cid?: string | null;
  symbol?: string;
  side: 'BUY' | 'SELL';
  tif?: string;
  price: string;
  qty: string;
  filled_qty?: string;
  avg_price?: string | null;
  status: string;
  reject_reason?: string | null;
}): Record<string, unknown> {
  return {
    order_id: o.order_id,
    cid: o.cid ?? null,
    symbol: o.symbol ?? 'BTC_USDT',
    side: o.side,
    order_type: 'LIMIT',
    time_in_force: o.tif ?? 'GTC',
    price: o.price,
    qty: o.qty,
    quote_qty: null,
    filled_qty: o.filled_qty ?? '0.000000',
    avg_price: o.avg_price ?? null,
    status: o.status,
    reject_reason: o.reject_reason ?? null,
    created_at: 0,
    updated_at: 0,
  };
}

/** Seqs must be 1, 2, 3, … (gap-free, strictly increasing) from `first`. */
export function assertGapFree(events: ReadonlyArray<Record<string, unknown>>, first = 1): void {
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => first + i),
    'event seqs must be gap-free',
  );
}
