// The depth channel against real servers and real sockets: `levels` rounded up to the fixed sizes (and said so in
// `subscribed`), one stream per size whatever values were asked, the per-connection subscription cap (1001, the
// connection stays), depth work per book change that does not grow with subscribers or distinct `levels` (the
// feed's counters, not time), and exactness: for every fixed size, snapshot + updates equal GET /depth?levels=N
// after random orders, cancels and sweeps on a book wider than 500 levels a side; the TypeScript client too.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/node/server-node.js';
import { PushClient } from '../../src/client/index.js';
import { DEPTH_SIZES, depthSize } from '../../src/push/depth-top.js';
import { Prng } from '../../src/replay/prng.js';
import {
  ADMIN_TOKEN,
  ENCRYPTION_KEY,
  HIGH_RATES,
  TOKEN_SECRET,
  type LoggedResponse,
  type TestDatabase,
  type TestUser,
  TestServer,
  createDatabase,
  sleep,
} from '../http/harness.js';
import { type Msg, RawClient, wsUrl } from './raw-client.js';

const log: LoggedResponse[] = [];
const servers: TestServer[] = [];
const databases: TestDatabase[] = [];
const clients: RawClient[] = [];

async function serve(name: string, ws: Record<string, number>): Promise<TestServer> {
  const db = await createDatabase('sqlite');
  databases.push(db);
  const config = loadConfig({
    flags: {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: db.url,
      adminToken: ADMIN_TOKEN,
      tokenSecret: TOKEN_SECRET,
      encryptionKey: ENCRYPTION_KEY,
      rateLimits: HIGH_RATES,
      logLevel: 'silent',
      ws,
    },
    env: {},
  });
  const s = new TestServer(name, await startServer(config, { logger: pino({ level: 'silent' }) }), db, log);
  servers.push(s);
  return s;
}

after(async () => {
  for (const c of clients.splice(0)) c.dispose();
  for (const s of servers.splice(0)) await s.close();
  for (const d of databases.splice(0)) await d.drop();
});

async function anonymous(s: TestServer): Promise<RawClient> {
  const c = await RawClient.connect(wsUrl(s.url));
  clients.push(c);
  await c.nextOfType('connected');
  return c;
}

type Level = [string, string];
type DepthData = { bids: Level[]; asks: Level[] };

const order = (side: 'BUY' | 'SELL', price: string, qty: string) => ({
  symbol: 'BTC_USDT',
  side,
  order_type: 'LIMIT',
  price,
  qty,
});

/** Places every order, `width` at a time; answers the order ids (null where the order was not accepted). */
async function placeAll(
  s: TestServer,
  orders: Array<[TestUser, ReturnType<typeof order>]>,
  width = 50,
): Promise<Array<number | null>> {
  const ids: Array<number | null> = [];
  for (let i = 0; i < orders.length; i += width) {
    const batch = orders.slice(i, i + width).map(async ([u, o]) => {
      const r = await s.post('/api/v1/create_order', o, u.bearer);
      return r.status === 202 ? (r.body?.data as { order_id: number }).order_id : null;
    });
    ids.push(...(await Promise.all(batch)));
  }
  return ids;
}

const depthMessages = (c: RawClient, from = 0) =>
  c.messages.slice(from).filter((m) => m.type === 'depth.snapshot' || m.type === 'depth.update');

/** A client's book: the last snapshot plus every update after it (a qty of zero removes the level). */
function held(msgs: Msg[], upTo: number): { seq: number; bids: Map<string, string>; asks: Map<string, string> } {
  const book = { seq: -1, bids: new Map<string, string>(), asks: new Map<string, string>() };
  for (const m of msgs) {
    if ((m.seq as number) > upTo) break;
    if (m.type === 'depth.snapshot') {
      book.bids.clear();
      book.asks.clear();
    } else assert.equal(m.seq, book.seq + 1, 'gap-free depth seq');
    book.seq = m.seq as number;
    const d = m.data as DepthData;
    for (const [side, levels] of [
      [book.bids, d.bids],
      [book.asks, d.asks],
    ] as const) {
      for (const [p, q] of levels) {
        if (/^0\.0+$/.test(q)) side.delete(p);
        else side.set(p, q);
      }
    }
  }
  return book;
}

