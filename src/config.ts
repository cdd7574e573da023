// The one configuration object: every setting's default and env name side by side, validated (zod), deeply frozen.
// Precedence per setting: flags > env > config file (JSON) > defaults. Nothing else in the project reads process.env.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { CoreConfig } from './core/types.js';
import { type MarketConfig, DEFAULT_MARKET_INPUT, MarketConfigError, buildMarket } from './market-config.js';

export {
  type MarketConfig,
  type MarketIndex,
  DEFAULT_MARKET_INPUT,
  MarketConfigError,
  buildMarket,
  marketIndex,
} from './market-config.js';

/** A bad setting: the message names the setting and where it came from. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly devAuth: boolean;
  /** null: admin routes answer 2003 and the server logs that admin is disabled. */
  readonly adminToken: string | null;
  /** null: the server generates one per process (tokens do not survive restarts) and warns. */
  readonly tokenSecret: string | null;
  /** AES-256 key (64 hex digits or base64 of 32 bytes) for API secrets at rest; null: same policy as tokenSecret. */
  readonly encryptionKey: string | null;
  readonly tokenTtlSeconds: number;
  readonly rateLimits: {
    readonly ordersPerSec: number;
    readonly cancelsPerSec: number;
    readonly queriesPerSec: number;
  };
  readonly queueCapacity: number;
  readonly bodyLimitBytes: number;
  /** Slow or idle clients (see gateway/http-server.ts). */
  readonly http: {
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
  };
  /** TCP connections (HTTP and WebSocket together), refused with 503 / close 1013 past these. */
  readonly limits: {
    readonly maxConnections: number;
    readonly maxConnectionsPerIp: number;
  };
  readonly logLevel: LogLevel;
  readonly feeAccountId: number;
  /** Private events older than this are pruned from the log (a user's newest row always stays); resume beyond: resync. */
  readonly eventRetentionSeconds: number;
  /** How often the engine worker prunes the event log. */
  readonly eventPruneIntervalSeconds: number;
  readonly ws: {
    readonly authTimeoutMs: number;
    readonly pingIntervalMs: number;
    readonly maxConnectionsPerUser: number;
    readonly maxAnonymousConnections: number;
    readonly maxFrameBytes: number;
    readonly messagesPerSec: number;
    readonly maxBacklogBytes: number;
    readonly maxBacklogMessages: number;
    /** Public subscriptions one connection may hold at once (a channel of a symbol; each depth size counts). */
    readonly maxSubscriptions: number;
    /** Order requests (order.place / order.cancel, each order of a batch) one connection may have unanswered. */
    readonly maxOrdersInFlight: number;
    /** Frames written to one socket in one event-loop turn leave in one write (cork/uncork); off: one per frame. */
    readonly coalesceWrites: boolean;
  };
  /** Failed-authentication throttling (per source IP and per API key) and the signature replay cache. */
  readonly auth: {
    readonly maxFailures: number;
    readonly failureWindowMs: number;
    readonly banMs: number;
    readonly replayCacheMax: number;
  };
  /** NATS server of a cluster (roles `engine` and `gateway`); null: no broker (serve). */
  readonly natsUrl: string | null;
  /** The cluster roles (src/node/): NATS names, command deadlines, the command stream's duplicate window. */
  readonly cluster: {
    /** Prefix of every subject and stream (clusters sharing one NATS server use different ones). */
    readonly prefix: string;
    /** A command's deadline is this long after a gateway took it; the engine never applies it later. */
    readonly commandTtlMs: number;
    /**
     * After a command's deadline the engine's clock refuses it; a batch holding it whose deadline plus this margin
     * has passed by the database's clock is rolled back (the engine steps down); and only once it has passed does a
     * gateway that got no answer settle the command against the command log (src/cluster/settle.ts).
     */
    readonly deadlineMarginMs: number;
    /** JetStream drops a command republished with the same id within this window. */
    readonly duplicateWindowMs: number;
    /** The engines' leader lease (NATS KV TTL): a standby takes over this long after the leader stops renewing. */
    readonly leaseMs: number;
    /**
     * A gateway counts the engines as leaderless (/readyz 503 "no engine leader", fillstream_engine_leader_up 0)
     * when no leader announcement arrived for this long (the leader announces itself about once a second).
     */
    readonly leaderTimeoutMs: number;
  };
  readonly market: MarketConfig;
  /** Where each setting's value came from (keys as in SETTINGS, plus "market"). */
  readonly sources: Readonly<Record<string, ConfigSource>>;
}

