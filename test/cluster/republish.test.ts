// The gateway republishes a command under the same Nats-Msg-Id until JetStream acks it (src/cluster/nats-engine-client.ts
// publish()): the gateway's NATS connection goes through a proxy that drops the very chunk carrying the command's
// first publish and cuts the connection, so that publish is never acked (nor stored). The broker comes back within
// the command's deadline: the republished command is stored once, applied once, and the client gets its answer
// (0 and the order), not 5002 "not placed". Real NATS and PostgreSQL; engine and gateway in this process.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { loadConfig } from '../../src/config.js';
import { clusterNames } from '../../src/cluster/wire.js';
import { startGatewayNode } from '../../src/node/gateway-node.js';
import type { RunningServer } from '../../src/node/server-node.js';
import {
  ADMIN_TOKEN,
  type Json,
  clusterEnv,
  deleteStream,
  freshDatabase,
  freshPrefix,
  needServices,
  post,
  services,
  silentLog,
  startEngine,
  waitFor,
  bid,
} from './cluster-lab.js';
import { tcpProxy } from './tcp-proxy.js';

if (needServices('cluster: a command republished until JetStream acks it')) {
  test(
    "the first publish of a command lost with the gateway's broker link: republished, applied once, answered 0",
    { timeout: 90_000 },
    async () => {
      const s = services() as { nats: string };
      const nats = new URL(s.nats);
      const proxy = await tcpProxy(nats.hostname, Number(nats.port || 4222));
      const prefix = freshPrefix();
      const names = clusterNames(prefix);
      const db = await freshDatabase();
      const engine = await startEngine(prefix, db.url);
      const nc = await connect({ servers: s.nats });
      let gateway: RunningServer | null = null;
      try {
        gateway = await startGatewayNode(
          loadConfig({
            env: {
              ...clusterEnv(db.url, `nats://127.0.0.1:${proxy.port}`, prefix),
              FILLSTREAM_PORT: '0',
              FILLSTREAM_HOST: '127.0.0.1',
              // Room for the broker link to come back well within the deadline.
              FILLSTREAM_CLUSTER_COMMAND_TTL_MS: '8000',
              FILLSTREAM_CLUSTER_DEADLINE_MARGIN_MS: '1000',
            },
          }),
          { logger: silentLog },
        );
        const url = gateway.url;
        await waitFor('gateway ready', async () => (await fetch(`${url}/readyz`)).status === 200);
        const admin = { 'x-admin-token': ADMIN_TOKEN };
        const u = (await post(url, '/api/v1/admin/users', admin, {})).data;
        const d = await post(url, '/api/v1/admin/deposit', admin, { user_id: u.user_id, asset: 'USDT', qty: '1000' });
        assert.equal(d.code, 0, JSON.stringify(d));
        const auth: Json = { authorization: `Bearer ${u.token as string}` };
        const jsm = await jetstreamManager(nc);
        const stored = async () => (await jsm.streams.info(names.commandStream)).state.messages;
        const before = await stored();

        // The chunk carrying the command (its cid is in the envelope) never reaches the broker; the link is cut.
        const cut = proxy.cutOn('"republish-1"');
        const pending = post(url, '/api/v1/create_order', auth, bid('republish-1'));
        await cut;
        await new Promise((r) => setTimeout(r, 700));
        assert.equal(await stored(), before, 'the first publish was not stored');
        proxy.restore();

        const r = (await pending) as { code: number; msg?: string; data: Json };
        assert.equal(r.code, 0, `the republished command's answer: ${JSON.stringify(r)}`);
        assert.equal(await stored(), before + 1, 'stored once (same Nats-Msg-Id)');
        const rows = (
          await engine.pool.query<{ order_id: string; cid: string }>('SELECT order_id::text, cid FROM orders')
        ).rows;
        assert.deepEqual(
          rows.map((x) => [Number(x.order_id), x.cid]),
          [[r.data.order_id, 'republish-1']],
          'applied once: the answered order',
        );
        const answers = await engine.pool.query<{ answer: string }>('SELECT answer FROM cluster_command_results');
        assert.equal(answers.rows.filter((a) => a.answer.includes('"expired"')).length, 0, 'never settled expired');
      } finally {
        await gateway?.close();
        await engine.stop();
        await proxy.close();
        await deleteStream(nc, names);
        await nc.close();
        await db.drop();
      }
    },
  );
}