const sorted = (m: Map<string, string>, desc: boolean): Level[] =>
  [...m].sort((a, b) => (desc ? -1 : 1) * (Number(a[0].replace('.', '')) - Number(b[0].replace('.', ''))));

describe('depth sizes and the subscription cap', () => {
  let s: TestServer;
  let maker: TestUser;
  let taker: TestUser;
  before(async () => {
    s = await serve('sizes', { messagesPerSec: 1000, maxSubscriptions: 8 });
    maker = await s.fundedUser({ BTC: '100' });
    taker = await s.fundedUser({ USDT: '10000000' });
    // 30 levels a side.
    await placeAll(s, [
      ...Array.from({ length: 30 }, (_, i) => [taker, order('BUY', `${29_000 - i}.00`, '0.01')] as [TestUser, never]),
      ...Array.from({ length: 30 }, (_, i) => [maker, order('SELL', `${31_000 + i}.00`, '0.01')] as [TestUser, never]),
    ]);
  });

  test('levels 1..120 are served at the next fixed size, said in `subscribed`; one update per size per change', async () => {
    const c = await anonymous(s);
    for (let levels = 1; levels <= 120; levels++)
      c.send({ type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels });
    await c.until(() => c.messages.filter((m) => m.type === 'depth.snapshot').length === 120, '120 snapshots');
    const answers = c.messages.filter((m) => m.type === 'subscribed');
    assert.deepEqual(
      answers.map((m) => m.levels),
      Array.from({ length: 120 }, (_, i) => depthSize(i + 1)),
      'each answer names the size that serves it',
    );
    assert.deepEqual(answers[0], { type: 'subscribed', channel: 'depth', symbol: 'BTC_USDT', levels: 5, epoch: 1 });
    // Each snapshot holds the levels of its size (the book has 30 a side).
    const snapshots = c.messages.filter((m) => m.type === 'depth.snapshot');
    snapshots.forEach((m, i) => {
      const n = Math.min(30, depthSize(i + 1));
      assert.equal((m.data as DepthData).bids.length, n);
      assert.equal((m.data as DepthData).asks.length, n);
    });
    // 120 values asked, six sizes served: one depth.update per size for a change.
    const from = c.messages.length;
    await s.place(taker, order('BUY', '29500.00', '0.01'));
    await c.until(() => c.messages.slice(from).filter((m) => m.type === 'depth.update').length >= 6, '6 updates');
    await c.ping(); // the pong leaves after every update of the change
    const updates = c.messages.slice(from).filter((m) => m.type === 'depth.update');
    assert.equal(updates.length, DEPTH_SIZES.length, JSON.stringify(updates));
    assert.equal(new Set(updates.map((m) => m.seq)).size, 1, 'one seq step');
    // Unsubscribing with any value of a size ends that size's stream.
    c.send({ type: 'unsubscribe', channel: 'depth', symbol: 'BTC_USDT', levels: 7 });
    await c.nextOfType('unsubscribed', from);
    const from2 = c.messages.length;
    await s.place(taker, order('BUY', '29501.00', '0.01'));
    await c.until(() => c.messages.slice(from2).filter((m) => m.type === 'depth.update').length >= 5, '5 updates');
    await c.ping();
    assert.equal(c.messages.slice(from2).filter((m) => m.type === 'depth.update').length, DEPTH_SIZES.length - 1);
    // Above the largest size, or not an integer: 1001, the connection stays.
    for (const levels of [501, 0, 2.5, '5']) {
      const m = await c.request({ type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels });
      assert.equal(m.type, 'error', JSON.stringify(m));
      assert.equal(m.code, 1001);
      assert.match(m.msg as string, /1\.\.500 \(served at 5, 10, 20, 50, 100, 500\)/);
    }
    assert.equal((await c.ping()).type, 'pong');
  });

  test('at most ws.maxSubscriptions per connection: 1001 beyond it, re-subscribing does not count twice', async () => {
    const c = await anonymous(s);
    const subscribe = (channel: string, symbol: string, levels?: number) => {
      const from = c.messages.length;
      c.send({ type: 'subscribe', channel, symbol, ...(levels === undefined ? {} : { levels }) });
      return c.next((m) => m.type === 'subscribed' || m.type === 'error', 'the answer', from);
    };
    const eight: Array<[string, string, number?]> = [
      ['trades', 'BTC_USDT'],
      ['ticker', 'BTC_USDT'],
      ['trades', 'ETH_USDT'],
      ['ticker', 'ETH_USDT'],
      ['depth', 'BTC_USDT', 5],
      ['depth', 'BTC_USDT', 10],
      ['depth', 'BTC_USDT', 20],
      ['depth', 'ETH_USDT'],
    ];
    for (const [channel, symbol, levels] of eight) {
      assert.equal((await subscribe(channel, symbol, levels)).type, 'subscribed', `${channel} ${symbol} ${levels}`);
    }
    const refused = await subscribe('depth', 'BTC_USDT', 50);
    assert.deepEqual(Object.keys(refused), ['type', 'code', 'msg']);
    assert.equal(refused.type, 'error');
    assert.equal(refused.code, 1001);
    assert.match(refused.msg as string, /too many subscriptions on this connection \(max 8\)/);
    // What it already has: answered again (with a fresh snapshot), not refused.
    assert.equal((await subscribe('trades', 'BTC_USDT')).type, 'subscribed');
    const again = await subscribe('depth', 'BTC_USDT', 3); // served at 5, which it has
    assert.deepEqual(again, { type: 'subscribed', channel: 'depth', symbol: 'BTC_USDT', levels: 5, epoch: 1 });
    assert.equal((await c.nextOfType('depth.snapshot', c.messages.indexOf(again))).symbol, 'BTC_USDT');
    assert.equal((await subscribe('depth', 'ETH_USDT', 20)).type, 'subscribed', 'ETH depth 20 is its depth 20');
    assert.equal((await subscribe('ticker', 'ETH_USDT')).type, 'subscribed');
    assert.equal((await subscribe('depth', 'BTC_USDT', 100)).type, 'error');
    // Unsubscribing frees a place.
    c.send({ type: 'unsubscribe', channel: 'ticker', symbol: 'ETH_USDT' });
    await c.nextOfType('unsubscribed');
    assert.deepEqual(await subscribe('depth', 'BTC_USDT', 100), {
      type: 'subscribed',
      channel: 'depth',
      symbol: 'BTC_USDT',
      levels: 100,
      epoch: 1,
    });
    assert.equal((await c.ping()).type, 'pong');
    assert.ok(c.open);
    // The cap is per connection: another one starts from zero.
    const d = await anonymous(s);
    assert.equal(
      (await d.request({ type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels: 50 })).type,
      'subscribed',
    );
  });
});

