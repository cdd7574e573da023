// PushClient against a scripted peer: auth, seq dedup/gaps, resume, reconnect rules, re-subscribe, depth books.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthFailedError,
  type PrivateEvent,
  PushClient,
  type PushClientOptions,
  PushServerError,
  type SeqGap,
  backoffDelay,
} from '../../src/client/index.js';
import { type FakeConnection, FakeWsServer, sleep } from './fake-ws-server.js';

const FAST: Partial<PushClientOptions> = {
  reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
  random: () => 0,
  heartbeatIntervalMs: 0,
  timeoutMs: 2_000,
};

const orderUpdate = (seq: number) => ({
  type: 'order.update',
  seq,
  data: {
    order_id: 1000 + seq,
    cid: null,
    symbol: 'BTC_USDT',
    side: 'BUY',
    order_type: 'LIMIT',
    price: '85000.00',
    qty: '0.001000',
    status: 'NEW',
    filled_qty: '0.000000',
    avg_price: null,
    updated_at: 1734533790000,
  },
});
const balanceUpdate = (seq: number) => ({
  type: 'balance.update',
  seq,
  data: { asset: 'USDT', avail: '1.00', frozen: '0.00', delta: '-85.00', reason: 'order_frozen' },
});

describe('PushClient', () => {
  let server: FakeWsServer;
  const clients: PushClient[] = [];
  const client = (o: Partial<PushClientOptions>) => {
    const c = new PushClient({ url: server.url, ...FAST, ...o });
    clients.push(c);
    return c;
  };
  /** Accepts the next connection, checks its auth message and answers auth.success. */
  const acceptAuth = async (userId = 1001): Promise<{ conn: FakeConnection; auth: Record<string, unknown> }> => {
    const conn = await server.nextConnection();
    conn.send({ type: 'connected', user_id: null });
    const auth = await conn.next();
    assert.equal(auth.type, 'auth');
    conn.send({ type: 'auth.success', user_id: userId });
    return { conn, auth };
  };

  before(async () => {
    server = await FakeWsServer.start();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
  });

  test('authenticates with the first message, without resume_from before any event', async () => {
    const c = client({ token: 'tok-1' });
    const { conn, auth } = await acceptAuth(1001);
    assert.deepEqual(auth, { type: 'auth', token: 'tok-1' });
    assert.equal(conn.url.search, '', 'no credentials in the URL in message mode');
    assert.equal(await c.whenAuthenticated(), 1001);
    assert.equal(c.state, 'ready');
    assert.equal(c.userId, 1001);
    await c.close();
  });

  test('url mode puts token and resume_from in the URL and sends no auth message', async () => {
    const c = client({ token: 'tok/2+x', authMode: 'url', resumeFrom: 7 });
    const conn = await server.nextConnection();
    assert.equal(conn.url.pathname, '/ws');
    assert.equal(conn.url.searchParams.get('token'), 'tok/2+x');
    assert.equal(conn.url.searchParams.get('resume_from'), '7');
    conn.send({ type: 'connected', user_id: 1002 });
    assert.equal(await c.whenAuthenticated(), 1002);
    c.ping();
    assert.deepEqual(await conn.next(), { type: 'ping' }, 'the first client message is not an auth');
    await c.close();
  });

  test('dev mode puts user_id in the URL', async () => {
    const c = client({ userId: 1003 });
    const conn = await server.nextConnection();
    assert.equal(conn.url.searchParams.get('user_id'), '1003');
    assert.equal(conn.url.searchParams.has('resume_from'), false);
    conn.send({ type: 'connected', user_id: 1003 });
    assert.equal(await c.whenAuthenticated(), 1003);
    await c.close();
  });

  test('drops a duplicate seq, reports a gap, and continues from a resync', async () => {
    const c = client({ token: 't' });
    const { conn } = await acceptAuth();
    await c.whenAuthenticated();
    const seen: PrivateEvent[] = [];
    const dups: number[] = [];
    const gaps: SeqGap[] = [];
    const balances: number[] = [];
    c.on('private', (m) => seen.push(m));
    c.on('duplicate', (m) => dups.push(m.seq));
    c.on('gap', (g) => gaps.push(g));
    c.on('balance.update', (m) => balances.push(m.seq));
    const last = c.waitFor((m) => m.type === 'order.update' && m.seq === 52);
    for (const m of [orderUpdate(1), balanceUpdate(2), balanceUpdate(2), orderUpdate(1), orderUpdate(5)]) conn.send(m);
    conn.send({ type: 'resync', reason: 'history_expired', latest_seq: 50 });
    conn.send(orderUpdate(50)); // at or below the resync point: a duplicate
    conn.send(orderUpdate(51));
    conn.send(orderUpdate(52));
    await last;
    assert.deepEqual(
      seen.map((m) => m.seq),
      [1, 2, 5, 51, 52],
    );
    assert.deepEqual(balances, [2]);
    assert.deepEqual(dups, [2, 1, 50]);
    assert.deepEqual(gaps, [{ expected: 3, got: 5 }]);
    assert.equal(c.lastSeq, 52);
    await c.close();
  });

  test('a fresh client takes its position from the first event; resumeFrom makes earlier seqs a gap', async () => {
    const fresh = client({ token: 't' });
    const a = await acceptAuth();
    await fresh.whenAuthenticated();
    const gaps: SeqGap[] = [];
    fresh.on('gap', (g) => gaps.push(g));
    const got = fresh.waitFor((m) => m.type === 'order.update');
    a.conn.send(orderUpdate(57));
    await got;
    assert.equal(fresh.lastSeq, 57);
    assert.equal(gaps.length, 0);
    await fresh.close();

    const resumed = client({ token: 't', resumeFrom: 40 });
    const b = await acceptAuth();
    assert.equal(b.auth.resume_from, 40);
    const gaps2: SeqGap[] = [];
    resumed.on('gap', (g) => gaps2.push(g));
    const got2 = resumed.waitFor((m) => m.type === 'order.update');
    b.conn.send(orderUpdate(57));
    await got2;
    assert.deepEqual(gaps2, [{ expected: 41, got: 57 }]);
    await resumed.close();
  });

  test('reconnects with backoff after the server drops the socket and resumes from the last seq', async () => {
    const c = client({ token: 't', random: () => 0 });
    const delays: number[] = [];
    c.on('reconnecting', (_attempt, ms) => delays.push(ms));
    const first = await acceptAuth();
    await c.whenAuthenticated();
    const got = c.waitFor((m) => m.type === 'balance.update' && m.seq === 3);
    for (const s of [1, 2, 3]) first.conn.send(balanceUpdate(s));
    await got;
    const closed = c.nextEvent('close');
    first.conn.terminate();
    assert.equal((await closed)[0], 1006);
    const second = await acceptAuth();
    assert.deepEqual(second.auth, { type: 'auth', token: 't', resume_from: 3 });
    await c.whenAuthenticated();
    assert.equal(c.connectionCount, 2);
    assert.deepEqual(delays, [backoffDelay(0, { initialDelayMs: 10 }, () => 0)]);
    assert.deepEqual(delays, [5], 'half of the initial 10 ms with random() = 0');
    // A server close (slow consumer 1013) reconnects too, resuming from the replayed events.
    second.conn.send(balanceUpdate(4));
    await c.waitFor((m) => m.type === 'balance.update');
    second.conn.close(1013, 'slow consumer');
    const third = await acceptAuth();
    assert.equal(third.auth.resume_from, 4);
    await c.close();
  });

  test('does not reconnect after auth.error and close 4001', async () => {
    const c = client({ token: 'expired' });
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    const conn = await server.nextConnection();
    await conn.next();
    const waiting = c.whenAuthenticated();
    conn.send({ type: 'auth.error', code: 2002, msg: 'token expired' });
    conn.close(4001, 'authentication failed');
    await assert.rejects(waiting, (e: unknown) => e instanceof AuthFailedError && e.code === 2002);
    await sleep(150);
    assert.equal(c.connectionCount, 1);
    assert.equal(c.state, 'closed');
    assert.ok(errors.some((e) => e instanceof AuthFailedError));
    await assert.rejects(c.whenAuthenticated(), AuthFailedError);
  });

  test('does not reconnect after close 4001 alone (token expired while connected)', async () => {
    const c = client({ token: 't' });
    const { conn } = await acceptAuth();
    await c.whenAuthenticated();
    const closed = c.nextEvent('close');
    conn.close(4001, 'token expired');
    assert.deepEqual(await closed, [4001, 'token expired']);
    await sleep(100);
    assert.equal(c.connectionCount, 1);
    assert.equal(c.state, 'closed');
    assert.equal(c.authFailure?.msg, 'token expired');
  });

  test('re-subscribes its public channels after a reconnect, after authenticating', async () => {
    const c = client({ token: 't' });
    const first = await acceptAuth();
    const subs = [c.subscribe('trades', 'BTC_USDT'), c.subscribe('depth', 'ETH_USDT', 5)];
    assert.deepEqual(await first.conn.next(), { type: 'subscribe', channel: 'trades', symbol: 'BTC_USDT' });
    assert.deepEqual(await first.conn.next(), { type: 'subscribe', channel: 'depth', symbol: 'ETH_USDT', levels: 5 });
    first.conn.send({ type: 'subscribed', channel: 'trades', symbol: 'BTC_USDT' });
    first.conn.send({ type: 'subscribed', channel: 'depth', symbol: 'ETH_USDT', levels: 5 });
    await Promise.all(subs);
    c.unsubscribe('trades', 'BTC_USDT');
    assert.deepEqual(await first.conn.next(), { type: 'unsubscribe', channel: 'trades', symbol: 'BTC_USDT' });
    c.subscribe('ticker', 'BTC_USDT').catch(() => undefined);
    assert.deepEqual(await first.conn.next(), { type: 'subscribe', channel: 'ticker', symbol: 'BTC_USDT' });
    // Another depth size for the same symbol replaces the subscription: unsubscribe first, one stream per book.
    c.subscribe('depth', 'ETH_USDT', 10).catch(() => undefined);
    assert.deepEqual(await first.conn.next(), { type: 'unsubscribe', channel: 'depth', symbol: 'ETH_USDT' });
    assert.deepEqual(await first.conn.next(), { type: 'subscribe', channel: 'depth', symbol: 'ETH_USDT', levels: 10 });
    first.conn.close(1001, 'restart');
    const second = await acceptAuth();
    // The auth came first (checked by acceptAuth); then exactly the live subscriptions.
    assert.deepEqual(await second.conn.next(), { type: 'subscribe', channel: 'depth', symbol: 'ETH_USDT', levels: 10 });
    assert.deepEqual(await second.conn.next(), { type: 'subscribe', channel: 'ticker', symbol: 'BTC_USDT' });
    await sleep(50);
    assert.equal(second.conn.unread, 0);
    await c.close();
  });

  test('applies a depth snapshot and updates into its book and resubscribes on a gap', async () => {
    const c = client({});
    const conn = await server.nextConnection();
    conn.send({ type: 'connected', user_id: null });
    assert.equal(await c.whenReady(), null);
    const subscribed = c.subscribe('depth', 'BTC_USDT', 3);
    assert.equal((await conn.next()).type, 'subscribe');
    conn.send({ type: 'subscribed', channel: 'depth', symbol: 'BTC_USDT', levels: 3 });
    await subscribed;
    const snapshotSeen = c.nextEvent('depth');
    conn.send({
      type: 'depth.snapshot',
      symbol: 'BTC_USDT',
      epoch: 1,
      seq: 10,
      data: {
        bids: [
          ['99.90', '1.000000'],
          ['100.00', '2.000000'],
        ],
        asks: [['100.10', '0.500000']],
      },
    });
    const [sym, book] = await snapshotSeen;
    assert.equal(sym, 'BTC_USDT');
    assert.equal(book, c.book('BTC_USDT'));
    assert.deepEqual(book.top(5).bids, [
      ['100.00', '2.000000'],
      ['99.90', '1.000000'],
    ]);
    const updated = c.nextEvent('depth');
    conn.send({
      type: 'depth.update',
      symbol: 'BTC_USDT',
      epoch: 1,
      seq: 11,
      data: { bids: [['100.00', '0.000000']], asks: [['100.05', '1.000000']] },
    });
    await updated;
    assert.deepEqual(book.top(5), {
      bids: [['99.90', '1.000000']],
      asks: [
        ['100.05', '1.000000'],
        ['100.10', '0.500000'],
      ],
    });
    assert.equal(book.lastSeq, 11);

    const gap = c.nextEvent('depth.gap');
    conn.send({ type: 'depth.update', symbol: 'BTC_USDT', epoch: 1, seq: 13, data: { bids: [], asks: [] } });
    assert.deepEqual(await gap, ['BTC_USDT', 12, 13]);
    assert.equal(book.synced, false);
    assert.deepEqual(await conn.next(), { type: 'unsubscribe', channel: 'depth', symbol: 'BTC_USDT' });
    assert.deepEqual(await conn.next(), { type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels: 3 });
    // Stale updates before the new snapshot are ignored (no second resubscribe); the snapshot resynchronizes.
    conn.send({
      type: 'depth.update',
      symbol: 'BTC_USDT',
      epoch: 1,
      seq: 14,
      data: { bids: [['1.00', '1.000000']], asks: [] },
    });
    const resynced = c.nextEvent('depth');
    conn.send({
      type: 'depth.snapshot',
      symbol: 'BTC_USDT',
      epoch: 1,
      seq: 20,
      data: { bids: [['98.00', '3.000000']], asks: [] },
    });
    await resynced;
    assert.equal(book.synced, true);
    assert.equal(book.lastSeq, 20);
    assert.deepEqual(book.top(3), { bids: [['98.00', '3.000000']], asks: [] });
    await sleep(30);
    assert.equal(conn.unread, 0, 'only one resubscribe');
    await c.close();
  });

  test('server error frames are emitted as PushServerError and the client stays connected', async () => {
    const c = client({ token: 't' });
    const { conn } = await acceptAuth();
    await c.whenAuthenticated();
    const err = c.nextEvent('error');
    c.send({ type: 'nonsense' });
    assert.deepEqual(await conn.next(), { type: 'nonsense' });
    conn.send({ type: 'error', code: 1001, msg: 'unknown type "nonsense"' });
    const [e] = await err;
    assert.ok(e instanceof PushServerError);
    assert.equal(e.code, 1001);
    assert.equal(c.state, 'ready');
    await c.close();
  });

  test('sends a ping every heartbeat interval', async () => {
    const c = client({ token: 't', heartbeatIntervalMs: 40 });
    const { conn } = await acceptAuth();
    await c.whenAuthenticated();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await conn.next(), { type: 'ping' });
      conn.send({ type: 'pong', ts: i });
    }
    assert.equal(c.connectionCount, 1);
    await c.close();
  });

  test('drops a silent peer after two heartbeat periods and reconnects', async () => {
    const c = client({ token: 't', heartbeatIntervalMs: 30 });
    const first = await acceptAuth();
    await c.whenAuthenticated();
    const closed = c.nextEvent('close');
    assert.deepEqual(await first.conn.next(), { type: 'ping' }); // never answered
    assert.equal((await closed)[0], 1006);
    await acceptAuth();
    await c.whenAuthenticated();
    assert.equal(c.connectionCount, 2);
    await c.close();
  });

  test('close() is deliberate: no reconnect, pending waits rejected', async () => {
    const c = client({ token: 't' });
    await acceptAuth();
    await c.whenAuthenticated();
    const pending = assert.rejects(
      c.waitFor(() => false),
      /client closed/,
    );
    await c.close();
    await pending;
    await sleep(60);
    assert.equal(c.connectionCount, 1);
    assert.equal(c.state, 'closed');
  });
});

test('PushClient stops when the upgrade is refused with HTTP 401', async () => {
  const refusing = await FakeWsServer.start({ rejectWith: 401 });
  const c = new PushClient({ url: refusing.url, token: 'bad', authMode: 'url', ...FAST });
  try {
    await assert.rejects(c.whenAuthenticated(), AuthFailedError);
    assert.equal(c.state, 'closed');
    assert.equal(c.connectionCount, 0);
  } finally {
    await c.close();
    await refusing.stop();
  }
});

test('backoff doubles from the initial delay up to the cap, with jitter in [base/2, base]', () => {
  assert.equal(
    backoffDelay(0, {}, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(0, {}, () => 0.999999),
    100,
  );
  assert.equal(
    backoffDelay(1, {}, () => 0),
    100,
  );
  assert.equal(
    backoffDelay(3, {}, () => 0.5),
    600,
  );
  assert.equal(
    backoffDelay(10, {}, () => 1),
    5_000,
  );
  assert.equal(
    backoffDelay(50, {}, () => 0),
    2_500,
  );
});
