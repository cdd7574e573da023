// Exactly-once order entry in a cluster (real NATS and PostgreSQL; docs/api.md "Order entry in a cluster"): a command
// that gets no answer in time is settled against the command log, so the client gets the one true answer:
// (a) kill -9 of the leader while orders flow: each order is answered 0 (by the standby after its takeover, or found
//     recorded in the log) or 5002 "not placed", and GET /order?cid agrees with each answer (placed once or not at all);
//     and an order waiting at a frozen, then killed leader is applied by the standby within its deadline: answered 0;
// (b) an engine whose commit could not reach the database until after the command's deadline: the gateway settled it
//     as expired (5002), the engine's late batch rolls back (LateBatchError: it stops and applies nothing more), and
//     the engine started after it recovers without the order: absent, balances unchanged;
// (c) the gateway's database unreachable when it settles: 5001 "outcome unknown", naming the cid to look up; the
//     lookup later shows it placed once or not at all.
// Each case reads the gateway's /metrics: fillstream_cluster_commands_settled_total counts each settle by outcome.

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
import { assetTotals, failoverLab, storeViolations } from './failover-lab.js';
import { WsOrders } from './order-load.js';
import { databaseViaProxy } from './tcp-proxy.js';

async function get(base: string, path: string, headers: Json): Promise<{ status: number; code: number; data: Json }> {
  const res = await fetch(base + path, { headers: headers as Record<string, string> });
  const body = (await res.json()) as { code: number; data: Json };
  return { status: res.status, code: body.code, data: body.data };
}

type Answer = { code: number; msg?: string; data: Json };

/** The lookup by cid agrees with the answer: 0 -> that order, there once; 5002 or a refusal -> no such order. */
async function checkLookup(base: string, auth: Json, cid: string, a: Answer): Promise<void> {
  const found = await get(base, `/api/v1/order?cid=${cid}`, auth);
  if (a.code === 0) {
    assert.equal(found.code, 0, `${cid} answered 0 is there: ${JSON.stringify(found)}`);
    assert.equal(found.data.order_id, a.data.order_id, `${cid}: the answered order`);
  } else {
    assert.equal(found.status, 404, `${cid} answered ${a.code} is not there: ${JSON.stringify(found)}`);
    assert.equal(found.code, 4001);
  }
}

/** A gateway in this process (its database link given: direct or through a proxy). */
async function inProcessGateway(dbUrl: string, prefix: string, extra: Record<string, string>): Promise<RunningServer> {
  const s = services() as { nats: string };
  return startGatewayNode(
    loadConfig({
      env: { ...clusterEnv(dbUrl, s.nats, prefix), FILLSTREAM_PORT: '0', FILLSTREAM_HOST: '127.0.0.1', ...extra },
    }),
    { logger: silentLog },
  );
}

async function fundedUser(base: string, usdt: string): Promise<{ userId: number; token: string; auth: Json }> {
  const admin = { 'x-admin-token': ADMIN_TOKEN };
  const u = (await post(base, '/api/v1/admin/users', admin, {})).data;
  const d = await post(base, '/api/v1/admin/deposit', admin, { user_id: u.user_id, asset: 'USDT', qty: usdt });
  assert.equal(d.code, 0, JSON.stringify(d));
  const token = u.token as string;
  return { userId: u.user_id as number, token, auth: { authorization: `Bearer ${token}` } };
}

type Settles = { answered: number; not_applied: number; unknown: number };