// ---- The table: setting -> default / env name / validation ----

interface Setting<T> {
  readonly def: T;
  readonly env: string;
  readonly kind: 'int' | 'bool' | 'string';
  readonly schema: z.ZodType<T>;
  readonly expect: string;
  /** Never echo the value in an error message. */
  readonly secret?: boolean;
}

const int = (def: number, env: string, min: number, max: number): Setting<number> => ({
  def,
  env,
  kind: 'int',
  schema: z.number().int().min(min).max(max),
  expect: `an integer ${min}..${max}`,
});
const bool = (def: boolean, env: string): Setting<boolean> => ({
  def,
  env,
  kind: 'bool',
  schema: z.boolean(),
  expect: 'a boolean (true/false, 1/0, yes/no, on/off)',
});
const text = <T extends string>(def: T, env: string, schema: z.ZodType<T>, expect: string): Setting<T> => ({
  def,
  env,
  kind: 'string',
  schema,
  expect,
});
const secret = (env: string, schema: z.ZodType<string>, expect: string): Setting<string | null> => ({
  def: null,
  env,
  kind: 'string',
  schema,
  expect,
  secret: true,
});

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** 32 bytes as 64 hex digits, or as standard base64 (44 characters, one "=" of padding). */
export const ENCRYPTION_KEY_PATTERN = /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)$/;

