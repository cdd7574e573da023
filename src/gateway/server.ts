// Builds and runs the whole server: reading store, engine worker (core +
// settlement + writing store), market-data mirror, and the Fastify gateway
// with its error mapping, JSON parsing (raw body kept for signatures),
// metrics and redacted structured logs.

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, LogController } from 'fastify';
import { pino, type Logger } from 'pino';
import { type Config, configForLog, coreConfig, marketIndex } from '../config.js';
import { ApiError } from '../errors.js';
import { openStore, parseStoreUrl } from '../adapters/store/index.js';
import type { Store } from '../adapters/store/store.js';
import { EngineHost } from '../pipeline/engine-host.js';
import { MarketData } from '../pipeline/market-data.js';
import { PushServer } from '../push/push-server.js';
import { PINO_REDACT, newEncryptionKey, newTokenSecret } from './auth.js';
import type { GatewayContext, Secrets } from './context.js';
import { lazyChildLoggerFactory } from './lazy-logger.js';
import { Metrics } from './metrics.js';
import { RateLimiter } from './rate-limit.js';
import { adminRoutes } from './routes/admin.js';
import { opsRoutes } from './routes/ops.js';
import { publicRoutes } from './routes/public.js';
import { queryRoutes } from './routes/queries.js';
import { tradingRoutes } from './routes/trading.js';

/** The gateway's reader threads: two, so that one long read does not hold up every other (2-core machine). */
const READER_THREADS = 2;

/** Most trades read back at start-up to rebuild the ticker's last price and 24 h volume. */
const TICKER_WARM_TRADES = 100_000;

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly ctx: GatewayContext;
  readonly push: PushServer;
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly secretsFile: string | null;
  close(): Promise<void>;
}

export interface StartOptions {
  /** A logger to use (tests pass a silent one). */
  readonly logger?: Logger;
}

/** Directory for files the server keeps beside its data (SQLite file's folder, else ./data). */
export function dataDirOf(config: Config): string {
  try {
    const t = parseStoreUrl(config.databaseUrl);
    if (t.driver === 'sqlite' && t.path !== ':memory:') return dirname(t.path);
  } catch {
    // openStore reports a bad URL with its own message.
  }
  return 'data';
}

/**
 * Secrets not given in the configuration are generated once and kept in
 * <data dir>/secrets.json (mode 600), so tokens and API keys survive restarts
 * of a demo set-up. Values are never logged.
 */
