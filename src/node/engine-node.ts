// Composition root of the `engine` role: one process with the sequencer, the core, settlement and the writing
// store (PostgreSQL), taking commands from the NATS command stream and publishing what it commits
// (src/cluster/nats-engine-server.ts).

import pg from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { type Config, coreConfig } from '../config.js';
import { NatsEngineServer } from '../cluster/nats-engine-server.js';
import { clusterNames } from '../cluster/wire.js';
import { checkRole } from './role-requirements.js';

export interface RunningEngineNode {
  readonly server: NatsEngineServer;
  /** Lets every taken command commit and publish, then disconnects. */
  close(): Promise<void>;
}

export async function startEngineNode(config: Config, log: Logger): Promise<RunningEngineNode> {
  checkRole('engine', config);
  const nc: NatsConnection = await connect({ servers: config.natsUrl as string, maxReconnectAttempts: -1 });
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
  pool.on('error', (e) => log.warn({ err: e.message }, 'command log: idle connection error'));
  let server: NatsEngineServer;
  try {
    server = await NatsEngineServer.start({
      nc,
      names: clusterNames(config.cluster.prefix),
      pool,
      init: {
        databaseUrl: config.databaseUrl,
        market: coreConfig(config),
        maxBatch: 4096,
        eventRetentionMs: config.eventRetentionSeconds * 1000,
        pruneIntervalMs: config.eventPruneIntervalSeconds * 1000,
      },
      duplicateWindowMs: config.cluster.duplicateWindowMs,
      log,
    });
  } catch (e) {
    await nc.close();
    await pool.end();
    throw e;
  }
  server.on('storage', (s) => {
    if (s.ok) log.info('storage is back: commits resumed');
    else log.error({ error: s.error }, 'commit failed; retrying');
  });
  log.info({ recoveredOrders: server.recoveredOrders, epoch: server.epoch }, 'engine ready');
  return {
    server,
    async close() {
      await server.stop();
      await nc.drain();
      await pool.end();
    },
  };
}
