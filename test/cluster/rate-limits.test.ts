// Per-user order and cancel rate limits hold across the cluster (issue 11), as child processes (`fillstream engine`,
// `fillstream gateway` twice) on real NATS and PostgreSQL: a user spraying orders, then cancels, over HTTP on
// gateway 1 and WebSocket order.place / order.cancel on gateway 2 at once gets the configured limit once (the
// burst, plus the refill of the time the spray took), not once per gateway; every other request is refused 429 /
// 4291 with the gateway's own message; a second user spraying meanwhile keeps a full budget; a refused and an
// accepted command sent again under their command ids get their original answers, and nothing is applied twice.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import pg from 'pg';
import { type Answer, type CommandEnvelope, clusterNames, decode, encode } from '../../src/cluster/wire.js';
import { freePort } from '../support/net.js';
import {
  ADMIN_TOKEN,
  type Json,
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

const ORDERS_PER_SEC = 5;
const CANCELS_PER_SEC = 4;
/** Requests per gateway and user in each spray: three times the burst through each. */
const SPRAY = 15;

interface Reply {
  readonly code: number;
  readonly msg: string;
  readonly status: number;
  readonly data: Json | null;
}

async function http(base: string, path: string, headers: Json, body: unknown): Promise<Reply> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(headers as object) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { code: number; msg: string; data: Json | null };
  return { ...json, status: res.status };
}

