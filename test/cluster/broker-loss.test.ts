// A gateway that loses the broker (its NATS connection cut by a proxy; the NATS server keeps serving the engine and
// the other gateway): it refuses orders with 5001 and /readyz says why, keeps its WebSocket connections, and when the
// broker is back fills what its sockets missed (batches committed meanwhile, published while it could not hear them)
// from the event log in PostgreSQL before going on: the user ends with exactly the log's events, once, in order.
// Gateways and engine run in this process (their composition roots), on real NATS and PostgreSQL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect } from '@nats-io/transport-node';
import { loadConfig } from '../../src/config.js';
import { clusterNames } from '../../src/cluster/wire.js';
import { startGatewayNode } from '../../src/node/gateway-node.js';
import type { RunningServer } from '../../src/node/server-node.js';
import {
  ADMIN_TOKEN,
  deleteStream,
  freshDatabase,
  freshPrefix,
  needServices,
  services,
  silentLog,
  startEngine,
  waitFor,
  clusterEnv,
} from './cluster-lab.js';
import { tcpProxy } from './tcp-proxy.js';

type Json = Record<string, unknown>;

async function call(base: string, method: string, path: string, headers: Json, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(headers as object) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as { code: number; msg: string; data: Json } };
}

if (needServices('cluster: a gateway loses the broker')) {
  test(
    'a gateway without broker refuses orders, keeps its sockets, refills from the log when back',
    { timeout: 90_000 },
    async () => {
      const s = services() as { nats: string };
      const nats = new URL(s.nats);
      const proxy = await tcpProxy(nats.hostname, Number(nats.port || 4222));
      const prefix = freshPrefix();
      const db = await freshDatabase();
      const engine = await startEngine(prefix, db.url);
      const configFor = (natsUrl: string) =>
        loadConfig({
          env: {
            ...clusterEnv(db.url, natsUrl, prefix),
            FILLSTREAM_PORT: '0',
            FILLSTREAM_HOST: '127.0.0.1',
            FILLSTREAM_RATE_ORDERS: '100000',
            FILLSTREAM_RATE_QUERIES: '100000',
          },
        });
      const gateways: RunningServer[] = [];
      let ws: WebSocket | null = null;
      try {
        const cut = await startGatewayNode(configFor(`nats://127.0.0.1:${proxy.port}`), { logger: silentLog });
        gateways.push(cut);
        const other = await startGatewayNode(configFor(s.nats), { logger: silentLog });
        gateways.push(other);
        for (const g of gateways)
          await waitFor('gateway ready', async () => (await fetch(`${g.url}/readyz`)).status === 200);
        const admin = { 'x-admin-token': ADMIN_TOKEN };
        const a = (await call(other.url, 'POST', '/api/v1/admin/users', admin, {})).json.data;
        const b = (await call(other.url, 'POST', '/api/v1/admin/users', admin, {})).json.data;
        const asA = { authorization: `Bearer ${a.token as string}` };
        const asB = { authorization: `Bearer ${b.token as string}` };
        await call(other.url, 'POST', '/api/v1/admin/deposit', admin, { user_id: a.user_id, asset: 'BTC', qty: '1' });
        await call(other.url, 'POST', '/api/v1/admin/deposit', admin, {
          user_id: b.user_id,
          asset: 'USDT',
          qty: '100000',
        });

        const frames: string[] = [];
        ws = new WebSocket(`${cut.url.replace('http', 'ws')}/ws?token=${a.token as string}&resume_from=0`);
        ws.on('message', (d) => {
          const text = d.toString();
          if ((JSON.parse(text) as Json).type !== 'connected') frames.push(text);
        });
        await new Promise((r, j) => ws?.once('open', r).once('error', j));
        const sell = { symbol: 'BTC_USDT', side: 'SELL', order_type: 'LIMIT', price: '100.00', qty: '0.05' };
        assert.equal((await call(cut.url, 'POST', '/api/v1/create_order', asA, sell)).json.code, 0);
        const logOfA = async () => {
          const r = await fetch(`${other.url}/api/v1/events?limit=1000`, { headers: asA });
          return ((await r.json()) as { data: { events: unknown[] } }).data.events.map((e) => JSON.stringify(e));
        };
        await waitFor('A sees its first events live', async () => frames.length === (await logOfA()).length);

        proxy.cut();
        await waitFor('the cut gateway says it lost the broker', async () => {
          const r = await call(cut.url, 'GET', '/readyz', {});
          return r.status === 503 && r.json.code === 5001 && /broker/.test(r.json.msg);
        });
        const refused = await call(cut.url, 'POST', '/api/v1/create_order', asA, sell);
        assert.equal(refused.status, 503);
        assert.equal(refused.json.code, 5001, 'orders refused while the broker is gone');
        // Meanwhile B fills A's order through the other gateway: A's events are committed and published unheard.
        const buy = { symbol: 'BTC_USDT', side: 'BUY', order_type: 'LIMIT', price: '100.00', qty: '0.02' };
        for (let i = 0; i < 2; i++)
          assert.equal((await call(other.url, 'POST', '/api/v1/create_order', asB, buy)).json.code, 0);
        const during = await logOfA();
        assert.ok(during.length > frames.length, 'A has events its socket has not seen yet');
        assert.equal(ws.readyState, WebSocket.OPEN, 'the socket stays open');

        proxy.restore();
        await waitFor(
          'the gateway is ready again',
          async () => (await call(cut.url, 'GET', '/readyz', {})).status === 200,
        );
        await waitFor('the missed events are filled from the log', () => frames.length >= during.length, 15_000);
        assert.deepEqual(frames, during, 'exactly the log, once each, in order');
        // And it goes on live.
        assert.equal((await call(cut.url, 'POST', '/api/v1/create_order', asA, sell)).json.code, 0);
        const final = await logOfA();
        await waitFor('live again', () => frames.length >= final.length);
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(frames, final);
      } finally {
        ws?.terminate();
        for (const g of gateways) await g.close();
        await engine.stop();
        await proxy.close();
        const nc = await connect({ servers: s.nats });
        await deleteStream(nc, clusterNames(prefix));
        await nc.close();
        await db.drop();
      }
    },
  );
}
