// Revocations seen by every gateway: a user revoked through one gateway is refused by the other within two
// seconds (its bearer token answers 401 there, and the WebSocket it holds there is closed with 4001), with no
// restart: the wake-up on <prefix>.revoked makes the other gateway reload the list from PostgreSQL.
// Two gateways and the engine run in this process (their composition roots), on real NATS and PostgreSQL.

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

type Json = Record<string, unknown>;

async function call(base: string, method: string, path: string, headers: Json, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(headers as object) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as { code: number; msg: string; data: Json } };
}

if (needServices('cluster: revocations seen by every gateway')) {
  test(
    'a user revoked through one gateway is refused by the other within two seconds',
    { timeout: 90_000 },
    async () => {
      const s = services() as { nats: string };
      const prefix = freshPrefix();
      const db = await freshDatabase();
      const engine = await startEngine(prefix, db.url);
      const config = loadConfig({
        env: {
          ...clusterEnv(db.url, s.nats, prefix),
          FILLSTREAM_PORT: '0',
          FILLSTREAM_HOST: '127.0.0.1',
        },
      });
      const gateways: RunningServer[] = [];
      let ws: WebSocket | null = null;
      try {
        for (let i = 0; i < 2; i++) gateways.push(await startGatewayNode(config, { logger: silentLog }));
        const [one, two] = gateways as [RunningServer, RunningServer];
        for (const g of gateways)
          await waitFor('gateway ready', async () => (await fetch(`${g.url}/readyz`)).status === 200);
        const admin = { 'x-admin-token': ADMIN_TOKEN };
        const a = (await call(one.url, 'POST', '/api/v1/admin/users', admin, {})).json.data;
        const other = (await call(one.url, 'POST', '/api/v1/admin/users', admin, {})).json.data;
        const asA = { authorization: `Bearer ${a.token as string}` };
        const asOther = { authorization: `Bearer ${other.token as string}` };
        assert.equal((await call(two.url, 'GET', '/api/v1/events', asA)).status, 200, 'A is accepted on gateway two');
        ws = new WebSocket(`${two.url.replace('http', 'ws')}/ws?token=${a.token as string}`);
        const closed = new Promise<number>((r) => ws?.once('close', (code) => r(code)));
        await new Promise((r, j) => ws?.once('open', r).once('error', j));

        const revoked = await call(one.url, 'POST', '/api/v1/admin/revoke_user', admin, { user_id: a.user_id });
        assert.equal(revoked.json.code, 0);
        const at = Date.now();
        await waitFor(
          'gateway two refuses the revoked user',
          async () => (await call(two.url, 'GET', '/api/v1/events', asA)).status === 401,
          2_000,
        );
        assert.ok(Date.now() - at <= 2_000);
        assert.equal(await closed, 4001, 'the socket A held on gateway two is closed as revoked');
        assert.equal((await call(two.url, 'GET', '/api/v1/events', asOther)).status, 200, 'others still pass');
      } finally {
        ws?.terminate();
        for (const g of gateways) await g.close();
        await engine.stop();
        const nc = await connect({ servers: s.nats });
        await deleteStream(nc, clusterNames(prefix));
        await nc.close();
        await db.drop();
      }
    },
  );
}
