// Public market-data seqs across restarts of the all-in-one server (`fillstream serve` child processes on one SQLite
// file): after a clean stop (SIGTERM) the depth and trade seqs go on where they were under the same epoch; after a
// kill -9 the epoch is the next one, GET /depth says so, and a depth subscriber gets its snapshot at the new epoch
// (a book the client held from before is out of sync on the first update).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDepthBook } from '../../src/client/depth-book.js';
import type { DepthUpdateMessage } from '../../src/client/types.js';
import { freePort } from '../support/net.js';
import {
  ADMIN_TOKEN,
  ENCRYPTION_KEY,
  type Json,
  type RoleProcess,
  TOKEN_SECRET,
  post,
  spawnRole,
  waitFor,
} from '../cluster/cluster-lab.js';
import { type Msg, RawClient, wsUrl } from './raw-client.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-market-restart-'));
const procs: RoleProcess[] = [];
const clients: RawClient[] = [];
after(async () => {
  for (const c of clients) c.dispose();
  for (const p of procs) {
    if (p.child.exitCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const env = {
  DATABASE_URL: `sqlite:${join(dir, 'fs.db')}`,
  FILLSTREAM_ADMIN_TOKEN: ADMIN_TOKEN,
  FILLSTREAM_TOKEN_SECRET: TOKEN_SECRET,
  FILLSTREAM_ENCRYPTION_KEY: ENCRYPTION_KEY,
  FILLSTREAM_LOG_LEVEL: 'warn',
  FILLSTREAM_RATE_ORDERS: '100000',
};
const admin = { 'x-admin-token': ADMIN_TOKEN };

async function serve(): Promise<{ p: RoleProcess; base: string }> {
  const port = await freePort();
  const p = spawnRole(['serve', '--port', String(port), '--host', '127.0.0.1'], env);
  procs.push(p);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    `server ready: ${p.output()}`,
    async () => (await fetch(`${base}/readyz`).catch(() => null))?.status === 200,
  );
  return { p, base };
}

async function depth(base: string): Promise<{ epoch: number; seq: number; bids: unknown[] }> {
  const r = (await (await fetch(`${base}/api/v1/depth?symbol=BTC_USDT&levels=20`)).json()) as { data: Json };
  return r.data as { epoch: number; seq: number; bids: unknown[] };
}

async function order(base: string, token: string, side: 'BUY' | 'SELL', price: string): Promise<void> {
  const body = { symbol: 'BTC_USDT', side, order_type: 'LIMIT', price, qty: '0.010000' };
  const r = await post(base, '/api/v1/create_order', { authorization: `Bearer ${token}` }, body);
  assert.equal(r.code, 0, JSON.stringify(r));
}

async function subscriber(base: string): Promise<{ c: RawClient; subscribed: Msg; snapshot: Msg }> {
  const c = await RawClient.connect(wsUrl(base));
  clients.push(c);
  await c.nextOfType('connected');
  const from = c.messages.length;
  c.send({ type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels: 20 });
  c.send({ type: 'subscribe', channel: 'trades', symbol: 'BTC_USDT' });
  const subscribed = await c.nextOfType('subscribed', from);
  const snapshot = await c.nextOfType('depth.snapshot', from);
  return { c, subscribed, snapshot };
}

test(
  'serve restarts: seqs go on under the same epoch after a clean stop, the next epoch after kill -9',
  { timeout: 90_000 },
  async () => {
    let { p, base } = await serve();
    const buyer = (await post(base, '/api/v1/admin/users', admin, {})).data;
    const seller = (await post(base, '/api/v1/admin/users', admin, {})).data;
    await post(base, '/api/v1/admin/deposit', admin, { user_id: buyer.user_id, asset: 'USDT', qty: '100000' });
    await post(base, '/api/v1/admin/deposit', admin, { user_id: seller.user_id, asset: 'BTC', qty: '10' });
    const bt = buyer.token as string;
    const st = seller.token as string;
    for (const price of ['100.00', '101.00', '102.00']) await order(base, bt, 'BUY', price);
    await order(base, st, 'SELL', '102.00'); // one trade, and the 102 level goes
    const first = await depth(base);
    assert.equal(first.epoch, 1, 'a fresh database starts epoch 1');
    assert.equal(first.seq, 4, 'one depth step per drain that touched the book');

    // Clean stop: the same epoch, the seqs continue.
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
    ({ p, base } = await serve());
    const again = await depth(base);
    assert.deepEqual([again.epoch, again.seq], [1, 4], 'after a clean stop: the same epoch and seq');
    const s1 = await subscriber(base);
    assert.equal(s1.subscribed['epoch'], 1);
    assert.deepEqual([s1.snapshot['epoch'], s1.snapshot['seq']], [1, 4]);
    let from = s1.c.messages.length;
    await order(base, bt, 'BUY', '101.00');
    const update = await s1.c.nextOfType('depth.update', from);
    assert.deepEqual([update['epoch'], update['seq']], [1, 5], 'the next update continues the seq');
    from = s1.c.messages.length;
    await order(base, st, 'SELL', '101.00');
    const trade = await s1.c.nextOfType('market.trade', from);
    assert.deepEqual([trade['epoch'], trade['seq']], [1, 2], 'the trade seq continues too (the 2nd trade ever)');
    const held = new LocalDepthBook('BTC_USDT');
    held.applySnapshot(s1.snapshot as never);
    assert.ok(held.applyUpdate(update as unknown as DepthUpdateMessage));
    const before = await depth(base);
    assert.equal(before.seq, 6);

    // kill -9: the market was still "running": the next start is epoch 2, the seqs go on from the committed ones.
    p.child.kill('SIGKILL');
    await p.exited;
    ({ p, base } = await serve());
    const crashed = await depth(base);
    assert.equal(crashed.epoch, 2, 'a start after a crash is a new epoch');
    assert.equal(crashed.seq, 6, 'every acknowledged order was committed with its seqs');
    const s2 = await subscriber(base);
    assert.equal(s2.subscribed['epoch'], 2);
    assert.deepEqual([s2.snapshot['epoch'], s2.snapshot['seq']], [2, 6], 'the new snapshot names the new epoch');
    from = s2.c.messages.length;
    await order(base, bt, 'BUY', '99.00');
    const next = await s2.c.nextOfType('depth.update', from);
    assert.deepEqual([next['epoch'], next['seq']], [2, 7]);
    // A book held from the old epoch does not take an update of the new one (seq 7 = its 6 + 1, yet out of sync).
    const stale = new LocalDepthBook('BTC_USDT');
    stale.load(6, { bids: [], asks: [] }, 1);
    assert.equal(stale.applyUpdate(next as unknown as DepthUpdateMessage), false);
    assert.equal(stale.synced, false);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
  },
);