export const SETTINGS = {
  port: int(8080, 'FILLSTREAM_PORT', 0, 65535), // 0: any free port (tests)
  host: text('0.0.0.0', 'FILLSTREAM_HOST', z.string().regex(/^[^\s/]{1,253}$/), 'a host name or IP address'),
  databaseUrl: text(
    'sqlite:./data/fillstream.db',
    'DATABASE_URL',
    z.string().regex(/^(?:sqlite:.+|postgres(?:ql)?:\/\/.+)$/),
    'a sqlite:PATH or postgres://… URL',
  ),
  devAuth: bool(false, 'FILLSTREAM_DEV_AUTH'),
  adminToken: secret('FILLSTREAM_ADMIN_TOKEN', z.string().min(16).max(512), 'a string of 16..512 characters'),
  tokenSecret: secret('FILLSTREAM_TOKEN_SECRET', z.string().min(32).max(512), 'a string of 32..512 characters'),
  encryptionKey: secret(
    'FILLSTREAM_ENCRYPTION_KEY',
    z.string().regex(ENCRYPTION_KEY_PATTERN),
    '32 bytes as 64 hex digits or as base64',
  ),
  tokenTtlSeconds: int(3600, 'FILLSTREAM_TOKEN_TTL_SECONDS', 60, 30 * 24 * 3600),
  'rateLimits.ordersPerSec': int(10, 'FILLSTREAM_RATE_ORDERS', 1, 1_000_000),
  'rateLimits.cancelsPerSec': int(10, 'FILLSTREAM_RATE_CANCELS', 1, 1_000_000),
  'rateLimits.queriesPerSec': int(100, 'FILLSTREAM_RATE_QUERIES', 1, 1_000_000),
  queueCapacity: int(10_000, 'FILLSTREAM_QUEUE_CAPACITY', 1, 10_000_000),
  bodyLimitBytes: int(16_384, 'FILLSTREAM_BODY_LIMIT_BYTES', 256, 16 * 1024 * 1024),
  'http.requestTimeoutMs': int(10_000, 'FILLSTREAM_HTTP_REQUEST_TIMEOUT_MS', 100, 600_000),
  'http.headersTimeoutMs': int(5_000, 'FILLSTREAM_HTTP_HEADERS_TIMEOUT_MS', 100, 600_000),
  'http.keepAliveTimeoutMs': int(5_000, 'FILLSTREAM_HTTP_KEEP_ALIVE_TIMEOUT_MS', 100, 600_000),
  'limits.maxConnections': int(10_000, 'FILLSTREAM_MAX_CONNECTIONS', 1, 10_000_000),
  // Half the server by default: one address (or one proxy: see docs/api.md) can never take every connection.
  'limits.maxConnectionsPerIp': int(5_000, 'FILLSTREAM_MAX_CONNECTIONS_PER_IP', 1, 10_000_000),
  logLevel: text<LogLevel>('info', 'FILLSTREAM_LOG_LEVEL', z.enum(LOG_LEVELS), `one of ${LOG_LEVELS.join(', ')}`),
  feeAccountId: int(1, 'FILLSTREAM_FEE_ACCOUNT_ID', 1, MAX_SAFE),
  eventRetentionSeconds: int(86_400, 'FILLSTREAM_EVENT_RETENTION_SECONDS', 1, 366 * 86_400),
  eventPruneIntervalSeconds: int(60, 'FILLSTREAM_EVENT_PRUNE_INTERVAL_SECONDS', 1, 86_400),
  'ws.authTimeoutMs': int(10_000, 'FILLSTREAM_WS_AUTH_TIMEOUT_MS', 100, 600_000),
  'ws.pingIntervalMs': int(30_000, 'FILLSTREAM_WS_PING_INTERVAL_MS', 100, 600_000),
  'ws.maxConnectionsPerUser': int(10, 'FILLSTREAM_WS_MAX_CONNECTIONS_PER_USER', 1, 10_000),
  'ws.maxAnonymousConnections': int(5_000, 'FILLSTREAM_WS_MAX_ANONYMOUS_CONNECTIONS', 0, 10_000_000),
  'ws.maxFrameBytes': int(16_384, 'FILLSTREAM_WS_MAX_FRAME_BYTES', 256, 16 * 1024 * 1024),
  'ws.messagesPerSec': int(100, 'FILLSTREAM_WS_RATE_MESSAGES', 1, 1_000_000),
  'ws.maxBacklogBytes': int(4 * 1024 * 1024, 'FILLSTREAM_WS_MAX_BACKLOG_BYTES', 1024, 1024 * 1024 * 1024),
  'ws.maxBacklogMessages': int(10_000, 'FILLSTREAM_WS_MAX_BACKLOG_MESSAGES', 1, 10_000_000),
  // maxFailures failed authentications within failureWindowMs from one IP (or with one API key) start a ban of banMs
  // (4291 before any credential is checked). replayCacheMax: signatures remembered at most (then signed requests get
  // 5001 until some expire).
  'auth.maxFailures': int(20, 'FILLSTREAM_AUTH_MAX_FAILURES', 1, 1_000_000_000),
  'auth.failureWindowMs': int(60_000, 'FILLSTREAM_AUTH_FAILURE_WINDOW_MS', 1000, 24 * 3600_000),
  'auth.banMs': int(120_000, 'FILLSTREAM_AUTH_BAN_MS', 1000, 7 * 24 * 3600_000),
  'auth.replayCacheMax': int(200_000, 'FILLSTREAM_AUTH_REPLAY_CACHE_MAX', 100, 10_000_000),
  // 50: every channel of a few symbols (trades + ticker + one or two depth sizes each) with room to spare, while
  // one connection's subscriptions (and the snapshots a subscribe sends) stay bounded.
  'ws.maxSubscriptions': int(50, 'FILLSTREAM_WS_MAX_SUBSCRIPTIONS', 1, 10_000),
  // Order entry on /ws: unanswered orders per connection (a batch counts each order). 100: ten times the default
  // per-user order rate, and ten connections of one user (the default cap) cannot fill the engine queue (10,000).
  'ws.maxOrdersInFlight': int(100, 'FILLSTREAM_WS_MAX_ORDERS_IN_FLIGHT', 1, 1_000_000),
  // On by default since 2026-12-04: bench:orders --compare-coalescing measured 1.13x/1.23x WebSocket orders/s at
  // 64/512 in flight (fewer writev calls). When it was added (2e18a93), test/push/push.test.ts "consistency" saw
  // ECONNRESET on its burst of HTTP queries with it on; that did not recur in 3 full suites and 12 runs of that file.
  'ws.coalesceWrites': bool(true, 'FILLSTREAM_WS_COALESCE_WRITES'),
  natsUrl: {
    def: null,
    env: 'FILLSTREAM_NATS_URL',
    kind: 'string',
    schema: z.string().regex(/^(?:nats|tls):\/\/[^\s]+$/),
    expect: 'a nats://host:port URL',
  } as Setting<string | null>,
  'cluster.prefix': text(
    'fillstream',
    'FILLSTREAM_CLUSTER_PREFIX',
    z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
    '1..40 letters, digits, _ or -',
  ),
  'cluster.commandTtlMs': int(5_000, 'FILLSTREAM_CLUSTER_COMMAND_TTL_MS', 100, 60_000),
  'cluster.deadlineMarginMs': int(1_000, 'FILLSTREAM_CLUSTER_DEADLINE_MARGIN_MS', 100, 60_000),
  'cluster.duplicateWindowMs': int(120_000, 'FILLSTREAM_CLUSTER_DUPLICATE_WINDOW_MS', 1_000, 24 * 3600_000),
  'cluster.leaseMs': int(2_000, 'FILLSTREAM_CLUSTER_LEASE_MS', 500, 60_000),
  // Five announcements missed; above the default lease (2 s), so a quick takeover does not flip every gateway.
  'cluster.leaderTimeoutMs': int(5_000, 'FILLSTREAM_CLUSTER_LEADER_TIMEOUT_MS', 1_500, 600_000),
} as const;