describe('depth work per book change', () => {
  let s: TestServer;
  before(async () => {
    s = await serve('work', { messagesPerSec: 1000 });
  });

  test('the same book change costs the same work with one subscriber per size or with 5 more asking for 102 `levels` values each', async () => {
    const maker = await s.fundedUser({ BTC: '100' });
    const taker = await s.fundedUser({ USDT: '100000000' });
    // 600 levels a side: wider than the largest size.
    await placeAll(s, [
      ...Array.from({ length: 600 }, (_, i) => [taker, order('BUY', `${29_000 - i}.00`, '0.01')] as [TestUser, never]),
      ...Array.from({ length: 600 }, (_, i) => [maker, order('SELL', `${31_000 + i}.00`, '0.01')] as [TestUser, never]),
    ]);
    const watchers = await Promise.all(DEPTH_SIZES.map(() => anonymous(s)));
    watchers.forEach((w, i) =>
      w.send({ type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels: DEPTH_SIZES[i] }),
    );
    await Promise.all(watchers.map((w) => w.nextOfType('depth.snapshot')));
    const stats = () => ({ ...s.srv.push.feedStats });
    /** The feed's work for one book change (waited for on the size-5 watcher: all sizes are done by then). */
    const workOf = async (change: () => Promise<unknown>) => {
      const w = watchers[0] as RawClient;
      const seq = (depthMessages(w).at(-1) as Msg).seq as number;
      const before = stats();
      await change();
      await w.next((m) => m.type === 'depth.update' && m.seq === seq + 1, `depth seq ${seq + 1}`);
      const after = stats();
      return {
        levelsVisited: after.levelsVisited - before.levelsVisited,
        levelsFormatted: after.levelsFormatted - before.levelsFormatted,
        updatesSerialized: after.updatesSerialized - before.updatesSerialized,
      };
    };
    // Three changes: a new best bid (it enters every size's top N), the same order canceled (it leaves every
    // one), a new total at the 550th ask (below every top N).
    const changes = async () => {
      let id = 0;
      const best = await workOf(async () => (id = await s.place(taker, order('BUY', '29500.00', '0.01'))));
      const gone = await workOf(() => s.cancel(taker, { order_id: id }));
      const deep = await workOf(() => s.place(maker, order('SELL', `${31_000 + 549}.00`, '0.01')));
      return { best, gone, deep };
    };
    const few = await changes();
    // Five more connections, each asking for 102 distinct `levels` values (1..100, 250, 500: all six sizes).
    const values = [...Array.from({ length: 100 }, (_, i) => i + 1), 250, 500];
    const crowd = await Promise.all(Array.from({ length: 5 }, () => anonymous(s)));
    for (const c of crowd) {
      for (const levels of values) c.send({ type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels });
    }
    const snapshots = (c: RawClient) => c.messages.filter((m) => m.type === 'depth.snapshot').length;
    await Promise.all(crowd.map((c) => c.until(() => snapshots(c) === values.length, `${values.length} snapshots`)));
    const many = await changes();
    assert.deepEqual(many, few, 'the same work for the same changes');
    // What that work is, per size: the new best bid is examined and pushes the N-th bid out (two levels visited,
    // two formatted); the cancel brings the (N+1)-th back (the same); the deep change is examined and reaches no
    // top N: one empty update serialized for every size.
    const sizes = DEPTH_SIZES.length;
    assert.deepEqual(few.best, { levelsVisited: 2 * sizes, levelsFormatted: 2 * sizes, updatesSerialized: sizes });
    assert.deepEqual(few.gone, few.best);
    assert.deepEqual(few.deep, { levelsVisited: sizes, levelsFormatted: 0, updatesSerialized: 1 });
    // Every crowd connection got its six sizes' update of each change.
    const lastSeq = (depthMessages(watchers[0] as RawClient).at(-1) as Msg).seq as number;
    for (const c of crowd) {
      await c.until(() => c.messages.some((m) => m.type === 'depth.update' && m.seq === lastSeq), `seq ${lastSeq}`);
      await c.ping();
      assert.equal(c.messages.filter((m) => m.type === 'depth.update').length, 3 * sizes);
    }
  });
});

