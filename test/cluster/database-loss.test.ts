// A gateway that loses its database link (PostgreSQL reached through a proxy that is cut; the engine keeps its own
// link and goes on committing): it refuses orders with 5001 and /readyz says the database is lost, keeps its
// WebSocket connections, and is ready again by itself once the link is back; the socket then goes on live.
// Gateway and engine run in this process (their composition roots), on real NATS and PostgreSQL.

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
import { databaseViaProxy } from './tcp-proxy.js';

type Json = Record<string, unknown>;

async function call(base: string, method: string, path: string, headers: Json, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(headers as object) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as { code: number; msg: string; data: Json } };
}

if (needServices('cluster: a gateway loses its database')) {
  test(
    'a gateway without database refuses orders, keeps its sockets, recovers by itself',
    { timeout: 90_000 },
    async () => {
      const s = services() as { nats: string };
      const prefix = freshPrefix();
      const db = await freshDatabase();
      const { proxy, url: viaProxy } = await databaseViaProxy(db.url);
      const engine = await startEngine(prefix, db.url);
      let gateway: RunningServer | null = null;
      let ws: WebSocket | null = null;
      try {
        gateway = await startGatewayNode(
          loadConfig({
            env: {
              ...clusterEnv(viaProxy, s.nats, prefix),
              FILLSTREAM_PORT: '0',
              FILLSTREAM_HOST: '127.0.0.1',
              FILLSTREAM_RATE_ORDERS: '100000',
              FILLSTREAM_RATE_QUERIES: '100000',
            },
          }),
          { logger: silentLog },
        );
        const url = gateway.url;
        await waitFor('gateway ready', async () => (await fetch(`${url}/readyz`)).status === 200);
        const admin = { 'x-admin-token': ADMIN_TOKEN };
        const a = (await call(url, 'POST', '/api/v1/admin/users', admin, {})).json.data;
        const asA = { authorization: `Bearer ${a.token as string}` };
        await call(url, 'POST', '/api/v1/admin/deposit', admin, { user_id: a.user_id, asset: 'BTC', qty: '1' });
        const types: string[] = [];
        ws = new WebSocket(`${url.replace('http', 'ws')}/ws?token=${a.token as string}`);
        ws.on('message', (d) => types.push((JSON.parse(d.toString()) as Json).type as string));
        await new Promise((r, j) => ws?.once('open', r).once('error', j));
        const sell = { symbol: 'BTC_USDT', side: 'SELL', order_type: 'LIMIT', price: '100.00', qty: '0.05' };
        assert.equal((await call(url, 'POST', '/api/v1/create_order', asA, sell)).json.code, 0);

        proxy.cut();
        await waitFor('the gateway says it lost the database', async () => {
          const r = await call(url, 'GET', '/readyz', {});
          return r.status === 503 && r.json.code === 5001 && /database lost/.test(r.json.msg);
        });
        const refused = await call(url, 'POST', '/api/v1/create_order', asA, sell);
        assert.equal(refused.status, 503);
        assert.equal(refused.json.code, 5001, 'orders refused while the database is gone');
        assert.equal(ws.readyState, WebSocket.OPEN, 'the socket stays open');

        proxy.restore();
        await waitFor('ready again by itself', async () => (await call(url, 'GET', '/readyz', {})).status === 200);
        const before = types.length;
        assert.equal((await call(url, 'POST', '/api/v1/create_order', asA, sell)).json.code, 0, 'orders again');
        await waitFor('the socket goes on live', () => types.slice(before).includes('order.update'));
        assert.equal(ws.readyState, WebSocket.OPEN);
      } finally {
        ws?.terminate();
        await gateway?.close();
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