/** A socket whose order.result frames resolve the request of the same id. */
async function orderSocket(base: string, token: string) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${token}`);
  const waiting = new Map<string, (r: Reply) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as Json;
    if (m.type !== 'order.result') return;
    waiting.get(m.id as string)?.({ code: m.code as number, msg: String(m.msg), status: 0, data: m.data as Json });
    waiting.delete(m.id as string);
  });
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  let n = 0;
  return {
    ws,
    request(type: 'order.place' | 'order.cancel', params: Json): Promise<Reply> {
      const id = `r${++n}`;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ type, id, params }));
      });
    },
  };
}

/** Every command the gateways publish (core NATS sees the stream's subject too) and every answer, by id. */
function watch(nc: NatsConnection, prefix: string) {
  const names = clusterNames(prefix);
  const commands = new Map<string, CommandEnvelope>();
  const answers = new Map<string, Answer[]>();
  const add = (a: Answer) => answers.set(a.id, [...(answers.get(a.id) ?? []), a]);
  nc.subscribe(names.commandSubject, {
    callback: (_e, m) => {
      const env = decode<CommandEnvelope>(m.data);
      if (!commands.has(env.id)) commands.set(env.id, env);
    },
  });
  nc.subscribe(names.committedSubject, {
    callback: (_e, m) => decode<{ answers: Answer[] }>(m.data).answers.forEach(add),
  });
  nc.subscribe(names.answersSubject, { callback: (_e, m) => decode<Answer[]>(m.data).forEach(add) });
  return { commands, answers };
}

const codeOf = (a: Answer | undefined): string | null => (a !== undefined && 'ack' in a ? a.ack.code : null);

if (needServices('cluster: rate limits across gateways')) {
  const procs: RoleProcess[] = [];
  after(() => {
    for (const p of procs) p.child.kill('SIGKILL');
  });

  test(
    'order and cancel rate limits hold for a user across two gateways (HTTP on one, WebSocket on the other)',
    { timeout: 120_000 },
    async () => {
      const s = services() as { nats: string };
      const prefix = freshPrefix();
      const names = clusterNames(prefix);
      const db = await freshDatabase();
      const env = {
        ...clusterEnv(db.url, s.nats, prefix),
        FILLSTREAM_LOG_LEVEL: 'warn',
        FILLSTREAM_RATE_ORDERS: String(ORDERS_PER_SEC),
        FILLSTREAM_RATE_CANCELS: String(CANCELS_PER_SEC),
        FILLSTREAM_RATE_QUERIES: '100000',
      };
      const nc = await connect({ servers: s.nats });
      const seen = watch(nc, prefix);
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      const sockets: WebSocket[] = [];
      try {
        const engine = spawnRole(['engine'], env);
        procs.push(engine);
        await waitFor(`engine ready: ${engine.output()}`, () => engine.output().includes('engine ready'));
        const bases: string[] = [];
        for (let i = 0; i < 2; i++) {
          const port = await freePort();
          const g = spawnRole(['gateway', '--port', String(port), '--host', '127.0.0.1'], env);
          procs.push(g);
          const base = `http://127.0.0.1:${port}`;
          await waitFor(`gateway ${base} ready (${g.output()})`, async () => {
            const r = await fetch(`${base}/readyz`).catch(() => null);
            return r !== null && r.status === 200;
          });
          bases.push(base);
        }
        const [gw1, gw2] = bases as [string, string];
        const admin = { 'x-admin-token': ADMIN_TOKEN };
        const user = async () => {
          const u = (await http(gw1, '/api/v1/admin/users', admin, {})).data as Json;
          const dep = await http(gw1, '/api/v1/admin/deposit', admin, {
            user_id: u.user_id,
            asset: 'USDT',
            qty: '1000',
          });
          assert.equal(dep.code, 0, JSON.stringify(dep));
          return {
            id: u.user_id as number,
            auth: { authorization: `Bearer ${u.token as string}` },
            token: u.token as string,
          };
        };
        const a = await user();
        const b = await user();
        const socket = await orderSocket(gw2, a.token);
        sockets.push(socket.ws);
        const order = { symbol: 'BTC_USDT', side: 'BUY', order_type: 'LIMIT', price: '1.00', qty: '0.01' };
        /** First to last charge time (`at`) of A's commands of this kind since `from`, as the engine saw them. */
        const spanOf = (kind: 'place' | 'cancel', from: number) => {
          const ats = [...seen.commands.values()]
            .map((e) => e.cmd)
            .filter((c) => c.kind === kind && c.userId === a.id && c.at >= from)
            .map((c) => (c as { at: number }).at);
          return ats.length === 0 ? 0 : Math.max(...ats) - Math.min(...ats);
        };
        const count = (cls: 'order' | 'cancel', replies: readonly Reply[], perSec: number, from: number) => {
          const ok = replies.filter((r) => r.code === (cls === 'order' ? 0 : 4001));
          const refused = replies.filter((r) => r.code === 4291);
          assert.equal(ok.length + refused.length, replies.length, JSON.stringify(replies.map((r) => r.code)));
          for (const r of refused) {
            assert.equal(r.msg, `rate limit exceeded for ${cls} requests (${perSec} per second)`);
            if (r.status !== 0) assert.equal(r.status, 429);
          }
          // The bucket's documented burst (= the rate), plus what it refills between the first and the last
          // charge; once, not once per gateway.
          const span = spanOf(cls === 'order' ? 'place' : 'cancel', from);
          const most = perSec + Math.floor((span * perSec) / 1000);
          assert.ok(ok.length >= perSec, `at least the burst of ${perSec} ${cls}s passed: ${ok.length}`);
          assert.ok(
            ok.length <= most,
            `${ok.length} ${cls}s passed, charged within ${span} ms, through two gateways (at most ${most})`,
          );
          console.log(`cluster rate limit: ${ok.length}/${replies.length} ${cls}s passed, charged within ${span} ms`);
          return ok.length;
        };

        // Orders: A sprays through both gateways at once; B sends its burst through gateway 2 meanwhile.
        await new Promise((r) => setTimeout(r, 1100)); // any bucket touched during set-up is full again
        let t0 = Date.now();
        const [viaHttp, viaWs, ofB] = await Promise.all([
          Promise.all(Array.from({ length: SPRAY }, () => http(gw1, '/api/v1/create_order', a.auth, order))),
          Promise.all(Array.from({ length: SPRAY }, () => socket.request('order.place', order))),
          Promise.all(Array.from({ length: ORDERS_PER_SEC }, () => http(gw2, '/api/v1/create_order', b.auth, order))),
        ]);
        await nc.flush(); // every command the gateways published has reached this connection
        const placed = count('order', [...viaHttp, ...viaWs], ORDERS_PER_SEC, t0);
        assert.deepEqual(
          ofB.map((r) => r.code),
          Array.from({ length: ORDERS_PER_SEC }, () => 0),
          'the other user keeps its whole budget',
        );
        const orders = async (u: { auth: Json }) => {
          const res = await fetch(`${gw2}/api/v1/orders?limit=1000`, { headers: u.auth as Record<string, string> });
          return ((await res.json()) as { data: { orders: unknown[] } }).data.orders.length;
        };
        assert.equal(await orders(a), placed, 'exactly the accepted orders exist');

        // Cancels (of an order that does not exist: accepted ones answer 4001), the same way.
        await new Promise((r) => setTimeout(r, 1100));
        t0 = Date.now();
        const missing = { order_id: 999_999_999 };
        const cancels = await Promise.all([
          ...Array.from({ length: SPRAY }, () => http(gw1, '/api/v1/cancel_order', a.auth, missing)),
          ...Array.from({ length: SPRAY }, () => socket.request('order.cancel', missing)),
        ]);
        await nc.flush();
        count('cancel', cancels, CANCELS_PER_SEC, t0);

        // The engine refused some (both gateways passed their own burst) and recorded those answers.
        const refusedIds = [...seen.answers].filter(([, as]) => codeOf(as[0]) === 'RATE_LIMITED').map(([id]) => id);
        assert.ok(refusedIds.length > 0, 'the engine refused what the gateways together let through');
        const recorded = await pool.query<{ answer: string }>(
          'SELECT answer FROM cluster_command_results WHERE command_id = $1',
          [refusedIds[0]],
        );
        assert.deepEqual(
          JSON.parse(recorded.rows[0]?.answer ?? 'null'),
          seen.answers.get(refusedIds[0] as string)?.[0],
        );

        // Sent again (a new msg id, a fresh deadline, buckets full again): each gets its original answer.
        await new Promise((r) => setTimeout(r, 1100));
        const refusedId = refusedIds[0] as string;
        const acceptedId = [...seen.answers].find(
          ([id, as]) => codeOf(as[0]) === 'OK' && seen.commands.get(id)?.cmd.kind === 'place',
        )?.[0] as string;
        assert.ok(acceptedId !== undefined && seen.commands.get(refusedId) !== undefined);
        const js = jetstream(nc);
        for (const id of [refusedId, acceptedId]) {
          const again = { ...(seen.commands.get(id) as CommandEnvelope), deadline: Date.now() + 30_000 };
          await js.publish(names.commandSubject, encode(again), { msgID: `${id}-again` });
          await waitFor(`the answer to ${id} again`, () => (seen.answers.get(id)?.length ?? 0) >= 2);
          const [first, second] = seen.answers.get(id) as Answer[];
          assert.deepEqual(second, first, `${id} keeps its answer (${codeOf(first)})`);
        }
        assert.equal(await orders(a), placed, 'nothing was applied twice');
      } finally {
        for (const ws of sockets) ws.terminate();
        for (const p of procs) p.child.kill('SIGTERM');
        await Promise.all(procs.map((p) => p.exited));
        procs.length = 0;
        await pool.end();
        await deleteStream(nc, names);
        await nc.close();
        await db.drop();
      }
    },
  );
}