export function resolveSecrets(config: Config, log: Logger): { secrets: Secrets; file: string | null } {
  if (config.tokenSecret !== null && config.encryptionKey !== null) {
    return {
      secrets: { tokenSecret: config.tokenSecret, encryptionKey: config.encryptionKey, adminToken: config.adminToken },
      file: null,
    };
  }
  const file = join(dataDirOf(config), 'secrets.json');
  let saved: Partial<Record<'tokenSecret' | 'encryptionKey' | 'adminToken', string>> = {};
  if (existsSync(file)) saved = JSON.parse(readFileSync(file, 'utf8')) as typeof saved;
  const next = {
    tokenSecret: saved.tokenSecret ?? newTokenSecret(),
    encryptionKey: saved.encryptionKey ?? newEncryptionKey(),
    adminToken: saved.adminToken ?? newTokenSecret(),
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  log.warn({ file }, 'secrets not configured: using generated ones kept in this file (set FILLSTREAM_* in production)');
  return {
    secrets: {
      tokenSecret: config.tokenSecret ?? next.tokenSecret,
      encryptionKey: config.encryptionKey ?? next.encryptionKey,
      adminToken: config.adminToken ?? next.adminToken,
    },
    file,
  };
}

function buildApp(ctx: GatewayContext, log: Logger): FastifyInstance {
  // Request ids: a random prefix per start and a counter (unique across restarts, cheaper than a UUID each).
  const bootId = randomBytes(4).toString('hex');
  let requests = 0;
  const app = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    bodyLimit: ctx.config.bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLoggerFactory,
    requestIdHeader: 'x-request-id',
    genReqId: () => `${bootId}-${(++requests).toString(36)}`,
  });
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    req.rawBody = text;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ApiError(1001, 'malformed JSON body'), undefined);
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.observeHttp(req.routeOptions.url ?? 'unknown', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    let api: ApiError;
    if (err instanceof ApiError) api = err;
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      api = new ApiError(4131, `request body larger than ${ctx.config.bodyLimitBytes} bytes`);
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      api = new ApiError(1001, 'send JSON with Content-Type: application/json');
    else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500)
      api = new ApiError(1001, err.message);
    else {
      req.log.error({ err, reqId: req.id }, 'internal error');
      api = new ApiError(5000, `internal error (request id ${req.id})`);
    }
    void reply.code(api.httpStatus).header('x-request-id', req.id).send(api.toBody());
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(400).send(new ApiError(1001, `no route ${req.method} ${req.url.split('?')[0]}`).toBody());
  });
  tradingRoutes(app, ctx);
  queryRoutes(app, ctx);
  publicRoutes(app, ctx);
  adminRoutes(app, ctx);
  opsRoutes(app, ctx);
  return app;
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.logger ?? pino({ level: config.logLevel, redact: PINO_REDACT });
  log.info({ config: configForLog(config) }, 'starting fillstream');
  if (config.devAuth) {
    log.warn(
      'DEVELOPMENT AUTH IS ON: X-User-ID headers and ?user_id= are trusted without any credential. Never use this in production.',
    );
  }
  const { secrets, file } = resolveSecrets(config, log);
  if (secrets.adminToken === null) log.warn('no admin token configured: admin routes are disabled');

  // Reads run on reader threads, off this event loop: SQLite's are synchronous, and decoding a large
  // PostgreSQL result is JavaScript work too.
  const store: Store = await openStore(config.databaseUrl, { readerThreads: READER_THREADS });
  let engine: EngineHost;
  try {
    engine = await EngineHost.start(
      {
        databaseUrl: config.databaseUrl,
        market: coreConfig(config),
        maxBatch: 4096,
        eventRetentionMs: config.eventRetentionSeconds * 1000,
        pruneIntervalMs: config.eventPruneIntervalSeconds * 1000,
      },
      config.queueCapacity,
    );
  } catch (e) {
    await store.close();
    throw e;
  }
  const metrics = new Metrics();
  const market = marketIndex(config);
  const marketData = new MarketData(market.symbols.map((s) => s.id));
  if (engine.snapshot !== null) marketData.applySnapshot(engine.snapshot);
  // Last price and 24 h volume survive restarts: replay the persisted trades of the last day into the mirror.
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const s of market.symbols) {
    const recent = (await store.marketTrades(s.id, TICKER_WARM_TRADES)).filter((t) => t.ts >= dayAgo).reverse();
    marketData.warm(s.id, recent);
  }
  engine.on('market', (m) => marketData.apply(m));
  engine.on('committed', (m) => {
    metrics.commitLatency.observe(m.commitMs / 1000);
    metrics.commitSync.observe(m.syncMs / 1000);
    metrics.commitBatchSize.observe(m.acks.length);
  });
  engine.on('storage', (s) => {
    if (s.ok) log.info('storage is back: commits resumed');
    else log.error({ error: s.error }, 'commit failed; retrying (new commands queue until the queue is full)');
  });
  engine.on('fatal', (error) => log.fatal({ error }, 'engine stopped'));
  engine.on('pruned', (p) => {
    if (p.error !== null)
      log.warn({ error: p.error, events: p.events }, 'event retention: pruning failed; retried later');
    else log.info({ events: p.events, ms: Math.round(p.ms) }, 'event retention: pruned old events');
    metrics.eventsPruned.inc(p.events);
  });
  log.info({ recoveredOrders: engine.recoveredOrders, store: store.kind }, 'recovery finished');

  const ctx: GatewayContext = {
    config,
    market,
    engine,
    store,
    marketData,
    limiter: new RateLimiter(config.rateLimits),
    metrics,
    secrets,
    clock: () => Date.now(),
  };
  const app = buildApp(ctx, log);
  const push = new PushServer({
    config,
    market,
    store,
    engine,
    marketData,
    metrics,
    tokenSecret: secrets.tokenSecret,
    log,
  });
  app.server.on('upgrade', (req, socket, head) => void push.handleUpgrade(req, socket, head));
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  let closed = false;
  return {
    app,
    ctx,
    url: `http://${host}:${port}`,
    secretsFile: file,
    push,
    /** Stops taking connections, commits what is queued, pushes it, closes sockets with 1001, then HTTP. */
    async close() {
      if (closed) return;
      closed = true;
      push.stopAccepting();
      await engine.stop();
      await push.close();
      await app.close();
      await store.close();
    },
  };
}