export type SettingKey = keyof typeof SETTINGS;
type Value<K extends SettingKey> = (typeof SETTINGS)[K] extends Setting<infer T> ? T : never;

/** Env var naming the config file when `file` is not given. */
export const CONFIG_FILE_ENV = 'FILLSTREAM_CONFIG';

// ---- Loading ----

export interface LoadConfigOptions {
  /** Keys as in SETTINGS ("port", "rateLimits.ordersPerSec") or nested objects, plus "market"; undefined = not given. */
  readonly flags?: Partial<Record<string, unknown>>;
  readonly env?: Record<string, string | undefined>;
  /** Path of a JSON config file (default: $FILLSTREAM_CONFIG, else none). */
  readonly file?: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flattens nested objects to dotted keys (except `market`, which is one setting). */
function flatten(obj: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (isPlainObject(v) && key !== 'market') flatten(v, `${key}.`, out);
    else if (v !== undefined) out.set(key, v);
  }
  return out;
}

function readFile(path: string): Map<string, unknown> {
  let textContent: string;
  try {
    textContent = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`config file ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(textContent);
  } catch (e) {
    throw new ConfigError(`config file ${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(json)) throw new ConfigError(`config file ${path}: expected a JSON object`);
  return flatten(json);
}

function fromText(kind: Setting<unknown>['kind'], t: string): unknown {
  if (kind === 'int') return /^-?[0-9]{1,16}$/.test(t) ? Number(t) : t;
  if (kind === 'bool') {
    const l = t.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(l)) return true;
    if (['false', '0', 'no', 'off'].includes(l)) return false;
  }
  return t;
}

/** Hides the password of a database URL. */
export function maskUrl(url: string): string {
  return url.replace(/:\/\/([^:@/]*):[^@/]*@/, '://$1:***@');
}

