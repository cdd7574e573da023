// kill -9 a gateway during fills (child processes, real NATS and PostgreSQL): its client reconnects to the other
// gateway with resume_from=<last seq it got> and ends with exactly the log's events, once each, in order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect } from '@nats-io/transport-node';
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

if (needServices('cluster: gateway kill -9')) {
  test(
    'kill -9 a gateway during fills: its client resumes on the other with exactly the log',
    { timeout: 120_000 },
    async () => {
      const s = services() as { nats: string };
      const prefix = freshPrefix();
      const db = await freshDatabase();
      const env = {
        ...clusterEnv(db.url, s.nats, prefix),
        FILLSTREAM_LOG_LEVEL: 'silent',
        FILLSTREAM_RATE_ORDERS: '100000',
        FILLSTREAM_RATE_QUERIES: '100000',
      };
      const procs: RoleProcess[] = [];
      let ws: WebSocket | null = null;
      try {
        const engine = spawnRole(['engine'], env);
        procs.push(engine);
        await waitFor('engine ready', () => engine.output().includes('engine ready'));
        const bases: string[] = [];
        const gws: RoleProcess[] = [];
        for (let i = 0; i < 2; i++) {
          const port = await freePort();
          const g = spawnRole(['gateway', '--port', String(port), '--host', '127.0.0.1'], env);
          procs.push(g);
          gws.push(g);
          bases.push(`http://127.0.0.1:${port}`);
        }
        for (const b of bases) {
          await waitFor('gateway ready', async () => (await fetch(`${b}/readyz`).catch(() => null))?.status === 200);
        }
        const [gw1, gw2] = bases as [string, string];
        const admin = { 'x-admin-token': ADMIN_TOKEN };
        const a = (await post(gw2, '/api/v1/admin/users', admin, {})).data;
        const b = (await post(gw2, '/api/v1/admin/users', admin, {})).data;
        await post(gw2, '/api/v1/admin/deposit', admin, { user_id: a.user_id, asset: 'BTC', qty: '10' });
        await post(gw2, '/api/v1/admin/deposit', admin, { user_id: b.user_id, asset: 'USDT', qty: '1000000' });
        const asA = { authorization: `Bearer ${a.token as string}` };
        const asB = { authorization: `Bearer ${b.token as string}` };

        // A's client: on gateway 1 first; when its socket drops it resumes on gateway 2 from the last seq it got.
        const frames: string[] = [];
        let lastSeq = 0;
        let reconnected = false;
        const open = (base: string, from: number) => {
          ws = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${a.token as string}&resume_from=${from}`);
          ws.on('message', (d) => {
            const text = d.toString();
            const e = JSON.parse(text) as { type: string; seq?: number };
            if (e.type === 'connected') return;
            frames.push(text);
            if (typeof e.seq === 'number') lastSeq = e.seq;
          });
          ws.on('close', () => {
            if (base === gw1) {
              reconnected = true;
              open(gw2, lastSeq);
            }
          });
          ws.on('error', () => undefined);
        };
        open(gw1, 0);
        await waitFor('connected', () => ws?.readyState === WebSocket.OPEN);

        let running = true;
        const trade = async () => {
          while (running) {
            const sell = { symbol: 'BTC_USDT', side: 'SELL', order_type: 'LIMIT', price: '100.00', qty: '0.01' };
            const buy = { ...sell, side: 'BUY' };
            await Promise.all([
              post(gw2, '/api/v1/create_order', asA, sell),
              post(gw2, '/api/v1/create_order', asB, buy),
            ]);
          }
        };
        const trader = trade();
        await waitFor('A gets fills on gateway 1', () => frames.length >= 30);
        (gws[0] as RoleProcess).child.kill('SIGKILL');
        await waitFor(
          'A resumed on gateway 2 and keeps getting fills',
          () => reconnected && frames.length >= 90,
          30_000,
        );
        running = false;
        await trader;

        const log = async () => {
          const r = await fetch(`${gw2}/api/v1/events?limit=1000`, { headers: asA });
          return ((await r.json()) as { data: { events: unknown[] } }).data.events.map((e) => JSON.stringify(e));
        };
        const final = await log();
        await waitFor('every event arrived', () => frames.length >= final.length, 15_000);
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(frames, final, 'exactly the log: none lost, none twice, in order');
      } finally {
        (ws as WebSocket | null)?.terminate();
        for (const p of procs) p.child.kill('SIGKILL');
        await Promise.all(procs.map((p) => p.exited));
        const nc = await connect({ servers: s.nats });
        await deleteStream(nc, clusterNames(prefix));
        await nc.close();
        await db.drop();
      }
    },
  );
}
