// Composition root of the `gateway` role: the HTTP API, /ws and the queries (read from PostgreSQL), with the
// engine reached over NATS (src/cluster/nats-engine-client.ts) instead of a worker thread, a watch on this
// gateway's own database link (src/cluster/store-watch.ts) that refuses orders while it is down, revocations
// shared with the other gateways (src/cluster/revocation-sync.ts), and the settle of commands that got no answer in
// time against the command log (src/cluster/settle.ts).

import { connect } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { NatsEngineClient } from '../cluster/nats-engine-client.js';
import { RevocationSync } from '../cluster/revocation-sync.js';
import { StoreWatch } from '../cluster/store-watch.js';
import { pgSettler } from '../cluster/settle.js';
import { clusterNames } from '../cluster/wire.js';
import { type RunningServer, startServer } from './server-node.js';
import { checkRole } from './role-requirements.js';

/** How often a gateway checks its database link, and how long a check may take before it counts as lost. */
const STORE_CHECK_INTERVAL_MS = 500;
const STORE_CHECK_TIMEOUT_MS = 2_000;
/** Revocations are reloaded from PostgreSQL this often even when no wake-up arrived (one lost on the broker). */
const REVOCATION_RELOAD_MS = 5_000;

export async function startGatewayNode(config: Config, opts: { logger?: Logger } = {}): Promise<RunningServer> {
  checkRole('gateway', config);
  // Reconnect attempts every 250 ms (not the client's 2 s): a broker restart costs the gateway little more than the
  // restart itself. No async traces: the client would otherwise build two Error objects (stack traces) for every
  // request, i.e. for every command's JetStream publish (~8% of a gateway's CPU at 700 orders/s); an error says
  // what failed all the same, only without where the request was started.
  const nc = await connect({
    servers: config.natsUrl as string,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    noAsyncTraces: true,
  });
  let storeWatch: StoreWatch | null = null;
  try {
    const srv = await startServer(config, {
      ...opts,
      engine: (c, log, store) => {
        storeWatch = new StoreWatch({
          ping: () => store.ping(),
          intervalMs: STORE_CHECK_INTERVAL_MS,
          timeoutMs: STORE_CHECK_TIMEOUT_MS,
          log,
        });
        storeWatch.start();
        const watch = storeWatch;
        return NatsEngineClient.start({
          nc,
          names: clusterNames(c.cluster.prefix),
          capacity: c.queueCapacity,
          commandTtlMs: c.cluster.commandTtlMs,
          deadlineMarginMs: c.cluster.deadlineMarginMs,
          duplicateWindowMs: c.cluster.duplicateWindowMs,
          leaderTimeoutMs: c.cluster.leaderTimeoutMs,
          log,
          storeProblem: () => watch.problem,
          // Its own small pool: a settle must not queue behind the gateway's reads.
          settler: pgSettler(c.databaseUrl, log),
        });
      },
    });
    const revocationSync = new RevocationSync({
      nc,
      subject: clusterNames(config.cluster.prefix).revokedSubject,
      revocations: srv.ctx.revocations,
      store: srv.ctx.store,
      reloadIntervalMs: REVOCATION_RELOAD_MS,
      log: opts.logger ?? { warn: () => undefined },
    });
    return {
      ...srv,
      async close() {
        await revocationSync.stop();
        storeWatch?.stop();
        await srv.close();
        await nc.close();
      },
    };
  } catch (e) {
    (storeWatch as StoreWatch | null)?.stop();
    await nc.close();
    throw e;
  }
}
