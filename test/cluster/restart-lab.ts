// A cluster on private services (private-services.ts) for the service-restart tests: two engines (a leader and a
// standby) and two gateways as child processes, users trading with each other continuously over HTTP and over the
// WebSocket (every acknowledged order and its cid recorded), each user's private event stream watched on both
// gateways, and each gateway's /readyz polled. After the restart of a service, check() holds the cluster to what
// must be true: every acknowledged order in PostgreSQL once by cid, no cid twice, every stream exactly the log,
// sockets kept, and one leader throughout.

import assert from 'node:assert/strict';
import WebSocket from 'ws';
import pg from 'pg';
import { freePort } from '../support/net.js';
import { ADMIN_TOKEN, type RoleProcess, freshPrefix, post, spawnRole, waitFor, clusterEnv } from './cluster-lab.js';
import { type PrivateNats, type PrivatePostgres, privateNats, privatePostgres } from './private-services.js';

const USERS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface User {
  readonly id: number;
  readonly token: string;
  readonly home: string;
  /** Private events (frames with a seq) as each gateway pushed them, by gateway base URL. */
  readonly frames: Map<string, string[]>;
  readonly sockets: WebSocket[];
}

export interface Gateway {
  readonly base: string;
  readonly proc: RoleProcess;
  /** Every /readyz answer status with its time, polled every 100 ms. */
  readonly readiness: Array<{ at: number; ok: boolean }>;
}

export class RestartLab {
  readonly prefix = freshPrefix();
  readonly procs: RoleProcess[] = [];
  readonly gateways: Gateway[] = [];
  readonly users: User[] = [];
  /** Acknowledged orders: cid → order id. */
  readonly acked = new Map<string, number>();
  /** Times an order was acknowledged (to find the first one after a restart). */
  readonly ackTimes: number[] = [];
  /** Answers other than 0, by code. */
  readonly refused = new Map<number, number>();
  socketsClosed = 0;
  private running = true;
  private loops: Promise<void>[] = [];
  pool!: pg.Pool;
  leader!: RoleProcess;
  standby!: RoleProcess;

  private constructor(
    readonly nats: PrivateNats,
    readonly pg: PrivatePostgres,
  ) {}

  static async start(): Promise<RestartLab> {
    const nats = await privateNats();
    const pgs = await privatePostgres().catch(async (e: unknown) => {
      await nats.close();
      throw e;
    });
    const lab = new RestartLab(nats, pgs);
    try {
      await lab.boot();
    } catch (e) {
      await lab.close();
      throw e;
    }
    return lab;
  }

  private get env(): Record<string, string> {
    return {
      ...clusterEnv(this.pg.url, this.nats.url, this.prefix),
      FILLSTREAM_LOG_LEVEL: 'silent',
      FILLSTREAM_RATE_ORDERS: '100000',
      FILLSTREAM_RATE_QUERIES: '100000',
      FILLSTREAM_CLUSTER_COMMAND_TTL_MS: '2000',
      FILLSTREAM_CLUSTER_LEASE_MS: '1500',
    };
  }

  private spawn(args: string[], env: Record<string, string> = {}): RoleProcess {
    const p = spawnRole(args, { ...this.env, ...env });
    this.procs.push(p);
    return p;
  }

