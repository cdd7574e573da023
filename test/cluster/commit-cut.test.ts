// The connection between the engine and PostgreSQL breaks just after it sent a batch's statement (one statement, its
// own transaction: a proxy lets the chunk holding the order's cid through, withholds the server's answer and cuts the
// connection): the batch is committed, the engine does not know. Its
// retry must find the batch there instead of writing it again (which fails on its own rows, forever): the order is
// acknowledged once, the next one too, and the user's event log has each event once.
// Engine and gateway in this process (their composition roots), on real NATS and PostgreSQL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { clusterNames } from '../../src/cluster/wire.js';
import { startGatewayNode } from '../../src/node/gateway-node.js';
import type { RunningServer } from '../../src/node/server-node.js';
import {
  ADMIN_TOKEN,
  bid,
  deleteStream,
  freshDatabase,
  freshPrefix,
  needServices,
  post,
  services,
  silentLog,
  startEngine,
  clusterEnv,
} from './cluster-lab.js';
import { databaseViaProxy } from './tcp-proxy.js';

if (needServices('cluster: the engine loses its database link during COMMIT')) {
  test(
    'a batch whose COMMIT answer was lost is not written twice: the order is acknowledged once',
    {
      timeout: 60_000,
    },
    async () => {
      const s = services() as { nats: string };
      const prefix = freshPrefix();
      const db = await freshDatabase();
      const { proxy, url: viaProxy } = await databaseViaProxy(db.url);
      const engine = await startEngine(prefix, viaProxy);
      const storage: boolean[] = [];
      engine.server.on('storage', (x) => storage.push(x.ok));
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      let gateway: RunningServer | null = null;
      try {
        gateway = await startGatewayNode(
          loadConfig({
            env: {
              ...clusterEnv(db.url, s.nats, prefix),
              FILLSTREAM_PORT: '0',
              FILLSTREAM_HOST: '127.0.0.1',
              FILLSTREAM_CLUSTER_COMMAND_TTL_MS: '3000',
            },
          }),
          { logger: silentLog },
        );
        const url = gateway.url;
        const admin = { 'x-admin-token': ADMIN_TOKEN };
        const u = (await post(url, '/api/v1/admin/users', admin, {})).data;
        await post(url, '/api/v1/admin/deposit', admin, { user_id: u.user_id, asset: 'USDT', qty: '1000' });
        const auth = { authorization: `Bearer ${u.token as string}` };
        const cut = proxy.cutAfter('commit-cut', 300);
        const r = await post(url, '/api/v1/create_order', auth, bid('commit-cut'));
        await cut;
        assert.equal(r.code, 0, `the order whose COMMIT answer was lost is acknowledged: ${JSON.stringify(r)}`);
        assert.ok(storage.includes(false), 'the engine saw its commit fail');
        assert.equal(storage.at(-1), true, 'and then succeed');
        const next = await post(url, '/api/v1/create_order', auth, bid('next'));
        assert.equal(next.code, 0, 'the engine goes on committing');

        const cids = (await pool.query<{ cid: string }>('SELECT cid FROM orders ORDER BY order_id')).rows;
        assert.deepEqual(
          cids.map((c) => c.cid),
          ['commit-cut', 'next'],
        );
        const res = await fetch(`${url}/api/v1/events?limit=1000`, { headers: auth });
        const seqs = ((await res.json()) as { data: { events: Array<{ seq: number }> } }).data.events.map((e) => e.seq);
        assert.deepEqual(
          seqs,
          seqs.map((_, i) => i + 1),
          'each event once, no gap',
        );
      } finally {
        await gateway?.close();
        // An engine stuck retrying a batch never stops: give up on it after a while (the test has failed then).
        await Promise.race([engine.stop(), new Promise((r) => setTimeout(r, 5_000).unref())]);
        await proxy.close();
        await pool.end();
        const nc = await connect({ servers: s.nats });
        await deleteStream(nc, clusterNames(prefix));
        await nc.close();
        await db.drop();
      }
    },
  );
}
