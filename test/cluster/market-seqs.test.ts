// The engine's public market-data seqs through two gateways (child processes `fillstream engine` and `gateway` twice
// on real NATS and PostgreSQL): a gateway started after the market moved shows the same depth and trade seqs and
// epoch as the one that saw it all (the seqs are the engine's, not each gateway's count), in its messages and in GET
// /depth. Then kill -9 the engine under load and start another: the market-data epoch is the next one, and the depth
// subscribers of both gateways (their sockets stay open) get a depth.snapshot at the new epoch by themselves, after
// which a client book fed with everything they got equals GET /depth.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { LocalDepthBook } from '../../src/client/depth-book.js';
import type { DepthSnapshotMessage, DepthUpdateMessage } from '../../src/client/types.js';
import { clusterNames } from '../../src/cluster/wire.js';
import { freePort } from '../support/net.js';
import { type Msg, RawClient, wsUrl } from '../push/raw-client.js';
import {
  ADMIN_TOKEN,
  type Json,
  type RoleProcess,
  clusterEnv,
  deleteStream,
  freshDatabase,
  freshPrefix,
  needServices,
  post,
  services,
  spawnRole,
  waitFor,
} from './cluster-lab.js';

type Depth = { epoch: number; seq: number; bids: string[][]; asks: string[][] };

async function depth(base: string): Promise<Depth> {
  const r = (await (await fetch(`${base}/api/v1/depth?symbol=BTC_USDT&levels=20`)).json()) as { data: Json };
  return r.data as unknown as Depth;
}

async function order(base: string, token: string, side: 'BUY' | 'SELL', price: string): Promise<number> {
  const body = { symbol: 'BTC_USDT', side, order_type: 'LIMIT', price, qty: '0.010000' };
  return (
    await post(base, '/api/v1/create_order', { authorization: `Bearer ${token}` }, body).catch(() => ({ code: -1 }))
  ).code;
}

async function subscriber(base: string): Promise<RawClient> {
  const c = await RawClient.connect(wsUrl(base));
  await c.nextOfType('connected');
  c.send({ type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels: 20 });
  c.send({ type: 'subscribe', channel: 'trades', symbol: 'BTC_USDT' });
  await c.nextOfType('depth.snapshot');
  return c;
}

const ofType = (c: RawClient, type: string): Msg[] => c.messages.filter((m) => m.type === type);
const stamp = (m: Msg): string => `${m['epoch'] as number}:${m['seq'] as number}`;

/** Feeds a subscriber's depth messages, in order, to a client book; every update must apply. */
function replay(c: RawClient): LocalDepthBook {
  const book = new LocalDepthBook('BTC_USDT');
  for (const m of c.messages) {
    if (m.type === 'depth.snapshot') book.applySnapshot(m as unknown as DepthSnapshotMessage);
    else if (m.type === 'depth.update') {
      assert.ok(book.applyUpdate(m as unknown as DepthUpdateMessage), `update ${stamp(m)} applies`);
    }
  }
  return book;
}

