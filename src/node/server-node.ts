// Composition root of a serving node (`serve`, and each `gateway` of a cluster through gateway-node.ts): opens the
// reading store, resolves the secrets, starts or is given the engine (a worker thread of this process, or the
// cluster's NATS transport), warms the market-data mirror, and wires the HTTP API (gateway/http-app.ts) and the
// WebSocket push server (push/push-server.ts) side by side on one listener, with the connection guard in front of
// both. It owns start-up order and shutdown order; the transports know nothing of each other.

import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { type Config, configForLog, coreConfig, marketIndex } from '../config.js';
import { openStore } from '../adapters/store/index.js';
import type { Store } from '../adapters/store/store.js';
import { EngineHost } from '../pipeline/engine-host.js';
import type { EnginePort } from '../pipeline/engine-port.js';
import { MarketData } from '../pipeline/market-data.js';
import { newestCandles } from '../pipeline/candle-store.js';
import { stageClock } from '../pipeline/protocol.js';
import { PushServer } from '../push/push-server.js';
import { PINO_REDACT, SIGNATURE_WINDOW_MS } from '../auth/credentials.js';
import { AuthThrottle } from '../auth/throttle.js';
import { ConnectionGuard, openFilesLimit } from '../gateway/connection-guard.js';
import type { GatewayContext } from '../gateway/context.js';
import { type RouteInfo, buildApp } from '../gateway/http-app.js';
import { Metrics } from '../metrics.js';
import { RateLimiter } from '../rate-limit.js';
import { ReplayGuard } from '../auth/replay-guard.js';
import { Revocations } from '../auth/revocations.js';
import { type ResolvedSecrets, resolveSecrets } from '../auth/secrets-file.js';

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
  /** Every route the gateway registered. */
  readonly routes: readonly RouteInfo[];
  close(): Promise<void>;
}

export interface StartOptions {
  /** A logger to use (tests pass a silent one). */
  readonly logger?: Logger;
  /**
   * Where the engine is: default, an engine worker thread of this process (serve); a cluster gateway passes its
   * NATS transport (src/node/gateway-node.ts); it is given this process's reading store.
   */
  readonly engine?: (config: Config, log: Logger, store: Store) => Promise<EnginePort>;
}

