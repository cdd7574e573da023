// WebSocket limits and abuse against real servers and real sockets (ws-protocol.md sections 1, 2, 6 and 7):
// malformed and binary frames (1001, connection stays), oversized frames (1009), message flooding (4291 then
// 1008), bad / expired / URL tokens (2002 + 4001, HTTP 401), development ?user_id=, the anonymous auth timeout
// (4008), the per-user connection cap (4029), heartbeat (pong, protocol pings, dead peers dropped), auth.expiring
// and re-auth, slow consumers (dropped while a normal client misses nothing), private events still flowing after
// all of it, and graceful shutdown (last event flushed, then 1001). No HTTP answer along the way may be a 500.
//
// Servers: "main" (300 ms auth timeout, 200 ms pings, 2 connections per user, 20 messages per second) takes every
// test in turn and is shut down by the last one; "dev" (development auth on) only for ?user_id=; "slow" (default
// 30 s pings so the heartbeat cannot be what drops the slow reader, 1,000 messages per second so the paused reader
// can keep asking for 500-level depth snapshots, backlog limited to the minimum 1 KiB); "shutdown" for close()
// under order flow.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { issueToken } from '../../src/auth/credentials.js';
import { startServer } from '../../src/node/server-node.js';
import {
  ADMIN_TOKEN,
  ENCRYPTION_KEY,
  HIGH_RATES,
  NO_AUTH_BANS,
  TOKEN_SECRET,
  type LoggedResponse,
  type TestDatabase,
  type TestUser,
  TestServer,
  createDatabase,
  sleep,
} from '../http/harness.js';
import { type Closed, type Msg, RawClient, wsUrl } from './raw-client.js';

const log: LoggedResponse[] = [];
const servers: TestServer[] = [];
const databases: TestDatabase[] = [];
const clients: RawClient[] = [];

type WsSettings = Partial<Record<'authTimeoutMs' | 'pingIntervalMs' | 'maxConnectionsPerUser', number>> &
  Partial<Record<'maxFrameBytes' | 'messagesPerSec' | 'maxBacklogBytes' | 'maxBacklogMessages', number>>;

async function serve(name: string, ws: WsSettings, devAuth = false): Promise<TestServer> {
  const db = await createDatabase('sqlite');
  databases.push(db);
  const config = loadConfig({
    flags: {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: db.url,
      devAuth,
      adminToken: ADMIN_TOKEN,
      tokenSecret: TOKEN_SECRET,
      encryptionKey: ENCRYPTION_KEY,
      rateLimits: HIGH_RATES,
      logLevel: 'silent',
      // Many tests here present bad credentials on purpose: failed-auth bans are tested in test/http/api-throttle.ts.
      auth: NO_AUTH_BANS,
      ws,
    },
    env: {},
  });
  for (const [k, v] of Object.entries(ws)) assert.equal(config.ws[k as keyof WsSettings], v, `ws.${k}`);
  const srv = await startServer(config, { logger: pino({ level: 'silent' }) });
  const s = new TestServer(name, srv, db, log);
  servers.push(s);
  return s;
}

after(async () => {
  for (const c of clients.splice(0)) c.dispose();
  for (const s of servers.splice(0)) await s.close();
  for (const d of databases.splice(0)) await d.drop();
});

/** Opens a tracked raw connection (closed at the end of the file at the latest). */
async function open(s: TestServer, query = ''): Promise<RawClient> {
  const c = await RawClient.connect(wsUrl(s.url, query));
  clients.push(c);
  return c;
}

function disposeAll(): void {
  for (const c of clients.splice(0)) c.dispose();
}

/** An anonymous connection after its `connected` greeting. */
async function anonymous(s: TestServer): Promise<RawClient> {
  const c = await open(s);
  assert.deepEqual(await c.nextOfType('connected'), { type: 'connected', user_id: null });
  return c;
}

/** A connection authenticated by its first message. */
async function authed(s: TestServer, user: { userId: number; token: string }): Promise<RawClient> {
  const c = await anonymous(s);
  const from = c.messages.length;
  c.send({ type: 'auth', token: user.token });
  const ok = await c.nextOfType('auth.success', from);
  assert.equal(ok.user_id, user.userId);
  return c;
}