describe('depth exactness on a book wider than 500 levels', () => {
  let s: TestServer;
  before(async () => {
    s = await serve('exact', { messagesPerSec: 1000 });
  });

  test('every fixed size: snapshot + updates equal GET /depth?levels=N after 2,400 random orders and cancels', async () => {
    const buyer = await s.fundedUser({ USDT: '1000000000' });
    const seller = await s.fundedUser({ BTC: '100000' });
    const prng = new Prng(2024);
    const qty = () => `0.00${1 + prng.int(5)}`;
    // 700 distinct bid prices in 26,000..29,999 and 700 asks in 30,001..34,000, a few cents apart or dollars.
    const prices = (lo: number, n: number) => {
      const set = new Set<number>();
      while (set.size < n) set.add(lo * 100 + prng.int(4000 * 100));
      return [...set].map((c) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`);
    };
    const watchers = await Promise.all(DEPTH_SIZES.map(() => anonymous(s)));
    watchers.forEach((w, i) =>
      w.send({ type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels: DEPTH_SIZES[i] }),
    );
    await Promise.all(watchers.map((w) => w.nextOfType('depth.snapshot')));
    // The TypeScript client asks for 3 levels: it is served, and holds, the top 5.
    const client = new PushClient({ url: wsUrl(s.url), reconnect: false, heartbeatIntervalMs: 0 });
    const subscribed = await client.subscribe('depth', 'BTC_USDT', 3);
    assert.equal(subscribed.levels, 5);
    try {
      const open: Array<[TestUser, number]> = [];
      const track = (u: TestUser, ids: Array<number | null>) => {
        for (const id of ids) if (id !== null) open.push([u, id]);
      };
      track(
        buyer,
        await placeAll(
          s,
          prices(26_000, 700).map((p) => [buyer, order('BUY', p, qty())]),
        ),
      );
      track(
        seller,
        await placeAll(
          s,
          prices(30_001, 700).map((p) => [seller, order('SELL', p, qty())]),
        ),
      );
      const wide = await s.ok<DepthData>('/api/v1/depth?symbol=BTC_USDT&levels=1000');
      assert.ok(wide.bids.length === 700 && wide.asks.length === 700, 'a book of 700 levels a side');
      // 24 rounds of 100: new levels anywhere, near the top, crossing orders that sweep a few levels, cancels.
      for (let round = 0; round < 24; round++) {
        const best = await s.ok<DepthData>('/api/v1/depth?symbol=BTC_USDT&levels=1');
        const bid = Number((best.bids[0] as Level)[0]);
        const ask = Number((best.asks[0] as Level)[0]);
        const ops: Array<() => Promise<unknown>> = [];
        for (let i = 0; i < 100; i++) {
          const buy = prng.next() < 0.5;
          const [u, side] = buy ? ([buyer, 'BUY'] as const) : ([seller, 'SELL'] as const);
          const k = prng.int(10);
          let price: number;
          if (k < 3) price = buy ? 26_000 + prng.int(400_000) / 100 : 30_001 + prng.int(400_000) / 100;
          else if (k < 6) price = buy ? bid + 1 - prng.int(300) / 100 : ask - 1 + prng.int(300) / 100;
          else if (k < 8) {
            // Crossing: sweeps the best few levels of the other side (and may rest the rest).
            const [p, q] = buy
              ? [ask + prng.int(30), `0.0${1 + prng.int(3)}`]
              : [bid - prng.int(30), `0.0${1 + prng.int(3)}`];
            ops.push(() => s.post('/api/v1/create_order', order(side, p.toFixed(2), q), u.bearer));
            continue;
          } else {
            const j = prng.int(open.length);
            const [owner, id] = open[j] as [TestUser, number];
            open.splice(j, 1);
            ops.push(() => s.post('/api/v1/cancel_order', { order_id: id }, owner.bearer));
            continue;
          }
          if (!(price > 0)) continue;
          ops.push(async () => {
            const r = await s.post('/api/v1/create_order', order(side, price.toFixed(2), qty()), u.bearer);
            if (r.status === 202) open.push([u, (r.body?.data as { order_id: number }).order_id]);
          });
        }
        for (let i = 0; i < ops.length; i += 50) await Promise.all(ops.slice(i, i + 50).map((f) => f()));
      }
      const wideAfter = await s.ok<DepthData>('/api/v1/depth?symbol=BTC_USDT&levels=1000');
      assert.ok(wideAfter.bids.length > 500 && wideAfter.asks.length > 500, 'still wider than 500 levels a side');
      for (const [i, n] of DEPTH_SIZES.entries()) {
        const server = await s.ok<DepthData & { seq: number }>(`/api/v1/depth?symbol=BTC_USDT&levels=${n}`);
        const w = watchers[i] as RawClient;
        await w.until(() => depthMessages(w).some((m) => m.seq === server.seq), `depth seq ${server.seq} (size ${n})`);
        const msgs = depthMessages(w);
        const book = held(msgs, server.seq);
        assert.equal(book.seq, server.seq);
        assert.deepEqual(sorted(book.bids, true), server.bids, `size ${n} bids`);
        assert.deepEqual(sorted(book.asks, false), server.asks, `size ${n} asks`);
        assert.equal(server.bids.length, n);
        assert.equal(server.asks.length, n);
        // The stream moved levels in and out of this top N, not just quantities inside it.
        const sent = msgs.slice(1).flatMap((m) => [...(m.data as DepthData).bids, ...(m.data as DepthData).asks]);
        const left = sent.filter(([, q]) => /^0\.0+$/.test(q)).length;
        assert.ok(left > 50 && sent.length - left > 50, `size ${n}: ${left} levels left, ${sent.length - left} set`);
        if (n === 5) {
          for (let t = 0; client.book('BTC_USDT')?.lastSeq !== server.seq && t < 100; t++) await sleep(50);
          const local = client.book('BTC_USDT');
          assert.ok(local !== undefined && local.synced && local.lastSeq === server.seq);
          assert.deepEqual(local.top(), { bids: server.bids, asks: server.asks }, 'the TypeScript client, asked for 3');
        }
      }
    } finally {
      await client.close();
    }
  });
});
