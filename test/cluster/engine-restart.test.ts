// kill -9 the engine while a gateway takes orders, then start it again (child processes, real NATS and PostgreSQL):
// every order the gateway acknowledged is in the database exactly once with the id it was answered with, no order is
// there twice (the cursor and the command ids keep it at most once), ids never repeat, and the gateway takes orders
// again once the new engine is up.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { clusterNames } from '../../src/cluster/wire.js';
import { freePort } from '../support/net.js';
import {
  ADMIN_TOKEN,
  type RoleProcess,
  deleteStream,
  freshDatabase,
  freshPrefix,
  needServices,
  post,
  services,
  spawnRole,
  waitFor,
  clusterEnv,
} from './cluster-lab.js';

if (needServices('cluster: engine kill -9 and restart')) {
  test(
    'kill -9 the engine during orders: every acknowledged order is there once after restart',
    { timeout: 120_000 },
    async () => {
      const s = services() as { nats: string };
      const prefix = freshPrefix();
      const db = await freshDatabase();
      const env = {
        ...clusterEnv(db.url, s.nats, prefix),
        FILLSTREAM_LOG_LEVEL: 'silent',
        FILLSTREAM_RATE_ORDERS: '100000',
        FILLSTREAM_CLUSTER_COMMAND_TTL_MS: '2000',
      };
      const procs: RoleProcess[] = [];
      const startEngineProc = async () => {
        const e = spawnRole(['engine'], { ...env, FILLSTREAM_LOG_LEVEL: 'warn' });
        procs.push(e);
        await waitFor(`engine ready: ${e.output()}`, () => e.output().includes('engine ready'));
        return e;
      };
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      try {
        const engine = await startEngineProc();
        const port = await freePort();
        const gw = spawnRole(['gateway', '--port', String(port), '--host', '127.0.0.1'], env);
        procs.push(gw);
        const base = `http://127.0.0.1:${port}`;
        await waitFor('gateway ready', async () => (await fetch(`${base}/readyz`).catch(() => null))?.status === 200);
        const admin = { 'x-admin-token': ADMIN_TOKEN };
        const u = (await post(base, '/api/v1/admin/users', admin, {})).data;
        await post(base, '/api/v1/admin/deposit', admin, { user_id: u.user_id, asset: 'USDT', qty: '1000000' });
        const as = { authorization: `Bearer ${u.token as string}` };
        const acked = new Map<number, string>();
        let running = true;
        let n = 0;
        // Four clients placing resting bids (distinct cids) as fast as they are answered.
        const client = async () => {
          while (running) {
            const cid = `o-${++n}`;
            const order = { symbol: 'BTC_USDT', side: 'BUY', order_type: 'LIMIT', price: '1.00', qty: '0.01', cid };
            const r = await post(base, '/api/v1/create_order', as, order).catch(() => null);
            if (r?.code === 0) acked.set(r.data.order_id as number, cid);
            else await new Promise((res) => setTimeout(res, 20));
          }
        };
        const clients = [client(), client(), client(), client()];
        await waitFor('some orders acknowledged', () => acked.size >= 30);
        engine.child.kill('SIGKILL');
        await engine.exited;
        const beforeRestart = acked.size;
        await new Promise((r) => setTimeout(r, 500));
        await startEngineProc();
        await waitFor('orders acknowledged again after the restart', () => acked.size >= beforeRestart + 30, 30_000);
        running = false;
        await Promise.all(clients);

        const rows = (await pool.query<{ order_id: string; cid: string }>('SELECT order_id, cid FROM orders')).rows;
        const byId = new Map(rows.map((r) => [Number(r.order_id), r.cid]));
        for (const [id, cid] of acked) assert.equal(byId.get(id), cid, `acknowledged order ${id} (${cid}) is there`);
        const cids = rows.map((r) => r.cid);
        assert.equal(new Set(cids).size, cids.length, 'no command was applied twice');
        assert.equal(new Set(byId.keys()).size, rows.length, 'order ids never repeat');
      } finally {
        for (const p of procs) p.child.kill('SIGKILL');
        await Promise.all(procs.map((p) => p.exited));
        await pool.end();
        const nc = await connect({ servers: s.nats });
        await deleteStream(nc, clusterNames(prefix));
        await nc.close();
        await db.drop();
      }
    },
  );
}
