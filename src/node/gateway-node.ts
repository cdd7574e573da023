// Composition root of the `gateway` role: the HTTP API, /ws and the queries (read from PostgreSQL), with the
// engine reached over NATS (src/cluster/nats-engine-client.ts) instead of a worker thread.

import { connect } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { NatsEngineClient } from '../cluster/nats-engine-client.js';
import { clusterNames } from '../cluster/wire.js';
import { type RunningServer, startServer } from '../gateway/server.js';
import { checkRole } from './role-requirements.js';

export async function startGatewayNode(config: Config, opts: { logger?: Logger } = {}): Promise<RunningServer> {
  checkRole('gateway', config);
  const nc = await connect({ servers: config.natsUrl as string, maxReconnectAttempts: -1 });
  try {
    const srv = await startServer(config, {
      ...opts,
      engine: (c, log) =>
        NatsEngineClient.start({
          nc,
          names: clusterNames(c.cluster.prefix),
          capacity: c.queueCapacity,
          commandTtlMs: c.cluster.commandTtlMs,
          duplicateWindowMs: c.cluster.duplicateWindowMs,
          log,
        }),
    });
    return {
      ...srv,
      async close() {
        await srv.close();
        await nc.close();
      },
    };
  } catch (e) {
    await nc.close();
    throw e;
  }
}
