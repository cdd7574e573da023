// Crash test: a real server child process under a stream of orders and
// cancels is killed with SIGKILL at random moments, five times. After each
// restart: every acknowledged order and cancel is in the journal and visible
// over HTTP, the persisted state equals a replay of the committed journal in a
// fresh engine, invariants hold, and order ids continue without reuse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/core/engine.js';
import { checkInvariants } from '../../src/core/invariants.js';
import { big } from '../../src/core/int64.js';
import { coreConfig, loadConfig } from '../../src/config.js';
import { openStore } from '../../src/adapters/store/index.js';
import { decodeCommand } from '../../src/pipeline/journal.js';
import { freePort } from '../support/net.js';

const ADMIN = 'crash-test-admin-token-0123456789';
const ROUNDS = 5;
const CLIENTS = 6;
const SEED = Number(process.env['CRASH_SEED'] ?? 20261123);

function prng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = Math.imul(x ^ (x >>> 15), 1 | x);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test(
  'SIGKILL at random moments loses no acknowledged order; state = replay of the journal',
  { timeout: 180_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-crash-'));
    const dbUrl = `sqlite:${join(dir, 'crash.db')}`;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env['PATH'] ?? '',
      FILLSTREAM_PORT: String(port),
      FILLSTREAM_HOST: '127.0.0.1',
      DATABASE_URL: dbUrl,
      FILLSTREAM_ADMIN_TOKEN: ADMIN,
      FILLSTREAM_TOKEN_SECRET: 'crash-test-token-secret-0123456789abcdef',
      FILLSTREAM_ENCRYPTION_KEY: 'a'.repeat(64),
      FILLSTREAM_LOG_LEVEL: 'silent',
      FILLSTREAM_RATE_ORDERS: '100000',
      FILLSTREAM_RATE_CANCELS: '100000',
      FILLSTREAM_RATE_QUERIES: '100000',
    };
    const config = loadConfig({ env });
    const rnd = prng(SEED);
    console.log(`crash test seed ${SEED} (set CRASH_SEED to replay)`);

    let child: ChildProcess | null = null;
    const start = async () => {
      child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      for (let i = 0; i < 300; i++) {
        try {
          const r = await fetch(`${base}/readyz`);
          if (r.status === 200) return;
        } catch {
          // not listening yet
        }
        if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`server not ready: ${stderr}`);
    };
    const kill = async () => {
      const c = child as ChildProcess | null;
      if (c === null || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    };
    const call = async (path: string, body: unknown, headers: Record<string, string>) => {
      const r = await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: r.status, json: (await r.json()) as { code: number; data: Record<string, unknown> } };
    };

    try {
      await start();
      const admin = { 'x-admin-token': ADMIN };
      const users: Array<{ id: number; auth: Record<string, string> }> = [];
      for (let i = 0; i < 4; i++) {
        const u = (await call('/api/v1/admin/users', {}, admin)).json.data;
        const id = u['user_id'] as number;
        await call('/api/v1/admin/deposit', { user_id: id, asset: 'BTC', qty: '100' }, admin);
        await call('/api/v1/admin/deposit', { user_id: id, asset: 'USDT', qty: '5000000' }, admin);
        users.push({ id, auth: { authorization: `Bearer ${String(u['token'])}` } });
      }

      const ackedOrders = new Map<number, number>(); // order id -> user id
      const ackedCancels: number[] = [];
      let maxAckedId = 0;

      for (let round = 1; round <= ROUNDS; round++) {
        let killed = false;
        const open: Array<{ id: number; user: (typeof users)[number] }> = [];
        const client = async (c: number) => {
          const r = prng(SEED * 31 + round * 7 + c);
          while (!killed) {
            const user = users[Math.floor(r() * users.length)] as (typeof users)[number];
            try {
              if (open.length > 0 && r() < 0.3) {
                const [o] = open.splice(Math.floor(r() * open.length), 1);
                if (o === undefined) continue;
                const res = await call('/api/v1/cancel_order', { order_id: o.id }, o.user.auth);
                if (res.status === 200) ackedCancels.push(o.id);
                assert.ok(res.status < 500 || res.json.code === 5001, `cancel answered ${res.status}`);
              } else {
                const side = r() < 0.5 ? 'BUY' : 'SELL';
                const ticks = Math.floor(r() * 40) - (side === 'BUY' ? 25 : 15);
                const price = `${30000 + ticks}.00`;
                const qty = `0.${String(1 + Math.floor(r() * 9999)).padStart(4, '0')}`;
                const tif = r() < 0.15 ? 'IOC' : 'GTC';
                const body = { symbol: 'BTC_USDT', side, order_type: 'LIMIT', time_in_force: tif, price, qty };
                const res = await call('/api/v1/create_order', body, user.auth);
                assert.ok(res.status < 500 || res.json.code === 5001, `create_order answered ${res.status}`);
                if (res.status === 202) {
                  const id = res.json.data['order_id'] as number;
                  ackedOrders.set(id, user.id);
                  maxAckedId = Math.max(maxAckedId, id);
                  if (tif === 'GTC') open.push({ id, user });
                }
              }
            } catch (e) {
              if (!killed) throw e; // only the kill may break a request
            }
          }
        };
        const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
        await new Promise((r) => setTimeout(r, 300 + Math.floor(rnd() * 900)));
        killed = true;
        await kill();
        await Promise.all(clients);
        await start();

        // 1. The journal holds every acknowledged command; replaying it gives the persisted state.
        const store = await openStore(dbUrl);
        try {
          const engine = new Engine(coreConfig(config));
          const placed = new Set<number>();
          const canceled = new Set<number>();
          let after = 0;
          for (;;) {
            const page = await store.readJournal(after, 5000);
            if (page.length === 0) break;
            for (const e of page) {
              assert.equal(e.seq, after + 1, 'journal seq is gap-free');
              after = e.seq;
              const cmd = decodeCommand(e.command);
              engine.process(cmd);
              if (cmd.type === 'place') placed.add(cmd.orderId);
              if (cmd.type === 'cancel' && cmd.orderId !== null) canceled.add(cmd.orderId);
            }
          }
          assert.deepEqual(checkInvariants(engine), [], 'invariants of the replayed journal');
          for (const id of ackedOrders.keys()) assert.ok(placed.has(id), `acknowledged order ${id} is in the journal`);
          for (const id of ackedCancels) assert.ok(canceled.has(id), `acknowledged cancel of ${id} is in the journal`);

          const persisted = await store.recover();
          const balances = new Map(persisted.balances.map((b) => [`${b.userId}:${b.assetId}`, b]));
          for (const acc of engine.accounts.values()) {
            for (const a of config.market.assets) {
              const p = balances.get(`${acc.userId}:${a.id}`);
              const want = [big(acc.avail[a.id] ?? 0), big(acc.frozen[a.id] ?? 0)];
              assert.deepEqual(p ? [big(p.avail), big(p.frozen)] : [0n, 0n], want, `balance ${acc.userId}:${a.name}`);
            }
          }
          const replayOpen = [...engine.orders.values()].map((o) => [o.id, big(o.filled), big(o.lock)]);
          const storedOpen = persisted.openOrders.map((o) => [o.orderId, big(o.filledQty), big(o.lock)]);
          assert.deepEqual(storedOpen, replayOpen, 'open orders equal the replay');
          assert.ok(persisted.meta.lastOrderId >= maxAckedId);

          // 2. Every acknowledged order is visible to its owner over HTTP.
          const sample = [...ackedOrders].slice(-50);
          for (const [id, userId] of sample) {
            const u = users.find((x) => x.id === userId) as (typeof users)[number];
            const r = await fetch(`${base}/api/v1/order/${id}`, { headers: u.auth });
            assert.equal(r.status, 200, `order ${id} after restart ${round}`);
          }
        } finally {
          await store.close();
        }

        // 3. Ids continue above everything handed out before the crash.
        const u0 = users[0] as (typeof users)[number];
        const next = await call(
          '/api/v1/create_order',
          { symbol: 'BTC_USDT', side: 'BUY', order_type: 'LIMIT', price: '20000.00', qty: '0.001' },
          u0.auth,
        );
        assert.equal(next.status, 202, JSON.stringify(next.json));
        assert.ok((next.json.data['order_id'] as number) > maxAckedId, 'ids are not reused after a crash');
        ackedOrders.set(next.json.data['order_id'] as number, u0.id);
        console.log(`round ${round}: ${ackedOrders.size} acknowledged orders, ${ackedCancels.length} cancels so far`);
      }
      assert.ok(ackedOrders.size > ROUNDS * 20, `the stream was real (${ackedOrders.size} orders)`);
    } finally {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