/** The listen address is taken by another process. */
export class ListenAddressInUseError extends Error {
  constructor(host: string, port: number) {
    super(
      `${host}:${port} is already in use (another server is listening there): stop it, or choose another port ` +
        `with --port or FILLSTREAM_PORT`,
    );
  }
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.logger ?? pino({ level: config.logLevel, redact: PINO_REDACT });
  log.info({ config: configForLog(config) }, 'starting fillstream');
  if (config.devAuth) {
    log.warn(
      'DEVELOPMENT AUTH IS ON: X-User-ID headers and ?user_id= are trusted without any credential. Never use this in production.',
    );
  }
  // Reads run on reader threads, off this event loop: SQLite's are synchronous, and decoding a large
  // PostgreSQL result is JavaScript work too.
  const store: Store = await openStore(config.databaseUrl, { readerThreads: READER_THREADS });
  let resolved: ResolvedSecrets;
  try {
    resolved = resolveSecrets(config, log, await store.anyApiKey());
  } catch (e) {
    await store.close();
    throw e;
  }
  const { secrets, file } = resolved;
  if (secrets.adminToken === null) log.warn('no admin token configured: admin routes are disabled');
  let engine: EnginePort;
  try {
    engine = opts.engine
      ? await opts.engine(config, log, store)
      : await EngineHost.start(
          {
            databaseUrl: config.databaseUrl,
            market: coreConfig(config),
            maxBatch: 4096,
            eventRetentionMs: config.eventRetentionSeconds * 1000,
            pruneIntervalMs: config.eventPruneIntervalSeconds * 1000,
            rateLimits: config.rateLimits,
          },
          config.queueCapacity,
        );
  } catch (e) {
    await store.close();
    throw e;
  }
  const metrics = new Metrics();
  // A cluster gateway shows who leads the engines (the first leader may have been heard already) and its settles.
  const leadership = engine.leadership;
  if (leadership !== undefined) {
    metrics.trackLeadership(() => engine.leadership ?? leadership);
    if (leadership.leader !== null) metrics.leaderHeard(leadership.leader, false);
    engine.on('leader', (l) => metrics.leaderHeard(l.leader, l.changed));
    metrics.trackSettles();
    engine.on('settled', (o) => metrics.settled(o));
  }
  const market = marketIndex(config);
  const marketData = new MarketData(market.symbols.map((s) => s.id));
  if (engine.snapshot !== null) marketData.applySnapshot(engine.snapshot);
  // Listen before the warm-up reads below: what the engine sends meanwhile (market data, a cluster gateway's
  // re-snapshot) waits for them instead of being lost to the mirror; then it applies in arrival order.
  let warming: Array<() => void> | null = [];
  const inOrder = (fn: () => void): void => {
    if (warming === null) fn();
    else warming.push(fn);
  };
  engine.on('market', (m) => inOrder(() => marketData.apply(m)));
  engine.on('clock', (ts) => inOrder(() => marketData.clock(ts)));
  // A transport that saw a gap in market data starts the mirror over from a fresh snapshot (cluster gateways).
  engine.on('snapshot', (m) => inOrder(() => marketData.applySnapshot(m)));
  // Last price and 24 h volume survive restarts: replay the persisted trades of the last day into the mirror.
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const s of market.symbols) {
    const recent = (await store.marketTrades(s.id, TICKER_WARM_TRADES)).filter((t) => t.ts >= dayAgo).reverse();
    marketData.warm(s.id, recent);
  }
  // Candles go on from the newest stored ones; the engine's clock closes them on time.
  const warmAt = Date.now();
  for (const k of await newestCandles(
    store,
    market.symbols.map((s) => s.id),
  ))
    marketData.klines.warm(k, warmAt);
  for (const fn of warming) fn();
  warming = null;
  // Stages: taken before the push server's listener writes the batch's pushes, and after (registered below).
  let handledAt = 0;
  engine.on('committed', (m) => {
    handledAt = stageClock();
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
    revocations: await Revocations.load(store),
    replay: new ReplayGuard(SIGNATURE_WINDOW_MS, config.auth.replayCacheMax),
    throttle: new AuthThrottle(config.auth),
  };
  const guard = new ConnectionGuard(config.limits, openFilesLimit(), (reason) =>
    metrics.connectionsRefused.inc({ reason }),
  );
  if (guard.maxConnections < config.limits.maxConnections) {
    log.warn(
      { configured: config.limits.maxConnections, used: guard.maxConnections },
      'limits.maxConnections lowered to what the open-files limit of this process can hold',
    );
  }
  metrics.trackConnections(() => guard.connections);
  const { app, routes } = buildApp(ctx, guard, log);
  const push = new PushServer({
    config,
    market,
    store,
    engine,
    marketData,
    metrics,
    tokenSecret: secrets.tokenSecret,
    log,
    revocations: ctx.revocations,
    throttle: ctx.throttle,
    orders: ctx,
  });
  engine.on('committed', (m) => metrics.observeStages(m.stages, handledAt, stageClock()));
  app.server.on('upgrade', (req, socket, head) => {
    const refusal = guard.refusal(socket as Socket);
    if (refusal !== null) push.refuseUpgrade(req, socket, head, ConnectionGuard.message(refusal));
    else void push.handleUpgrade(req, socket, head);
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    // Nothing was served: release what started (the engine thread would keep the process alive).
    await engine.stop().catch(() => undefined);
    await push.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new ListenAddressInUseError(config.host, config.port);
    throw e;
  }
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
    routes,
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