if (needServices('cluster: market-data seqs and epoch')) {
  const procs: RoleProcess[] = [];
  const clients: RawClient[] = [];
  after(() => {
    for (const c of clients) c.dispose();
    for (const p of procs) p.child.kill('SIGKILL');
  });

  test(
    'two gateways show the engine seqs; kill -9 the engine: a new epoch and a new depth.snapshot on both',
    { timeout: 120_000 },
    async () => {
      const s = services() as { nats: string };
      const prefix = freshPrefix();
      const db = await freshDatabase();
      const env = {
        ...clusterEnv(db.url, s.nats, prefix),
        FILLSTREAM_LOG_LEVEL: 'warn',
        FILLSTREAM_RATE_ORDERS: '100000',
        FILLSTREAM_RATE_QUERIES: '100000',
        FILLSTREAM_CLUSTER_COMMAND_TTL_MS: '2000',
      };
      const startEngine = async () => {
        const e = spawnRole(['engine'], env);
        procs.push(e);
        await waitFor(`engine ready: ${e.output()}`, () => e.output().includes('engine ready'));
        return e;
      };
      const startGateway = async () => {
        const port = await freePort();
        const g = spawnRole(['gateway', '--port', String(port), '--host', '127.0.0.1'], env);
        procs.push(g);
        const base = `http://127.0.0.1:${port}`;
        await waitFor('gateway ready', async () => (await fetch(`${base}/readyz`).catch(() => null))?.status === 200);
        return base;
      };
      let running = true;
      try {
        const engine = await startEngine();
        const gw1 = await startGateway();
        const admin = { 'x-admin-token': ADMIN_TOKEN };
        const buyer = (await post(gw1, '/api/v1/admin/users', admin, {})).data;
        const seller = (await post(gw1, '/api/v1/admin/users', admin, {})).data;
        await post(gw1, '/api/v1/admin/deposit', admin, { user_id: buyer.user_id, asset: 'USDT', qty: '1000000' });
        await post(gw1, '/api/v1/admin/deposit', admin, { user_id: seller.user_id, asset: 'BTC', qty: '100' });
        const bt = buyer.token as string;
        const st = seller.token as string;
        // The market moves before gateway 2 exists.
        for (const price of ['1.00', '1.01', '1.02']) assert.equal(await order(gw1, bt, 'BUY', price), 0);
        assert.equal(await order(gw1, st, 'SELL', '1.02'), 0);
        const gw2 = await startGateway();
        const before = [await depth(gw1), await depth(gw2)];
        assert.deepEqual(
          before.map((d) => [d.epoch, d.seq]),
          [
            [1, 4],
            [1, 4],
          ],
          'a late gateway shows the engine seq, not its own count',
        );
        const subs = [await subscriber(gw1), await subscriber(gw2)];
        clients.push(...subs);
        for (const c of subs) assert.equal(stamp(ofType(c, 'depth.snapshot')[0] as Msg), '1:4');
        assert.equal(await order(gw2, bt, 'BUY', '1.03'), 0);
        assert.equal(await order(gw1, st, 'SELL', '1.03'), 0);
        for (const c of subs) {
          await c.until(() => ofType(c, 'depth.update').length >= 2 && ofType(c, 'market.trade').length >= 1, 'news');
        }
        const seen = subs.map((c) => [...ofType(c, 'depth.update'), ...ofType(c, 'market.trade')].map(stamp));
        assert.deepEqual(seen[0], ['1:5', '1:6', '1:2'], 'depth 5, 6 and the second trade ever');
        assert.deepEqual(seen[1], seen[0], 'the same seqs through both gateways');

        // kill -9 the engine while orders flow, then start another one.
        let n = 0;
        const load = (async () => {
          while (running) {
            const code = await order(gw1, bt, 'BUY', `1.${String(10 + (++n % 80)).padStart(2, '0')}`);
            if (code !== 0) await new Promise((r) => setTimeout(r, 20));
          }
        })();
        await waitFor('orders flowing', () => n >= 20);
        const snapshotsBefore = subs.map((c) => ofType(c, 'depth.snapshot').length);
        engine.child.kill('SIGKILL');
        await engine.exited;
        await startEngine();
        for (const [i, c] of subs.entries()) {
          await c.until(
            () => ofType(c, 'depth.snapshot').length > (snapshotsBefore[i] as number),
            `gateway ${i + 1}: a depth.snapshot after the engine restart`,
            30_000,
          );
          const fresh = ofType(c, 'depth.snapshot').at(-1) as Msg;
          assert.equal(fresh['epoch'], 2, `gateway ${i + 1}: the snapshot is at the next epoch`);
        }
        const m = n;
        await waitFor('orders acknowledged again', () => n >= m + 20, 30_000);
        running = false;
        await load;
        // Both gateways settle at the same book and seq; what each subscriber got rebuilds it exactly.
        await waitFor('both gateways at the same seq', async () => {
          const [a, b] = [await depth(gw1), await depth(gw2)];
          return a.seq === b.seq && a.epoch === b.epoch;
        });
        const final = await depth(gw1);
        assert.equal(final.epoch, 2);
        for (const c of subs) {
          await c.until(
            () =>
              [...ofType(c, 'depth.snapshot'), ...ofType(c, 'depth.update')].some((x) => stamp(x) === `2:${final.seq}`),
            'the last update',
          );
          const book = replay(c);
          assert.equal(book.lastSeq, final.seq);
          assert.equal(book.epoch, 2);
          assert.deepEqual(book.top(20), { bids: final.bids, asks: final.asks });
        }
      } finally {
        running = false;
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
