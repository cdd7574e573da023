// Composition root of the `engine` role: one process with the sequencer, the core, settlement and the writing
// store (PostgreSQL), taking commands from the NATS command stream and publishing what it commits
// (src/cluster/nats-engine-server.ts). Any number of engine processes may run: one leads (the NATS KV lease of
// src/cluster/leader-lease.ts, epoch = lease revision), the others wait as standbys and take over once the lease
// expires. Taking over = raise the epoch in PostgreSQL (cluster_leader, the fence every batch checks), then recover
// from PostgreSQL (state, invariants, consumed position) and consume what is left. A leader whose lease expired while
// the broker was unreachable keeps trying to renew it (and leads on once it has); one whose lease another node took
// stops.
// The leader names itself to the gateways (node id, epoch, since when) on the leader subject (nats-engine-server.ts).

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { type Config, coreConfig } from '../config.js';
import { NatsEngineServer } from '../cluster/nats-engine-server.js';
import { clusterNames } from '../cluster/wire.js';
import { LeaderLease } from '../cluster/leader-lease.js';
import { ensureCommandLog, raiseFence } from '../adapters/store/command-log-sql.js';
import { checkRole } from './role-requirements.js';

export interface RunningEngineNode {
  readonly server: NatsEngineServer;
  /** This engine's leadership; 'lost' means it must stop (a later leader took over or it could not renew). */
  readonly lease: LeaderLease;
  /** The leadership epoch (KV revision, also in cluster_leader). */
  readonly leaderEpoch: number;
  /** Lets every taken command commit and publish, then disconnects. */
  close(): Promise<void>;
}

export async function startEngineNode(config: Config, log: Logger): Promise<RunningEngineNode> {
  checkRole('engine', config);
  // Reconnect attempts every 250 ms (not the client's 2 s): after a broker restart the leader is back on it, and
  // renews or takes back its lease, well within the two leases a reconnected standby waits (leader-lease.ts).
  const nc: NatsConnection = await connect({
    servers: config.natsUrl as string,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
  pool.on('error', (e) => log.warn({ err: e.message }, 'command log: idle connection error'));
  const nodeId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const fenceName = config.cluster.prefix;
  let server: NatsEngineServer;
  let lease: LeaderLease;
  let leaderEpoch: number;
  try {
    await ensureCommandLog(pool);
    lease = await LeaderLease.open(nc, { bucket: `${fenceName}_leader`, nodeId, leaseMs: config.cluster.leaseMs });
    const standbySince = Date.now();
    const acquired = new Promise<number>((resolve) => lease.once('acquired', resolve));
    lease.start();
    const holder = await lease.holder().catch(() => null);
    log.info({ nodeId, leader: holder?.nodeId ?? null }, 'engine standby: waiting for the leader lease');
    leaderEpoch = await acquired;
    const leadingSince = Date.now();
    // Only forward: an epoch at least as large in PostgreSQL means a later leader exists; then this one stops.
    if (!(await raiseFence(pool, fenceName, leaderEpoch, nodeId, Date.now()))) {
      throw new Error(`leadership epoch ${leaderEpoch} is not the newest in cluster_leader`);
    }
    log.info({ nodeId, epoch: leaderEpoch, waitedMs: Date.now() - standbySince }, 'engine leads: recovering');
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
        rateLimits: config.rateLimits,
      },
      duplicateWindowMs: config.cluster.duplicateWindowMs,
      deadlineMarginMs: config.cluster.deadlineMarginMs,
      fence: { name: fenceName, epoch: leaderEpoch },
      leader: { nodeId, epoch: leaderEpoch, since: leadingSince },
      log,
    });
  } catch (e) {
    await nc.close();
    await pool.end();
    throw e;
  }
  lease.on('expired', (reason) =>
    log.warn({ reason, epoch: leaderEpoch }, 'leader lease expired (broker unreachable?): still trying to renew it'),
  );
  lease.on('resumed', (how) => log.info({ how, epoch: leaderEpoch }, 'leader lease renewed again: leading on'));
  server.on('storage', (s) => {
    if (s.ok) log.info('storage is back: commits resumed');
    else log.error({ error: s.error }, 'commit failed; retrying');
  });
  log.info(
    { recoveredOrders: server.recoveredOrders, epoch: server.epoch, leaderEpoch, marketEpoch: server.marketEpoch },
    'engine ready',
  );
  return {
    server,
    lease,
    leaderEpoch,
    async close() {
      await server.stop();
      await lease.stop();
      await nc.drain();
      await pool.end();
    },
  };
}