/** A connection authenticated by ?token= in the URL. */
async function urlAuthed(s: TestServer, user: { userId: number; token: string }): Promise<RawClient> {
  const c = await open(s, `token=${encodeURIComponent(user.token)}`);
  assert.deepEqual(await c.nextOfType('connected'), { type: 'connected', user_id: user.userId });
  return c;
}

/** The client's next message must be `{"type":"error","code":<code>,"msg":"<words>"}`. */
function assertError(m: Msg | undefined, code: number, what: string): void {
  assert.ok(m !== undefined, `${what}: no answer`);
  assert.deepEqual(Object.keys(m), ['type', 'code', 'msg'], `${what}: ${JSON.stringify(m)}`);
  assert.equal(m.type, 'error', `${what}: ${JSON.stringify(m)}`);
  assert.equal(m.code, code, `${what}: ${JSON.stringify(m)}`);
  assert.equal(typeof m.msg, 'string', what);
  assert.ok((m.msg as string).length > 0, what);
}

async function assertPong(c: RawClient, what: string): Promise<void> {
  assert.ok(c.open, `${what}: the connection must still be open (closed: ${JSON.stringify(c.closed)})`);
  const before = Date.now();
  const pong = await c.ping();
  assert.deepEqual(Object.keys(pong), ['type', 'ts'], what);
  assert.equal(typeof pong.ts, 'number', what);
  assert.ok((pong.ts as number) >= before - 5 && (pong.ts as number) <= Date.now() + 5, `${what}: pong ts ${pong.ts}`);
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout (${timeoutMs} ms) waiting for ${what}`);
    await sleep(10);
  }
}

/** A value of an unlabelled metric from /metrics. */
async function metric(s: TestServer, name: string): Promise<number> {
  const line = (await s.metrics()).split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line !== undefined, `metric ${name} is missing`);
  return Number(line.slice(name.length + 1));
}

const limitOrder = (side: 'BUY' | 'SELL', price: string, qty: string) => ({
  symbol: 'BTC_USDT',
  side,
  order_type: 'LIMIT',
  price,
  qty,
});

/** Places an order over HTTP and waits for its order.update NEW on `c` (checking the message's shape). */
async function expectNewOrderPushed(s: TestServer, c: RawClient, user: TestUser): Promise<void> {
  const from = c.messages.length;
  const orderId = await s.place(user, limitOrder('BUY', '1000', '0.01'));
  const m = await c.next(
    (x) => x.type === 'order.update' && (x.data as Record<string, unknown>).order_id === orderId,
    `order.update of order ${orderId}`,
    from,
  );
  assert.deepEqual(Object.keys(m), ['type', 'seq', 'data']);
  assert.ok(Number.isSafeInteger(m.seq) && (m.seq as number) >= 1);
  const d = m.data as Record<string, unknown>;
  assert.equal(d.status, 'NEW');
  assert.equal(d.symbol, 'BTC_USDT');
  assert.equal(d.side, 'BUY');
  assert.equal(d.order_type, 'LIMIT');
  assert.equal(d.price, '1000.00');
  assert.equal(d.qty, '0.010000');
  assert.equal(d.filled_qty, '0.000000');
  assert.equal(d.avg_price, null);
}

describe('main server: bad input, auth, timeouts, caps, heartbeat, expiry, shutdown', () => {
  const WS = { authTimeoutMs: 300, pingIntervalMs: 500, maxConnectionsPerUser: 2, messagesPerSec: 20 };
  let s: TestServer;

  before(async () => {
    s = await serve('main', WS);
  });
  after(disposeAll);

  test('malformed JSON, non-objects, unknown or missing type, unknown channel or symbol: 1001, stays open', async () => {
    const c = await authed(s, await s.createUser());
    const bad: Array<[string, string]> = [
      ['malformed JSON', '{"type":"ping"'],
      ['not JSON at all', 'hello'],
      ['empty text', ''],
      ['a JSON array', '[{"type":"ping"}]'],
      ['a JSON number', '42'],
      ['a JSON string', '"ping"'],
      ['JSON null', 'null'],
      ['unknown type', '{"type":"bogus"}'],
      ['missing type', '{"channel":"trades","symbol":"BTC_USDT"}'],
      ['non-string type', '{"type":7}'],
      ['unknown channel', '{"type":"subscribe","channel":"orders","symbol":"BTC_USDT"}'],
      ['missing channel', '{"type":"subscribe","symbol":"BTC_USDT"}'],
      ['unknown symbol', '{"type":"subscribe","channel":"trades","symbol":"DOGE_USDT"}'],
      ['missing symbol', '{"type":"subscribe","channel":"trades"}'],
      ['bad depth levels', '{"type":"subscribe","channel":"depth","symbol":"BTC_USDT","levels":0}'],
      ['auth without token', '{"type":"auth"}'],
    ];
    // 1 auth + 16 bad + 1 ping = 18 messages: under the 20 per second of this server.
    for (const [what, text] of bad) assertError(await c.request(text), 1001, what);
    await assertPong(c, 'after 16 bad messages');
    assert.deepEqual(c.junk, []);
    assert.equal(c.errors.length, 0);
  });

  test('a binary frame: 1001, stays open', async () => {
    const c = await authed(s, await s.createUser());
    const m = await c.request(Buffer.from('{"type":"ping"}'));
    assertError(m, 1001, 'binary frame');
    await assertPong(c, 'after a binary frame');
  });

  test('a frame over the 16 KiB limit closes with 1009; one under it is served', async () => {
    const c = await authed(s, await s.createUser());
    // Just under the default limit (16,384 bytes of payload): handled normally.
    const under = JSON.stringify({ type: 'ping', pad: 'x'.repeat(16_000) });
    assert.ok(Buffer.byteLength(under) <= 16_384);
    assert.equal((await c.request(under)).type, 'pong');
    c.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(1 << 20) }));
    const closed = await c.waitClose();
    assert.equal(closed.code, 1009, JSON.stringify(closed));
    // The server is fine: a new connection works.
    await assertPong(await authed(s, await s.createUser()), 'a new connection after the 1009');
  });

  test('flooding past the message rate: error 4291, then close 1008', async () => {
    const c = await authed(s, await s.createUser());
    const from = c.messages.length;
    for (let i = 0; i < 1000; i++) if (c.ws.readyState === c.ws.OPEN) c.ws.send('{"type":"ping"}');
    const closed = await c.waitClose();
    assert.equal(closed.code, 1008, JSON.stringify(closed));
    const got = c.messages.slice(from);
    const errors = got.filter((m) => m.type === 'error');
    assert.equal(errors.length, 1, `one rate error, got ${JSON.stringify(errors)}`);
    assertError(errors[0], 4291, 'rate limit');
    const pongs = got.filter((m) => m.type === 'pong');
    assert.ok(pongs.length >= 1 && pongs.length <= WS.messagesPerSec, `${pongs.length} pongs`);
    // The 4291 comes after the answered messages, and nothing is answered after it.
    assert.equal(got.indexOf(errors[0] as Msg), got.length - 1, JSON.stringify(got.slice(-3)));
  });

  test('bad, forged and expired tokens in the first message: auth.error 2002, close 4001', async () => {
    const u = await s.createUser();
    const forged = (await issueToken(u.userId, 600, 'another-secret-'.padEnd(40, 'y'), Date.now())).token;
    const expired = (await issueToken(u.userId, 60, TOKEN_SECRET, Date.now() - 3_600_000)).token;
    const cases: Array<[string, string]> = [
      ['garbage token', 'not-a-token'],
      ['forged token', forged],
      ['expired token', expired],
      ['tampered token', u.token.slice(0, -2) + (u.token.endsWith('AA') ? 'BB' : 'AA')],
    ];
    await Promise.all(
      cases.map(async ([what, token]) => {
        const c = await anonymous(s);
        const from = c.messages.length;
        c.send({ type: 'auth', token });
        const m = await c.nextOfType('auth.error', from);
        assert.deepEqual(Object.keys(m), ['type', 'code', 'msg'], what);
        assert.equal(m.code, 2002, what);
        assert.equal(typeof m.msg, 'string', what);
        const closed = await c.waitClose();
        assert.equal(closed.code, 4001, `${what}: ${JSON.stringify(closed)}`);
      }),
    );
  });

  test('URL credentials: bad or expired ?token= and ?user_id= without dev auth are refused with HTTP 401', async () => {
    const u = await s.createUser();
    const expired = (await issueToken(u.userId, 60, TOKEN_SECRET, Date.now() - 3_600_000)).token;
    assert.equal(await RawClient.refusal(wsUrl(s.url, 'token=not-a-token')), 401);
    assert.equal(await RawClient.refusal(wsUrl(s.url, `token=${expired}`)), 401);
    assert.equal(await RawClient.refusal(wsUrl(s.url, `user_id=${u.userId}`)), 401);
    // A good URL token: connected with the user's id.
    const c = await urlAuthed(s, u);
    await assertPong(c, 'URL-authenticated');
  });

  test('development auth on: ?user_id=N connects as N', async () => {
    const dev = await serve('dev', {}, true);
    try {
      const u = await dev.fundedUser({ USDT: '1000' });
      const c = await open(dev, `user_id=${u.userId}`);
      assert.deepEqual(await c.nextOfType('connected'), { type: 'connected', user_id: u.userId });
      await expectNewOrderPushed(dev, c, u);
      assert.equal(await RawClient.refusal(wsUrl(dev.url, 'user_id=abc')), 401);
      c.dispose();
    } finally {
      await dev.close();
    }
  });

  test('anonymous: closed 4008 after the auth timeout unless it subscribes', async () => {
    const idle = await anonymous(s);
    const pinger = await anonymous(s);
    const subscriber = await anonymous(s);
    const from = subscriber.messages.length;
    subscriber.send({ type: 'subscribe', channel: 'trades', symbol: 'BTC_USDT' });
    assert.deepEqual(await subscriber.nextOfType('subscribed', from), {
      type: 'subscribed',
      channel: 'trades',
      symbol: 'BTC_USDT',
      epoch: 1,
    });
    // Pings are neither authentication nor a subscription.
    await assertPong(pinger, 'pinger');
    const [a, b] = await Promise.all([idle.waitClose(3000), pinger.waitClose(3000)]);
    for (const [what, closed] of [
      ['idle', a],
      ['pinger', b],
    ] as const) {
      assert.equal(closed.code, 4008, `${what}: ${JSON.stringify(closed)}`);
      assert.ok(closed.at >= WS.authTimeoutMs - 50 && closed.at < WS.authTimeoutMs + 2000, `${what} at ${closed.at}`);
    }
    await sleep(3 * WS.authTimeoutMs);
    await assertPong(subscriber, 'subscribed anonymous connection past the auth timeout');
  });

  test('per-user connection cap (2): the third gets an error and close 4029; the first two keep working', async () => {
    const u = await s.fundedUser({ USDT: '1000' });
    const first = await urlAuthed(s, u);
    const second = await authed(s, u);
    // Third via the URL.
    const third = await open(s, `token=${encodeURIComponent(u.token)}`);
    const closed = await third.waitClose();
    assert.equal(closed.code, 4029, JSON.stringify(closed));
    assert.equal(third.messages.length, 1, JSON.stringify(third.messages));
    assert.deepEqual(Object.keys(third.messages[0] as Msg), ['type', 'code', 'msg']);
    assert.equal(third.messages[0]?.type, 'error');
    // The frame's code is the catalogue entry whose close code is 4029 (it said 4291, the rate-limit code, before).
    assert.equal(third.messages[0]?.code, 4292);
    // Third via the auth message.
    const fourth = await anonymous(s);
    fourth.send({ type: 'auth', token: u.token });
    const closed4 = await fourth.waitClose();
    assert.equal(closed4.code, 4029, JSON.stringify(closed4));
    assert.equal(fourth.messages.at(-1)?.type, 'error');
    assert.equal(fourth.messages.at(-1)?.code, 4292);
    // The first two still work and both get the user's private events.
    await assertPong(first, 'first');
    await assertPong(second, 'second');
    const f1 = first.messages.length;
    await expectNewOrderPushed(s, second, u);
    await first.nextOfType('order.update', f1);
    // A freed slot can be used again.
    const before = s.srv.push.connections;
    first.dispose();
    await until(() => s.srv.push.connections === before - 1, 'the server to drop the first connection');
    await assertPong(await urlAuthed(s, u), 'replacement');
  });

  test('heartbeat: JSON pong, protocol pings, a peer that stops answering is dropped within ~2 intervals', async () => {
    disposeAll();
    await until(() => s.srv.push.connections === 0, 'earlier connections to be gone');
    const c = await authed(s, await s.createUser());
    await assertPong(c, 'JSON ping');
    const pings = c.pings;
    await c.until(() => c.pings >= pings + 2, 'two protocol pings', 5 * WS.pingIntervalMs);
    assert.equal(s.srv.push.connections, 1);
    assert.equal(await metric(s, 'fillstream_ws_connections'), 1);
    // A healthy peer outlives several intervals.
    await sleep(3 * WS.pingIntervalMs);
    assert.ok(c.open);
    assert.equal(s.srv.push.connections, 1);
    // Half-open: the peer stops reading (so it answers no ping).
    c.pause();
    const pausedAt = Date.now();
    await until(() => s.srv.push.connections === 0, 'the dead peer to be dropped', 10 * WS.pingIntervalMs);
    const took = Date.now() - pausedAt;
    assert.ok(took <= 3 * WS.pingIntervalMs + 300, `dropped after ${took} ms (interval ${WS.pingIntervalMs} ms)`);
    assert.equal(await metric(s, 'fillstream_ws_connections'), 0);
    c.resume();
    await c.waitClose();
  });

  test('heartbeat: a server whose event loop was held up past two intervals keeps its live peers', async () => {
    disposeAll();
    await until(() => s.srv.push.connections === 0, 'earlier connections to be gone');
    const c = await authed(s, await s.createUser());
    await assertPong(c, 'JSON ping');
    const pings = c.pings;
    await c.until(() => c.pings >= pings + 1, 'a protocol ping', 5 * WS.pingIntervalMs);
    // This process's loop is held up for three intervals, as a gateway's is by a fan-out of many trades to many
    // sockets: the peer's pongs wait unread in the socket. A rule on time since the last pong dropped it here.
    const end = Date.now() + 3 * WS.pingIntervalMs;
    while (Date.now() < end) {
      // busy: nothing else runs
    }
    await sleep(2 * WS.pingIntervalMs);
    assert.ok(c.open, 'the live peer is still connected');
    assert.equal(s.srv.push.connections, 1);
    await assertPong(c, 'after the stall');
  });

  test('auth.expiring before expiry; re-auth extends the connection; without it, close 4001 at expiry', async () => {
    const [ua, ub] = [await s.createUser(), await s.createUser()];
    // Tokens of 3 s (2 to 3 s left: expiry is whole seconds); auth.expiring comes at half the remaining time.
    const ta0 = await issueToken(ua.userId, 3, TOKEN_SECRET, Date.now());
    const tb0 = await issueToken(ub.userId, 3, TOKEN_SECRET, Date.now());
    const a = await authed(s, { userId: ua.userId, token: ta0.token });
    const b = await authed(s, { userId: ub.userId, token: tb0.token });
    const extend = (async () => {
      const m = await a.nextOfType('auth.expiring', 0, 5000);
      assert.ok(Date.now() < ta0.expiresAt, 'auth.expiring must come before expiry');
      assert.deepEqual(m, { type: 'auth.expiring', expires_at: ta0.expiresAt });
      const fresh = (await issueToken(ua.userId, 3600, TOKEN_SECRET, Date.now())).token;
      const from = a.messages.length;
      a.send({ type: 'auth', token: fresh });
      const ok = await a.nextOfType('auth.success', from);
      assert.equal(ok.user_id, ua.userId);
      await sleep(ta0.expiresAt - Date.now() + 700);
      await assertPong(a, 're-authenticated connection past the first token expiry');
    })();
    const expire = (async () => {
      const m = await b.nextOfType('auth.expiring', 0, 5000);
      assert.ok(Date.now() < tb0.expiresAt, 'auth.expiring must come before expiry');
      assert.deepEqual(m, { type: 'auth.expiring', expires_at: tb0.expiresAt });
      const closed = await b.waitClose(5000);
      const at = Date.now();
      assert.equal(closed.code, 4001, JSON.stringify(closed));
      assert.ok(at >= tb0.expiresAt - 50 && at <= tb0.expiresAt + 1000, `closed ${at - tb0.expiresAt} ms from expiry`);
    })();
    await Promise.all([extend, expire]);
  });

  test('after all of the above, an authenticated client still gets its private events', async () => {
    const u = await s.fundedUser({ USDT: '1000' });
    const c = await authed(s, u);
    await expectNewOrderPushed(s, c, u);
    await assertPong(c, 'after the order');
  });

  test('graceful shutdown: the order acknowledged just before close() is pushed, then close 1001', async () => {
    const u = await s.fundedUser({ USDT: '1000' });
    const c = await urlAuthed(s, u);
    const watcher = await anonymous(s);
    watcher.send({ type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels: 5 });
    await watcher.nextOfType('depth.snapshot');
    const from = c.messages.length;
    const orderId = await s.place(u, limitOrder('BUY', '999', '0.02'));
    const started = Date.now();
    const closing = s.close();
    const [closed, closedW] = await Promise.all([c.waitClose(8000), watcher.waitClose(8000)]);
    await closing;
    assert.ok(Date.now() - started < 5000, `close() took ${Date.now() - started} ms`);
    assert.equal(closed.code, 1001, JSON.stringify(closed));
    assert.equal(closedW.code, 1001, JSON.stringify(closedW));
    const update = c.messages
      .slice(from)
      .find((m) => m.type === 'order.update' && (m.data as Record<string, unknown>).order_id === orderId);
    assert.ok(update !== undefined, `order.update NEW of ${orderId} before the close: ${JSON.stringify(c.messages)}`);
    assert.equal((update.data as Record<string, unknown>).status, 'NEW');
    assert.equal(s.srv.push.connections, 0);
    await assert.rejects(RawClient.connect(wsUrl(s.url)));
  });
});

/**
 * Widens BTC_USDT's book to 400 levels a side around 30000 (bids 29599..29998 from `taker`, asks 30001..30400 from
 * `maker`, so crossing pairs at 30000 still trade), subscribes `slow` to its 500-level depth, stops reading from
 * it, and has it ask for that ~18 KB snapshot again every 2 ms (re-subscribing is allowed): the answers pile up
 * behind the loopback buffers until a backlog limit drops it. Answers the function that stops asking.
 */
async function pauseAndFlood(s: TestServer, slow: RawClient, maker: TestUser, taker: TestUser): Promise<() => void> {
  const LEVELS = 400;
  const orders = Array.from({ length: LEVELS }, (_, i) => [
    () => s.place(taker, limitOrder('BUY', String(29998 - i), '0.001')),
    () => s.place(maker, limitOrder('SELL', String(30001 + i), '0.001')),
  ]).flat();
  const placeAll = async () => {
    for (let o = orders.pop(); o !== undefined; o = orders.pop()) await o();
  };
  await Promise.all([placeAll(), placeAll(), placeAll(), placeAll()]);
  const subscribe = { type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels: 500 };
  const from = slow.messages.length;
  slow.send(subscribe);
  const snapshot = await slow.nextOfType('depth.snapshot', from);
  assert.equal((snapshot.data as { bids: unknown[] }).bids.length, LEVELS, 'the widened book');
  slow.pause();
  const flood = setInterval(() => {
    if (slow.ws.readyState === slow.ws.OPEN) slow.send(subscribe);
  }, 2);
  return () => clearInterval(flood);
}

describe('slow consumer', () => {
  let s: TestServer;
  before(async () => {
    s = await serve('slow', { messagesPerSec: 1000, maxBacklogBytes: 1024 });
  });
  after(disposeAll);
  let slowClose: Closed | null = null;

  test('a reader that stops reading is dropped; a normal client gets every market.trade', async () => {
    const maker = await s.fundedUser({ BTC: '10' });
    const taker = await s.fundedUser({ USDT: '1000000' });
    const normal = await anonymous(s);
    normal.send({ type: 'subscribe', channel: 'trades', symbol: 'BTC_USDT' });
    await normal.nextOfType('subscribed');
    const slow = await anonymous(s);
    slow.send({ type: 'subscribe', channel: 'trades', symbol: 'BTC_USDT' });
    const stopFlood = await pauseAndFlood(s, slow, maker, taker);
    const connections = s.srv.push.connections;
    const slowCloses = await metric(s, 'fillstream_ws_slow_consumer_closes_total');

    // At least 150 crossing pairs (one trade each), more while the slow client is still connected (kernels with
    // bigger socket buffers), at most 900 (GET /market/trades answers up to 1,000).
    let placed = 0;
    const started = Date.now();
    const more = () => placed < 150 || (placed < 900 && s.srv.push.connections === connections);
    const worker = async () => {
      while (more()) {
        placed++;
        await s.place(maker, limitOrder('SELL', '30000', '0.001'));
        await s.place(taker, limitOrder('BUY', '30000', '0.001'));
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const genMs = Date.now() - started;
    const PAIRS = placed;

    const trades = (
      await s.ok<{ trades: Array<{ trade_id: number }> }>('/api/v1/market/trades?symbol=BTC_USDT&limit=1000')
    ).trades;
    assert.equal(trades.length, PAIRS);
    const count = () => normal.messages.filter((m) => m.type === 'market.trade').length;
    await normal.until(() => count() >= PAIRS, `${PAIRS} market.trade messages`);
    const got = normal.messages.filter((m) => m.type === 'market.trade');
    assert.deepEqual(
      got.map((m) => (m.data as { trade_id: number }).trade_id).sort((x, y) => x - y),
      trades.map((t) => t.trade_id).sort((x, y) => x - y),
    );
    const seqs = got.map((m) => m.seq as number);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => (seqs[0] as number) + i),
      'market.trade seq gap-free',
    );
    assert.ok(normal.open, 'the normal client is still connected');

    await until(() => s.srv.push.connections === connections - 1, 'the slow client to be dropped', 5000);
    stopFlood();
    assert.ok((await metric(s, 'fillstream_ws_slow_consumer_closes_total')) > slowCloses);
    slow.resume();
    slowClose = await slow.waitClose();
    assert.ok(slowClose.code === 1013 || slowClose.code === 1006, `${JSON.stringify(slowClose)} (traffic ${genMs} ms)`);

    // Private events still flow on this server.
    const c = await authed(s, taker);
    await expectNewOrderPushed(s, c, taker);
  });

  test('the dropped slow reader, reading again at once, is told 1013 (reconnect and resume)', () => {
    assert.ok(slowClose !== null, 'the slow consumer test ran');
    assert.equal(slowClose.code, 1013, JSON.stringify(slowClose));
  });
});

describe('slow consumer by message count', () => {
  let s: TestServer;
  before(async () => {
    // A byte limit out of reach: only the message-count limit (100 queued messages) can drop the reader.
    s = await serve('slowcount', { messagesPerSec: 1000, maxBacklogBytes: 1024 ** 3, maxBacklogMessages: 100 });
  });
  after(disposeAll);

  test('a reader whose buffer never empties across 100 messages is closed with 1013', async () => {
    const maker = await s.fundedUser({ BTC: '10' });
    const taker = await s.fundedUser({ USDT: '1000000' });
    const normal = await anonymous(s);
    normal.send({ type: 'subscribe', channel: 'trades', symbol: 'BTC_USDT' });
    await normal.nextOfType('subscribed');
    const slow = await anonymous(s);
    const stopFlood = await pauseAndFlood(s, slow, maker, taker);
    const connections = s.srv.push.connections;
    const closes = await metric(s, 'fillstream_ws_slow_consumer_closes_total');
    let placed = 0;
    while (placed < 900 && s.srv.push.connections === connections) {
      placed++;
      await s.place(maker, limitOrder('SELL', '30000', '0.001'));
      await s.place(taker, limitOrder('BUY', '30000', '0.001'));
    }
    await until(() => s.srv.push.connections === connections - 1, 'the slow client to be dropped', 5000);
    stopFlood();
    assert.ok((await metric(s, 'fillstream_ws_slow_consumer_closes_total')) > closes);
    slow.resume();
    const closed = await slow.waitClose();
    assert.ok(closed.code === 1013 || closed.code === 1006, JSON.stringify(closed));
    // The normal reader kept its buffer draining: still connected, every trade received.
    await normal.until(
      () => normal.messages.filter((m) => m.type === 'market.trade').length >= placed,
      `${placed} market.trade messages`,
    );
    assert.ok(normal.open, 'the normal client is still connected');
  });
});

describe('shutdown while orders keep coming', () => {
  let s: TestServer;
  before(async () => {
    s = await serve('shutdown', {});
  });
  after(disposeAll);
  const outcome = {
    answers: [] as Array<number | 'no answer' | 'refused'>,
    closeMs: null as number | null,
  };

  test('orders acknowledged before the 1001 were all pushed; every client gets 1001; no 500', async () => {
    const u = await s.fundedUser({ USDT: '100000' });
    const c = await urlAuthed(s, u);
    const from = c.messages.length;
    const acked: number[] = [];
    // 32 clients send orders back to back until one is refused; close() starts in the middle of it.
    const stream = async () => {
      for (;;) {
        let r: Response;
        try {
          r = await fetch(`${s.url}/api/v1/create_order`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${u.token}` },
            body: JSON.stringify(limitOrder('BUY', '999', '0.01')),
            signal: AbortSignal.timeout(4000),
          });
        } catch (e) {
          outcome.answers.push((e as Error).name === 'TimeoutError' ? 'no answer' : 'refused');
          return;
        }
        const body = (await r.json().catch(() => undefined)) as
          { code: number; data: { order_id: number } } | undefined;
        log.push({ server: s.name, method: 'POST', path: '/api/v1/create_order', status: r.status, code: body?.code });
        outcome.answers.push(r.status);
        if (r.status !== 202 || body === undefined) return;
        acked.push(body.data.order_id);
      }
    };
    const streams = Array.from({ length: 32 }, () => stream());
    await until(() => acked.length >= 20, '20 acknowledged orders');
    const started = Date.now();
    const closing = s.close().then(() => (outcome.closeMs = Date.now() - started));
    const closed = await c.waitClose(8000);
    assert.equal(closed.code, 1001, JSON.stringify(closed));
    await Promise.all(streams);
    await Promise.race([closing, sleep(1000)]);
    assert.ok(!outcome.answers.includes(500), JSON.stringify(outcome.answers));
    const pushed = new Set(
      c.messages
        .slice(from)
        .filter((m) => m.type === 'order.update' && (m.data as Record<string, unknown>).status === 'NEW')
        .map((m) => (m.data as { order_id: number }).order_id),
    );
    assert.deepEqual(
      acked.filter((id) => !pushed.has(id)),
      [],
      'acknowledged orders whose order.update NEW did not come before the 1001',
    );
  });

  test('every create_order in flight during close() is answered (202 or 503) and close() finishes promptly', () => {
    assert.ok(outcome.answers.length > 0, 'the previous test ran');
    const unanswered = outcome.answers.filter((a) => a === 'no answer').length;
    assert.ok(
      unanswered === 0 && outcome.closeMs !== null && outcome.closeMs < 3000,
      `${unanswered} create_order requests got no answer within 4 s (the last answers of the 32 clients: ` +
        `${JSON.stringify(outcome.answers.filter((a) => a !== 202))}); close() ` +
        (outcome.closeMs === null ? 'had not finished 1 s after they were aborted' : `took ${outcome.closeMs} ms`),
    );
  });
});

test('no HTTP answer was a 500 (or code 5000)', () => {
  assert.deepEqual(
    log.filter((r) => r.status === 500 || r.code === 5000),
    [],
  );
  assert.ok(log.length > 0);
});