  private async boot(): Promise<void> {
    this.pool = new pg.Pool({ connectionString: this.pg.url, max: 1 });
    this.pool.on('error', () => undefined);
    this.leader = this.spawn(['engine'], { FILLSTREAM_LOG_LEVEL: 'info' });
    await waitFor(`first engine leads: ${this.leader.output()}`, () => this.leader.output().includes('engine ready'));
    this.standby = this.spawn(['engine'], { FILLSTREAM_LOG_LEVEL: 'info' });
    await waitFor('second engine waits as standby', () => this.standby.output().includes('engine standby'));
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const proc = this.spawn(['gateway', '--port', String(port), '--host', '127.0.0.1']);
      const gw: Gateway = { base: `http://127.0.0.1:${port}`, proc, readiness: [] };
      this.gateways.push(gw);
      await waitFor('gateway ready', async () => (await fetch(`${gw.base}/readyz`).catch(() => null))?.status === 200);
      this.loops.push(this.pollReadiness(gw));
    }
    const admin = { 'x-admin-token': ADMIN_TOKEN };
    for (let i = 0; i < USERS; i++) {
      const base = (this.gateways[i % 2] as Gateway).base;
      const u = (await post(base, '/api/v1/admin/users', admin, {})).data;
      await post(base, '/api/v1/admin/deposit', admin, { user_id: u.user_id, asset: 'BTC', qty: '1000' });
      await post(base, '/api/v1/admin/deposit', admin, { user_id: u.user_id, asset: 'USDT', qty: '10000000' });
      const user: User = {
        id: u.user_id as number,
        token: u.token as string,
        home: base,
        frames: new Map(),
        sockets: [],
      };
      for (const g of this.gateways) await this.watch(user, g.base);
      this.users.push(user);
    }
  }

  private async watch(user: User, base: string): Promise<void> {
    const frames: string[] = [];
    user.frames.set(base, frames);
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${user.token}&resume_from=0`);
    ws.on('message', (d) => {
      const text = d.toString();
      if (typeof (JSON.parse(text) as { seq?: unknown }).seq === 'number') frames.push(text);
    });
    ws.on('close', () => {
      if (this.running) this.socketsClosed++;
    });
    ws.on('error', () => undefined);
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    user.sockets.push(ws);
  }

  private async pollReadiness(g: Gateway): Promise<void> {
    while (this.running) {
      const r = await fetch(`${g.base}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
      g.readiness.push({ at: Date.now(), ok: r?.status === 200 });
      await sleep(100);
    }
  }

  private record(cid: string, r: { code: number; data?: { order_id?: unknown } } | null): void {
    if (r?.code === 0 && typeof r.data?.order_id === 'number') {
      this.acked.set(cid, r.data.order_id);
      this.ackTimes.push(Date.now());
    } else {
      const code = r?.code ?? -1;
      this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
    }
  }

  /** Every user places orders that cross each other's, one at a time over HTTP and one at a time over /ws. */
  startTrading(): void {
    for (const [i, u] of this.users.entries()) {
      const order = (cid: string, n: number) => ({
        symbol: 'BTC_USDT',
        side: (n + i) % 2 === 0 ? 'BUY' : 'SELL',
        order_type: 'LIMIT',
        price: '100.00',
        qty: '0.01',
        cid,
      });
      this.loops.push(this.httpClient(u, order), this.wsClient(u, order));
    }
  }

  private async httpClient(u: User, order: (cid: string, n: number) => object): Promise<void> {
    const auth = { authorization: `Bearer ${u.token}` };
    for (let n = 1; this.running; n++) {
      const cid = `u${u.id}-h${n}`;
      const r = await post(u.home, '/api/v1/create_order', auth, order(cid, n)).catch(() => null);
      this.record(cid, r as { code: number; data: { order_id?: unknown } } | null);
      if (r?.code !== 0) await sleep(50);
    }
  }

  private async wsClient(u: User, order: (cid: string, n: number) => object): Promise<void> {
    const ws = u.sockets[this.gateways.findIndex((g) => g.base === u.home)] as WebSocket;
    const results = new Map<string, (r: { code: number; data?: { order_id?: unknown } }) => void>();
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { type: string; id?: string; code: number; data?: { order_id?: unknown } };
      if (m.type === 'order.result' && m.id !== undefined) results.get(m.id)?.(m);
    });
    for (let n = 1; this.running && ws.readyState === WebSocket.OPEN; n++) {
      const cid = `u${u.id}-w${n}`;
      const answer = new Promise<{ code: number; data?: { order_id?: unknown } } | null>((resolve) => {
        results.set(cid, resolve);
        setTimeout(() => resolve(null), 15_000);
      });
      ws.send(JSON.stringify({ type: 'order.place', id: cid, params: order(cid, n) }));
      const r = await answer;
      results.delete(cid);
      this.record(cid, r);
      if (r?.code !== 0) await sleep(50);
    }
  }

  /** Waits until `more` orders more than now were acknowledged. */
  async ordersAcked(more: number, ms = 30_000): Promise<void> {
    const target = this.acked.size + more;
    await waitFor(`${more} more acknowledged orders`, () => this.acked.size >= target, ms).catch((e: Error) => {
      const tail = (p: RoleProcess) => p.output().split('\n').slice(-12).join('\n');
      throw new Error(
        `${e.message} (have ${this.acked.size}; refused by code ${JSON.stringify([...this.refused])})\n` +
          `leader:\n${tail(this.leader)}\nstandby:\n${tail(this.standby)}`,
      );
    });
  }

  /** Milliseconds from `since` until every gateway answered /readyz 200 again (after having been seen not ready). */
  async readyAgain(since: number, ms = 30_000): Promise<number> {
    const readyAt = (g: Gateway) => g.readiness.find((r) => r.at >= since && r.ok)?.at;
    await waitFor('every gateway ready again', () => this.gateways.every((g) => readyAt(g) !== undefined), ms);
    return Math.max(...this.gateways.map((g) => (readyAt(g) as number) - since));
  }

  /** How many /readyz polls since `since` said not ready, per gateway. */
  notReadyPolls(since: number): number[] {
    return this.gateways.map((g) => g.readiness.filter((r) => r.at >= since && !r.ok).length);
  }

  async stopTrading(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** The leader's node id, as its own log says (the line "engine leads: recovering"). */
  nodeOf(e: RoleProcess): string | null {
    for (const line of e.output().split('\n')) {
      if (!line.includes('engine leads')) continue;
      const o = JSON.parse(line) as { nodeId?: string };
      if (typeof o.nodeId === 'string') return o.nodeId;
    }
    return null;
  }

  /** What must hold after a restart (trading stopped first). */
  async check(): Promise<void> {
    const rows = (await this.pool.query<{ order_id: string; cid: string }>('SELECT order_id, cid FROM orders')).rows;
    const byCid = new Map<string, number[]>();
    for (const r of rows) byCid.set(r.cid, [...(byCid.get(r.cid) ?? []), Number(r.order_id)]);
    for (const [cid, id] of this.acked)
      assert.deepEqual(byCid.get(cid), [id], `acknowledged order ${cid} is there once`);
    for (const [cid, ids] of byCid) assert.equal(ids.length, 1, `order ${cid} placed once`);
    assert.equal(this.socketsClosed, 0, 'every gateway kept its sockets');
    for (const u of this.users) {
      const log: string[] = [];
      for (let after = 0; ;) {
        const r = await fetch(`${u.home}/api/v1/events?after=${after}&limit=1000`, {
          headers: { authorization: `Bearer ${u.token}` },
        });
        const page = ((await r.json()) as { data: { events: Array<{ seq: number }> } }).data.events;
        if (page.length === 0) break;
        log.push(...page.map((e) => JSON.stringify(e)));
        after = (page[page.length - 1] as { seq: number }).seq;
      }
      for (const [base, frames] of u.frames) {
        await waitFor(`user ${u.id} on ${base}: every event pushed`, () => frames.length >= log.length, 15_000);
        await sleep(200);
        assert.deepEqual(frames, log, `user ${u.id} on ${base}: exactly the log, no gap, none twice, in order`);
      }
    }
    // One leader throughout: the first engine still runs and still holds the fence; the standby never led.
    assert.equal(this.leader.child.exitCode, null, `the leader still runs: ${this.leader.output().slice(-2000)}`);
    assert.equal(this.standby.child.exitCode, null, 'the standby still runs');
    assert.ok(!this.standby.output().includes('engine leads'), `the standby never led: ${this.standby.output()}`);
    const fence = (
      await this.pool.query<{ node: string }>('SELECT node FROM cluster_leader WHERE name = $1', [this.prefix])
    ).rows;
    assert.deepEqual(
      fence.map((r) => r.node),
      [this.nodeOf(this.leader)],
      'cluster_leader still names the first leader',
    );
  }

  async close(): Promise<void> {
    this.running = false;
    for (const u of this.users) for (const ws of u.sockets) ws.terminate();
    for (const p of this.procs) p.child.kill('SIGKILL');
    await Promise.all(this.procs.map((p) => p.exited));
    await Promise.all(this.loops).catch(() => undefined);
    await this.pool?.end().catch(() => undefined);
    await this.nats.close();
    await this.pg.close();
  }
}