/** fillstream_cluster_commands_settled_total by outcome, from the gateway's /metrics. */
async function settles(base: string): Promise<Settles> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^fillstream_cluster_commands_settled_total\{outcome="([a-z_]+)"\} (\S+)$/gm)) {
    out[m[1] as string] = Number(m[2]);
  }
  return out as Settles;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (needServices('cluster: exactly-once order entry')) {
  test(
    'kill -9 of the leader mid-flow: every order answered 0 or 5002 (never "unknown"), and the lookup by cid agrees',
    { timeout: 120_000 },
    async () => {
      // A deadline shorter than a takeover: the orders sent just after the kill expire before the standby leads.
      const l = await failoverLab({
        FILLSTREAM_CLUSTER_COMMAND_TTL_MS: '800',
        FILLSTREAM_CLUSTER_DEADLINE_MARGIN_MS: '500',
      });
      try {
        const a = l.engine();
        await waitFor('first engine leads', () => l.leads(a));
        const b = l.engine();
        await waitFor('second engine waits as standby', () => l.waits(b));
        const { base } = await l.gateway();
        const { auth } = await l.user(base, { USDT: '100000' });
        const totals = await assetTotals(l.pool);
        const answers = new Map<string, Answer>();
        let n = 0;
        let running = true;
        const client = async () => {
          while (running) {
            const cid = `a-${++n}`;
            const r = (await post(base, '/api/v1/create_order', auth, bid(cid))) as Answer;
            answers.set(cid, r);
            await sleep(60);
          }
        };
        const clients = [client(), client()];
        await waitFor('orders flowing', () => answers.size >= 10);
        a.child.kill('SIGKILL');
        await a.exited;
        await waitFor(`standby takes over: ${b.output()}`, () => l.leads(b), 20_000);
        const after = answers.size;
        await waitFor('orders answered by the new leader', () => {
          const late = [...answers.entries()].slice(after);
          return late.filter(([, r]) => r.code === 0).length >= 5;
        });
        running = false;
        await Promise.all(clients);

        const codes = [...answers.values()].map((r) => r.code);
        const tally = new Map<number, number>();
        for (const c of codes) tally.set(c, (tally.get(c) ?? 0) + 1);
        console.log(`kill -9 mid-flow: ${answers.size} orders, answers by code ${JSON.stringify([...tally])}`);
        for (const [cid, r] of answers) {
          // 5001 only as a refusal before the command went out (the gateway re-snapshotting the new leader's books):
          // never "outcome unknown" while the database is reachable.
          const refused = r.code === 5001 && /the engine is not available/.test(r.msg ?? '');
          assert.ok(r.code === 0 || r.code === 5002 || refused, `${cid}: ${JSON.stringify(r)}`);
          if (r.code === 5002) assert.match(r.msg ?? '', /the order was not placed/);
          await checkLookup(base, auth, cid, r);
        }
        assert.ok(
          codes.includes(5002),
          `an order sent into the takeover was settled as not placed: ${codes.join(',')}`,
        );
        assert.ok(codes.filter((c) => c === 0).length >= 15, 'orders before and after the takeover were placed');
        const settled = await settles(base);
        assert.equal(
          settled.not_applied,
          tally.get(5002),
          `each 5002 a not_applied settle: ${JSON.stringify(settled)}`,
        );
        assert.equal(settled.unknown, 0, 'no outcome unknown');
        assert.ok(settled.answered <= (tally.get(0) ?? 0), 'an answered settle is an order answered 0');
        assert.deepEqual(await storeViolations(l.pool, totals), [], 'invariants hold, no cid on two orders');
      } finally {
        await l.close();
      }
    },
  );

  test(
    'the leader frozen then killed with an order in flight: the standby takes it from the stream and its answer is the one',
    { timeout: 90_000 },
    async () => {
      // A deadline longer than a takeover: the order waiting at the frozen leader is applied by the next one.
      const l = await failoverLab({ FILLSTREAM_CLUSTER_COMMAND_TTL_MS: '8000' });
      try {
        const a = l.engine();
        await waitFor('first engine leads', () => l.leads(a));
        const b = l.engine();
        await waitFor('second engine waits as standby', () => l.waits(b));
        const { base } = await l.gateway();
        const { auth } = await l.user(base, { USDT: '1000' });
        a.child.kill('SIGSTOP');
        const pending = post(base, '/api/v1/create_order', auth, bid('in-flight'));
        await sleep(300);
        a.child.kill('SIGKILL');
        const r = (await pending) as Answer;
        assert.equal(r.code, 0, `the new leader's answer: ${JSON.stringify(r)}`);
        assert.ok(l.leads(b), 'answered by the standby after its takeover');
        assert.deepEqual(
          await settles(base),
          { answered: 0, not_applied: 0, unknown: 0 },
          'answered in time: nothing settled',
        );
        await checkLookup(base, auth, 'in-flight', r);
        const rows = (await l.pool.query<{ cid: string }>('SELECT cid FROM orders')).rows;
        assert.deepEqual(
          rows.map((x) => x.cid),
          ['in-flight'],
          'placed once',
        );
      } finally {
        await l.close();
      }
    },
  );

  test(
    "an engine whose commit comes after the deadline: the gateway's 5002 holds, the late batch rolls back, the order never lands",
    { timeout: 90_000 },
    async () => {
      const s = services() as { nats: string };
      const prefix = freshPrefix();
      const db = await freshDatabase();
      const { proxy, url: viaProxy } = await databaseViaProxy(db.url);
      const MARGIN = 500;
      let engine = await startEngine(prefix, viaProxy, 120_000, undefined, { deadlineMarginMs: MARGIN });
      const fatal: string[] = [];
      engine.server.on('fatal', (e) => fatal.push(e));
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      let gateway: RunningServer | null = null;
      try {
        gateway = await inProcessGateway(db.url, prefix, {
          FILLSTREAM_CLUSTER_COMMAND_TTL_MS: '1000',
          FILLSTREAM_CLUSTER_DEADLINE_MARGIN_MS: String(MARGIN),
        });
        const url = gateway.url;
        const { userId, token, auth } = await fundedUser(url, '1000');
        const ws = await WsOrders.open(url, token);
        const balances = async () =>
          (
            await pool.query<{ asset_id: number; avail: string; frozen: string }>(
              'SELECT asset_id, avail::text, frozen::text FROM balances WHERE user_id = $1 ORDER BY asset_id',
              [userId],
            )
          ).rows;
        const before = await balances();

        // The engine takes the order and matches it; its batch never reaches the database until after the deadline.
        // (The chunk holding its statement is the one that carries the order's cid.)
        const cut = proxy.cutOn('late-1');
        const r = await post(url, '/api/v1/create_order', auth, bid('late-1'));
        await cut;
        assert.equal(r.code, 5002, `no answer in time: settled as not placed: ${JSON.stringify(r)}`);
        const settled = await pool.query<{ answer: string }>(
          'SELECT answer FROM cluster_command_results WHERE answer LIKE $1',
          ['%"expired":true%'],
        );
        assert.equal(settled.rows.length, 1, 'the gateway recorded it as expired');

        // The database is back: the engine's retry finds its batch too late and rolls it back, then stops.
        proxy.restore();
        await waitFor('the engine stops on its late batch', () => fatal.length > 0, 20_000);
        assert.match(fatal[0] as string, /late batch rolled back/);
        // Nothing more is applied by the stopped engine (its memory is ahead of the database); over the WebSocket
        // the same answer as over HTTP.
        const r2 = (await ws.request('order.place', bid('late-2'))) as Answer;
        assert.equal(r2.code, 5002, `the stopped engine applied nothing: ${JSON.stringify(r2)}`);
        assert.match(r2.msg ?? '', /the order was not placed/);
        assert.deepEqual(await settles(url), { answered: 0, not_applied: 2, unknown: 0 }, 'both settled not applied');
        ws.close();
        await engine.stop();

        // The next engine recovers from PostgreSQL and finds both commands settled: neither is ever placed.
        engine = await startEngine(prefix, db.url, 120_000, undefined, { deadlineMarginMs: MARGIN });
        await waitFor('the gateway takes the new engine', async () => (await fetch(`${url}/readyz`)).status === 200);
        const r3 = await post(url, '/api/v1/create_order', auth, bid('after'));
        assert.equal(r3.code, 0, JSON.stringify(r3));
        const cids = (await pool.query<{ cid: string }>('SELECT cid FROM orders ORDER BY order_id')).rows;
        assert.deepEqual(
          cids.map((c) => c.cid),
          ['after'],
          'the late orders are absent',
        );
        await checkLookup(url, auth, 'late-1', r as Answer);
        await checkLookup(url, auth, 'late-2', r2);
        await engine.stop();
        // Balances: each asset's total unchanged, and only the order placed afterwards holds a lock.
        const now = await balances();
        const lock = (await pool.query<{ lock: string }>("SELECT lock::text FROM orders WHERE cid = 'after'")).rows[0];
        const frozen = (rows: typeof before) => rows.reduce((t, x) => t + BigInt(x.frozen), 0n);
        assert.equal(frozen(now) - frozen(before), BigInt(lock?.lock ?? '-1'), 'frozen: the later order only');
        assert.deepEqual(
          now.map((x) => [x.asset_id, BigInt(x.avail) + BigInt(x.frozen)]),
          before.map((x) => [x.asset_id, BigInt(x.avail) + BigInt(x.frozen)]),
          'every asset total unchanged',
        );
      } finally {
        await gateway?.close();
        await Promise.race([engine.stop(), sleep(5_000)]);
        await proxy.close();
        await pool.end();
        const nc = await connect({ servers: s.nats });
        await deleteStream(nc, clusterNames(prefix));
        await nc.close();
        await db.drop();
      }
    },
  );

  test(
    'the database unreachable when the gateway settles: 5001 "outcome unknown" naming the cid; the lookup tells later',
    { timeout: 90_000 },
    async () => {
      const l = await failoverLab();
      const { proxy, url: viaProxy } = await databaseViaProxy(l.url);
      let gateway: RunningServer | null = null;
      try {
        const e = l.engine();
        await waitFor('engine leads', () => l.leads(e));
        gateway = await inProcessGateway(viaProxy, l.prefix, {
          FILLSTREAM_CLUSTER_COMMAND_TTL_MS: '1000',
          FILLSTREAM_CLUSTER_DEADLINE_MARGIN_MS: '500',
        });
        const url = gateway.url;
        const { auth } = await fundedUser(url, '1000');
        assert.equal((await post(url, '/api/v1/create_order', auth, bid('warm'))).code, 0);

        // The engine freezes: no answer comes. Then the gateway's database link goes too.
        e.child.kill('SIGSTOP');
        const pending = post(url, '/api/v1/create_order', auth, bid('unknown-1'));
        await sleep(200);
        proxy.cut();
        const r = await pending;
        assert.equal(r.code, 5001, JSON.stringify(r));
        const msg = (r as Answer).msg ?? '';
        assert.match(msg, /outcome unknown/);
        assert.match(msg, /GET \/api\/v1\/order\?cid=unknown-1/);
        assert.deepEqual(await settles(url), { answered: 0, not_applied: 0, unknown: 1 }, 'settled: outcome unknown');

        // Everything is back: the engine takes the command past its deadline and never applies it.
        proxy.restore();
        e.child.kill('SIGCONT');
        await waitFor('gateway ready again', async () => (await fetch(`${url}/readyz`)).status === 200, 30_000);
        assert.equal((await post(url, '/api/v1/create_order', auth, bid('later'))).code, 0);
        const found = await get(url, '/api/v1/order?cid=unknown-1', auth);
        assert.equal(found.code, 4001, `placed once or not at all; here not: ${JSON.stringify(found)}`);
        const rows = (await l.pool.query<{ cid: string }>('SELECT cid FROM orders ORDER BY order_id')).rows;
        assert.deepEqual(
          rows.map((x) => x.cid),
          ['warm', 'later'],
        );
      } finally {
        await gateway?.close();
        await proxy.close();
        await l.close();
      }
    },
  );
}