function show(key: string, setting: Setting<unknown>, v: unknown): string {
  if (setting.secret === true) return typeof v === 'string' ? `<hidden, ${v.length} characters>` : `<hidden>`;
  const s =
    JSON.stringify(typeof v === 'string' && (key === 'databaseUrl' || key === 'natsUrl') ? maskUrl(v) : v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** Builds THE configuration. Throws ConfigError naming the setting and its source. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? {};
  const flags = flatten(opts.flags ?? {});
  const filePath = opts.file ?? (env[CONFIG_FILE_ENV] || undefined);
  const file = filePath === undefined ? new Map<string, unknown>() : readFile(filePath);
  const known = new Set<string>([...Object.keys(SETTINGS), 'market']);
  for (const [k] of flags) if (!known.has(k)) throw new ConfigError(`flag ${k}: unknown setting`);
  for (const [k] of file) if (!known.has(k)) throw new ConfigError(`config file ${filePath}: ${k}: unknown setting`);
  const envNames = new Set<string>([...Object.values(SETTINGS).map((s) => s.env), CONFIG_FILE_ENV]);
  for (const name of Object.keys(env)) {
    if (name.startsWith('FILLSTREAM_') && !envNames.has(name) && env[name] !== undefined) {
      throw new ConfigError(
        `${name}: unknown setting (known: ${[...envNames].filter((n) => n !== 'DATABASE_URL').join(', ')})`,
      );
    }
  }

  const sources: Record<string, ConfigSource> = {};
  const values = new Map<string, unknown>();
  for (const [key, setting] of Object.entries(SETTINGS) as [SettingKey, Setting<unknown>][]) {
    let raw: unknown;
    let label: string;
    let source: ConfigSource;
    const envText = env[setting.env];
    if (flags.has(key)) {
      raw = flags.get(key);
      source = 'flag';
      label = `flag ${key}=${show(key, setting, raw)}`;
      if (typeof raw === 'string') raw = fromText(setting.kind, raw);
    } else if (envText !== undefined && envText !== '') {
      raw = fromText(setting.kind, envText);
      source = 'env';
      label = `${setting.env}=${show(key, setting, envText)}`;
    } else if (file.has(key)) {
      raw = file.get(key);
      source = 'file';
      label = `config file ${filePath}: ${key}=${show(key, setting, raw)}`;
    } else {
      sources[key] = 'default';
      values.set(key, setting.def);
      continue;
    }
    const r = setting.schema.safeParse(raw);
    if (!r.success) throw new ConfigError(`${label}: expected ${setting.expect}`);
    sources[key] = source;
    values.set(key, r.data);
  }
  const [marketRaw, marketSource, where]: [unknown, ConfigSource, string] = flags.has('market')
    ? [flags.get('market'), 'flag', 'flag ']
    : file.has('market')
      ? [file.get('market'), 'file', `config file ${filePath}: `]
      : [DEFAULT_MARKET_INPUT, 'default', 'default '];
  let market: MarketConfig;
  try {
    market = buildMarket(marketRaw);
  } catch (e) {
    throw e instanceof MarketConfigError ? new ConfigError(where + e.message) : e;
  }
  sources.market = marketSource;

  const v = <K extends SettingKey>(k: K) => values.get(k) as Value<K>;
  if (v('http.headersTimeoutMs') > v('http.requestTimeoutMs')) {
    throw new ConfigError(
      `http.headersTimeoutMs (${v('http.headersTimeoutMs')}, ${sources['http.headersTimeoutMs']}) must not exceed ` +
        `http.requestTimeoutMs (${v('http.requestTimeoutMs')}, ${sources['http.requestTimeoutMs']}): the headers are part of the request`,
    );
  }
  // A gateway republishes a command under the same Nats-Msg-Id until its deadline and waits for its answer until the
  // margin has passed: JetStream must still know the id then, or a late republish could be stored twice.
  if (v('cluster.commandTtlMs') + v('cluster.deadlineMarginMs') > v('cluster.duplicateWindowMs')) {
    throw new ConfigError(
      `cluster.commandTtlMs (${v('cluster.commandTtlMs')}) + cluster.deadlineMarginMs (${v('cluster.deadlineMarginMs')}) ` +
        `must not exceed cluster.duplicateWindowMs (${v('cluster.duplicateWindowMs')}): a command is republished ` +
        'under the same id until then',
    );
  }
  const config: Config = {
    port: v('port'),
    host: v('host'),
    databaseUrl: v('databaseUrl'),
    devAuth: v('devAuth'),
    adminToken: v('adminToken'),
    tokenSecret: v('tokenSecret'),
    encryptionKey: v('encryptionKey'),
    tokenTtlSeconds: v('tokenTtlSeconds'),
    rateLimits: {
      ordersPerSec: v('rateLimits.ordersPerSec'),
      cancelsPerSec: v('rateLimits.cancelsPerSec'),
      queriesPerSec: v('rateLimits.queriesPerSec'),
    },
    queueCapacity: v('queueCapacity'),
    bodyLimitBytes: v('bodyLimitBytes'),
    http: {
      requestTimeoutMs: v('http.requestTimeoutMs'),
      headersTimeoutMs: v('http.headersTimeoutMs'),
      keepAliveTimeoutMs: v('http.keepAliveTimeoutMs'),
    },
    limits: {
      maxConnections: v('limits.maxConnections'),
      maxConnectionsPerIp: v('limits.maxConnectionsPerIp'),
    },
    logLevel: v('logLevel'),
    feeAccountId: v('feeAccountId'),
    eventRetentionSeconds: v('eventRetentionSeconds'),
    eventPruneIntervalSeconds: v('eventPruneIntervalSeconds'),
    ws: {
      authTimeoutMs: v('ws.authTimeoutMs'),
      pingIntervalMs: v('ws.pingIntervalMs'),
      maxConnectionsPerUser: v('ws.maxConnectionsPerUser'),
      maxAnonymousConnections: v('ws.maxAnonymousConnections'),
      maxFrameBytes: v('ws.maxFrameBytes'),
      messagesPerSec: v('ws.messagesPerSec'),
      maxBacklogBytes: v('ws.maxBacklogBytes'),
      maxBacklogMessages: v('ws.maxBacklogMessages'),
      maxSubscriptions: v('ws.maxSubscriptions'),
      maxOrdersInFlight: v('ws.maxOrdersInFlight'),
      coalesceWrites: v('ws.coalesceWrites'),
    },
    auth: {
      maxFailures: v('auth.maxFailures'),
      failureWindowMs: v('auth.failureWindowMs'),
      banMs: v('auth.banMs'),
      replayCacheMax: v('auth.replayCacheMax'),
    },
    natsUrl: v('natsUrl'),
    cluster: {
      prefix: v('cluster.prefix'),
      commandTtlMs: v('cluster.commandTtlMs'),
      deadlineMarginMs: v('cluster.deadlineMarginMs'),
      duplicateWindowMs: v('cluster.duplicateWindowMs'),
      leaseMs: v('cluster.leaseMs'),
      leaderTimeoutMs: v('cluster.leaderTimeoutMs'),
    },
    market,
    sources,
  };
  return deepFreeze(config);
}

/** The config safe to log: secrets replaced by "[set]" / null, database password masked, market left out. */
export function configForLog(config: Config): Record<string, unknown> {
  const { market: _market, sources: _sources, ...rest } = config;
  return {
    ...rest,
    databaseUrl: maskUrl(config.databaseUrl),
    natsUrl: config.natsUrl === null ? null : maskUrl(config.natsUrl),
    adminToken: config.adminToken === null ? null : '[set]',
    tokenSecret: config.tokenSecret === null ? null : '[set]',
    encryptionKey: config.encryptionKey === null ? null : '[set]',
    assets: config.market.assets.map((a) => a.name),
    symbols: config.market.symbols.map((s) => s.name),
  };
}

/** What the core's Engine takes. */
export function coreConfig(config: Config): CoreConfig {
  return { assets: config.market.assets, symbols: config.market.symbols, feeAccountId: config.feeAccountId };
}
