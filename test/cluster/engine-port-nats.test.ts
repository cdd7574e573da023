// The engine port suite against the cluster transport: a gateway's NatsEngineClient talking to an engine
// (NatsEngineServer, same process here) through a real NATS server, the engine committing to a fresh PostgreSQL
// database; each run has its own stream and subject prefix.

import { connect } from '@nats-io/transport-node';
import { NatsEngineClient } from '../../src/cluster/nats-engine-client.js';
import { clusterNames } from '../../src/cluster/wire.js';
import { PORT_RATE_LIMITS, enginePortSuite } from '../pipeline/engine-port-suite.js';
import {
  deleteStream,
  freshDatabase,
  freshPrefix,
  needServices,
  services,
  silentLog,
  startEngine,
} from './cluster-lab.js';

if (needServices('engine port (NATS)')) {
  enginePortSuite('NATS + PostgreSQL', async () => {
    const prefix = freshPrefix();
    const db = await freshDatabase();
    const engine = await startEngine(prefix, db.url, 120_000, PORT_RATE_LIMITS);
    const nc = await connect({ servers: (services() as { nats: string }).nats });
    const port = await NatsEngineClient.start({
      nc,
      names: clusterNames(prefix),
      capacity: 1000,
      commandTtlMs: 5000,
      deadlineMarginMs: 1000,
      duplicateWindowMs: 120_000,
      leaderTimeoutMs: 5000,
      log: silentLog,
    });
    return {
      port,
      cleanup: async () => {
        await port.stop();
        await engine.stop();
        await deleteStream(nc, clusterNames(prefix));
        await nc.close();
        await db.drop();
      },
    };
  });
}
