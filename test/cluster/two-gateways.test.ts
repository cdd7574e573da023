// The cluster's first slice end to end, as child processes (`fillstream engine`, `fillstream gateway` twice) on real
// NATS and PostgreSQL: user A on gateway 1 and user B on gateway 2 trade with each other; each receives exactly its
// own private events, once each, in seq order, byte for byte as the log (GET /api/v1/events) renders them, and that
// log reads the same through either gateway. The token gateway 1 issued works on gateway 2 (shared secrets).

import { after, test } from 'node:test';
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
  services,
  spawnRole,
  waitFor,
  clusterEnv,
} from './cluster-lab.js';

type Json = Record<string, unknown>;

async function call(base: string, method: string, path: string, headers: Json, body?: unknown): Promise<Json> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(headers as object) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Json;
  assert.equal(json.code, 0, `${method} ${path}: ${JSON.stringify(json)}`);
  return json.data as Json;
}

async function eventsText(base: string, token: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/events?limit=1000`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return res.text();
}

/** The JSON texts of the events inside a GET /events answer, exactly as sent. */
function eventTexts(body: string): string[] {
  const parsed = JSON.parse(body) as { data: { events: unknown[] } };
  return parsed.data.events.map((e) => JSON.stringify(e));
}

if (needServices('cluster: one engine, two gateways')) {
  const procs: RoleProcess[] = [];
  after(() => {
    for (const p of procs) p.child.kill('SIGKILL');
  });

  test(
    'one engine and two gateways: each user gets exactly its own events once, in order',
    { timeout: 120_000 },
    async () => {
      const s = services() as { nats: string; pg: string };
      const prefix = freshPrefix();
      const db = await freshDatabase();
      const env = {
        ...clusterEnv(db.url, s.nats, prefix),
        FILLSTREAM_LOG_LEVEL: 'warn',
        FILLSTREAM_RATE_ORDERS: '100000',
        FILLSTREAM_RATE_QUERIES: '100000',
      };
      const sockets: WebSocket[] = [];
      try {
        const engine = spawnRole(['engine'], env);
        procs.push(engine);
        await waitFor('engine ready', () => engine.output().includes('engine ready'));
        const ports = [await freePort(), await freePort()];
        const gws = ports.map((p) => {
          const g = spawnRole(['gateway', '--port', String(p), '--host', '127.0.0.1'], env);
          procs.push(g);
          return { proc: g, base: `http://127.0.0.1:${p}` };
        });
        for (const g of gws) {
          await waitFor(`gateway ${g.base} ready (${g.proc.output()})`, async () => {
            const r = await fetch(`${g.base}/readyz`).catch(() => null);
            return r !== null && r.status === 200;
          });
        }
        const [gw1, gw2] = gws.map((g) => g.base) as [string, string];
        const admin = { 'x-admin-token': ADMIN_TOKEN };
        const a = await call(gw1, 'POST', '/api/v1/admin/users', admin, {});
        const b = await call(gw2, 'POST', '/api/v1/admin/users', admin, {});
        const users = [
          { id: a.user_id as number, token: a.token as string, gw: gw1, frames: [] as string[] },
          { id: b.user_id as number, token: b.token as string, gw: gw2, frames: [] as string[] },
        ] as const;
        // Each user's socket on its own gateway, from seq 1 (resume_from=0), before anything happens.
        for (const u of users) {
          const ws = new WebSocket(`${u.gw.replace('http', 'ws')}/ws?token=${u.token}&resume_from=0`);
          sockets.push(ws);
          ws.on('message', (d) => {
            const text = d.toString();
            const type = (JSON.parse(text) as Json).type;
            if (type === 'order.update' || type === 'trade' || type === 'balance.update') u.frames.push(text);
            else if (type !== 'connected') u.frames.push(`unexpected ${text}`);
          });
          await new Promise((r, j) => ws.once('open', r).once('error', j));
        }
        const [ua, ub] = users;
        await call(gw1, 'POST', '/api/v1/admin/deposit', admin, { user_id: ua.id, asset: 'BTC', qty: '1' });
        await call(gw2, 'POST', '/api/v1/admin/deposit', admin, { user_id: ub.id, asset: 'USDT', qty: '100000' });
        const order = (side: string, price: string) => ({
          symbol: 'BTC_USDT',
          side,
          order_type: 'LIMIT',
          price,
          qty: '0.01',
        });
        const ownOrders = new Map<number, Set<number>>([
          [ua.id, new Set()],
          [ub.id, new Set()],
        ]);
        const place = async (u: (typeof users)[number], side: string, price: string) => {
          const d = await call(
            u.gw,
            'POST',
            '/api/v1/create_order',
            { authorization: `Bearer ${u.token}` },
            order(side, price),
          );
          ownOrders.get(u.id)?.add(d.order_id as number);
        };
        for (let i = 0; i < 15; i++) {
          // Concurrent from both gateways: the engine orders them; either may be the maker.
          await Promise.all([place(ua, 'SELL', '100.00'), place(ub, 'BUY', '100.00')]);
        }
        // The token gateway 1 issued to A is good on gateway 2 too.
        await call(gw2, 'GET', '/api/v1/balances', { authorization: `Bearer ${ua.token}` });

        for (const u of users) {
          const log1 = await eventsText(gw1, u.token);
          const log2 = await eventsText(gw2, u.token);
          assert.equal(log1, log2, `user ${u.id}: GET /events agrees byte for byte on both gateways`);
          const texts = eventTexts(log1);
          assert.ok(texts.length >= 15 * 3, `user ${u.id} has its events (${texts.length})`);
          await waitFor(`user ${u.id}'s pushes`, () => u.frames.length >= texts.length, 15_000);
          await new Promise((r) => setTimeout(r, 300)); // anything extra (a duplicate) would arrive meanwhile
          assert.deepEqual(u.frames, texts, `user ${u.id}: the log's events, once each, in order, byte for byte`);
          const seqs = u.frames.map((f) => (JSON.parse(f) as { seq: number }).seq);
          assert.deepEqual(
            seqs,
            seqs.map((_, i) => i + 1),
          );
          for (const f of u.frames) {
            const e = JSON.parse(f) as { type: string; data: Json };
            if (e.type === 'order.update' || e.type === 'trade') {
              assert.ok(ownOrders.get(u.id)?.has(e.data.order_id as number), `user ${u.id} sees only its own orders`);
            }
          }
        }
        const trades = await call(gw2, 'GET', '/api/v1/trades?limit=100', { authorization: `Bearer ${ua.token}` });
        assert.equal((trades.trades as unknown[]).length, 15, 'fifteen fills');
      } finally {
        for (const ws of sockets) ws.terminate();
        for (const p of procs) p.child.kill('SIGTERM');
        await Promise.all(procs.map((p) => p.exited));
        procs.length = 0;
        const nc = await connect({ servers: s.nats });
        await deleteStream(nc, clusterNames(prefix));
        await nc.close();
        await db.drop();
      }
    },
  );
}
