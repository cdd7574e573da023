// The client's wire types agree with the real server's: a real server (in process, real sockets) is driven to
// send every server -> client message type its source can produce and to answer every route, and the client
// decodes each with its strict decoders (no missing, mistyped or unknown field, no unknown type). It fails when a
// type the server sends has no decoder, when one was never seen here, or when any shape disagrees.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ApiClientError,
  ErrorCode,
  PushClient,
  RestClient,
  SERVER_MESSAGE_DECODERS,
  decodeServerMessage,
  errorCodeName,
  type ServerMessage,
} from '../../src/client/index.js';
import { issueToken } from '../../src/auth/credentials.js';
import { ADMIN_TOKEN, Lab, TOKEN_SECRET, type TestServer, type TestUser } from '../http/harness.js';

const root = process.cwd();
const lab = new Lab('sqlite');
let s: TestServer;
let wsUrl: string;
after(() => lab.cleanup());
before(async () => {
  s = await lab.start();
  wsUrl = s.url.replace(/^http/, 'ws') + '/ws';
});

/** Message types the server's push code builds (the same scan as test/docs.test.ts). */
function serverMessageTypes(): Set<string> {
  const read = (p: string) => readFileSync(join(root, p), 'utf8');
  const push = readdirSync(join(root, 'src/push'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => read(join('src/push', f)));
  const code = [...push, read('src/wire/format.ts'), read('src/errors.ts')].join('\n');
  return new Set(
    [...code.matchAll(/type: '([a-z_]+(?:\.[a-z_]+)?)'|"type":"([a-z_]+(?:\.[a-z_]+)?)"/g)].map(
      (m) => (m[1] ?? m[2]) as string,
    ),
  );
}

/** Every frame of every client, each decoded strictly; decoding failures are collected, not thrown. */
class Recorder {
  readonly seen = new Map<string, number>();
  readonly failures: string[] = [];
  watch(c: PushClient): PushClient {
    c.on('message', (m) => this.check(m));
    c.on('error', (e) => {
      if (e.name === 'ProtocolError') this.failures.push(`client: ${e.message}`);
    });
    return c;
  }
  check(m: unknown): void {
    try {
      const d = decodeServerMessage(m, true);
      this.seen.set(d.type, (this.seen.get(d.type) ?? 0) + 1);
    } catch (e) {
      this.failures.push(`${(e as Error).message} in ${JSON.stringify(m).slice(0, 300)}`);
    }
  }
}

/** `p`, with `what` in its error. */
const step = <T>(what: string, p: Promise<T>): Promise<T> =>
  p.catch((e: unknown) => {
    throw new Error(`${what}: ${(e as Error).message}`);
  });

const order = (side: 'BUY' | 'SELL', price: string, qty: string, cid?: string) => ({
  symbol: 'BTC_USDT',
  side,
  order_type: 'LIMIT' as const,
  price,
  qty,
  ...(cid === undefined ? {} : { cid }),
});

test('every server -> client message type decodes strictly, and every type the server builds was seen', async () => {
  const rec = new Recorder();
  const clients: PushClient[] = [];
  const open = (o: Partial<ConstructorParameters<typeof PushClient>[0]>) => {
    const c = rec.watch(new PushClient({ url: wsUrl, reconnect: false, heartbeatIntervalMs: 0, ...o }));
    clients.push(c);
    return c;
  };
  try {
    const a = await s.fundedUser({ BTC: '1', USDT: '100000' });
    const b = await s.fundedUser({ BTC: '1', USDT: '100000' });
    const anon = open({});
    await anon.whenReady(); // connected
    await Promise.all([anon.subscribe('trades', 'BTC_USDT'), anon.subscribe('depth', 'BTC_USDT', 3)]);
    await anon.subscribe('ticker', 'BTC_USDT');
    const klineSubscribed = anon.waitFor((m) => m.type === 'subscribed' && m.channel === 'kline', 5000);
    anon.send({ type: 'subscribe', channel: 'kline', symbol: 'BTC_USDT', interval: '1m' });
    await step('kline subscribed', klineSubscribed);
    await anon.waitForType('depth.snapshot', 5000).catch(() => undefined);
    const pa = open({ token: a.token });
    await pa.whenAuthenticated(); // auth.success
    const pb = open({ token: b.token });
    await pb.whenAuthenticated();
    // A resting order, a crossing one: order.update, trade, balance.update, market.trade, depth.update, ticker.
    await s.place(a, order('SELL', '30000.00', '0.1', 'agree-sell'));
    const trade = pb.waitForType('trade', 5000);
    const marketTrade = anon.waitForType('market.trade', 5000);
    const tick = anon.waitForType('ticker', 5000);
    const candle = anon.waitForType('kline', 5000);
    await s.place(b, order('BUY', '30000.00', '0.04'));
    await Promise.all([step('trade', trade), step('market.trade', marketTrade), step('ticker', tick)]);
    await step('kline', candle);
    // Order entry on the socket: order.result (success, then a refusal).
    await step('order.result', pb.placeOrder(order('BUY', '1000.00', '0.01')));
    await assert.rejects(pb.placeOrder(order('BUY', '1000.00', '100000')), /insufficient|balance/i);
    const canceled = pa.waitFor((m) => m.type === 'order.update' && m.data.status === 'CANCELED', 5000);
    await s.cancel(a, { cid: 'agree-sell' });
    await step('canceled', canceled);
    const pong = pa.waitForType('pong', 5000);
    pa.ping();
    await step('pong', pong);
    const err = pa.waitForType('error', 5000);
    pa.send({ type: 'no.such_type' });
    await step('err', err);
    const unsub = anon.waitForType('unsubscribed', 5000);
    anon.unsubscribe('trades', 'BTC_USDT');
    await step('unsub', unsub);
    // resume_from beyond the user's latest seq: resync.
    const far = open({ token: a.token, resumeFrom: 1_000_000 });
    await step('resync', far.waitForType('resync', 5000));
    // A bad token: auth.error.
    const bad = open({ token: 'not-a-token' });
    bad.on('error', () => undefined);
    await step('auth.error', bad.waitForType('auth.error', 5000));
    // A 3 s token: auth.expiring at half the remaining time.
    const short = await issueToken(a.userId, 3, TOKEN_SECRET, Date.now());
    const exp = open({ token: short.token });
    exp.on('error', () => undefined);
    await step('auth.expiring', exp.waitForType('auth.expiring', 5000));
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  assert.deepEqual(rec.failures, [], 'frames the client cannot decode');
  const built = serverMessageTypes();
  assert.ok(built.has('order.update') && built.has('auth.expiring'), 'the source scan works');
  const decoded = new Set(Object.keys(SERVER_MESSAGE_DECODERS));
  assert.deepEqual([...built].filter((t) => !decoded.has(t)).sort(), [], 'server message types without a decoder');
  assert.deepEqual([...built].filter((t) => !rec.seen.has(t)).sort(), [], 'server message types never seen here');
  assert.deepEqual([...rec.seen.keys()].filter((t) => !built.has(t)).sort(), [], 'seen types the scan missed');
});

test('a message that disagrees with the client types is refused, naming the field', () => {
  const good: ServerMessage = { type: 'pong', ts: 1 };
  assert.deepEqual(decodeServerMessage(good, true), good);
  const cases: Array<[unknown, RegExp]> = [
    [{ type: 'pong', ts: '1' }, /pong\.ts: expected an integer/],
    [{ type: 'pong' }, /missing field "ts"/],
    [{ type: 'pong', ts: 1, extra: true }, /unknown field\(s\) extra/],
    [
      { type: 'ticker', symbol: 'X', data: { last: 85000, best_bid: null, best_ask: null, volume_24h: '0', ts: 1 } },
      /last: expected a decimal string/,
    ],
    [
      {
        type: 'balance.update',
        seq: 1,
        data: { asset: 'BTC', avail: '1', frozen: '0', delta: '1', reason: 'deposit' },
      },
      /delta: expected a signed decimal/,
    ],
    [{ type: 'no.such', id: 'x' }, /unknown message type "no.such"/],
    [{ type: 'order.result', id: 'x', code: 0 }, /missing field "data"/],
  ];
  for (const [v, re] of cases) assert.throws(() => decodeServerMessage(v, true), re);
  // Lenient (the client's default): extra fields and unknown types pass, wrong shapes of known types do not.
  assert.doesNotThrow(() => decodeServerMessage({ type: 'pong', ts: 1, extra: true }));
  assert.doesNotThrow(() => decodeServerMessage({ type: 'no.such', id: 'x' }));
  assert.throws(() => decodeServerMessage({ type: 'pong', ts: 'x' }), /expected an integer/);
});

test('every route answers what the client decodes strictly, and API errors carry catalogue codes', async () => {
  const admin = new RestClient({ baseUrl: s.url, adminToken: ADMIN_TOKEN, validate: 'strict' });
  const nu = await admin.createUser();
  const u: TestUser = await s.fundedUser({ BTC: '1', USDT: '100000' });
  const keyed = admin.withAuth({ apiKey: { apiKey: nu.api_key, apiSecret: nu.api_secret } });
  const me = admin.withAuth({ token: u.token });
  await admin.deposit(nu.user_id, 'USDT', '1000');
  const other = await s.fundedUser({ BTC: '1' });
  const spare = await admin.createUser();
  const calls: Record<string, () => Promise<unknown>> = {
    'POST /api/v1/admin/users': () => admin.createUser(),
    'POST /api/v1/admin/deposit': () => admin.deposit(u.userId, 'BTC', '0.5'),
    'POST /api/v1/admin/withdraw': () => admin.withdraw(u.userId, 'BTC', '0.25'),
    'POST /api/v1/create_order': async () => {
      await s.place(other, order('SELL', '20000.00', '0.01'));
      return me.createOrder(order('BUY', '20000.00', '0.02', 'route-1'));
    },
    'POST /api/v1/cancel_order': () => me.cancelOrder({ cid: 'route-1' }),
    'GET /api/v1/order/{order_id}': async () => me.getOrder((await me.listOrders({ limit: 1 })).orders[0]!.order_id),
    'GET /api/v1/order': () => me.getOrderByCid('route-1'),
    'GET /api/v1/orders': () => me.listOrders(),
    'GET /api/v1/trades': () => me.listTrades(),
    'GET /api/v1/balances': () => me.getBalances(),
    'GET /api/v1/events': () => me.listEvents(0, 1000),
    'GET /api/v1/symbols': () => me.symbols(),
    'GET /api/v1/depth': async () => {
      await s.place(other, order('SELL', '40000.00', '0.01'));
      return me.depth('BTC_USDT', 5);
    },
    'GET /api/v1/market/trades': () => me.marketTrades('BTC_USDT'),
    'GET /api/v1/ticker': () => me.ticker('BTC_USDT'),
    'GET /api/v1/klines': async () => {
      const candles = await me.klines('BTC_USDT', '1m');
      assert.ok(candles.length > 0, 'a candle of the trades above');
      return candles;
    },
    'POST /api/v1/auth/token': () => keyed.issueToken(),
    'POST /api/v1/auth/revoke_key': () => keyed.revokeOwnKey(),
    'POST /api/v1/admin/revoke_key': () => admin.revokeKey(spare.api_key),
    'POST /api/v1/admin/revoke_user': () => admin.revokeUser(spare.user_id),
    'GET /healthz': () => admin.health(),
    'GET /readyz': () => admin.ready(),
  };
  // Not JSON envelopes: Prometheus text, and the web console's page and files.
  const notJson = new Set([
    'GET /metrics',
    'GET /',
    'GET /console/{file}',
    'GET /openapi.json',
    'GET /asyncapi.json',
    'GET /docs',
    'GET /docs/assets/{file}',
  ]);
  const routes = [
    ...new Set(
      s.srv.routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url.replace(/:([a-z_]+)/g, '{$1}')}`),
    ),
  ];
  assert.ok(routes.length >= 15, `routes: ${routes.join(', ')}`);
  assert.deepEqual(
    routes.filter((r) => calls[r] === undefined && !notJson.has(r)),
    [],
    'routes the client has no typed method for',
  );
  for (const r of routes) {
    if (notJson.has(r)) continue;
    await assert.doesNotReject(calls[r]!(), `${r}: the client disagrees with the answer`);
  }
  // The events page holds every private event type, each decoded strictly above.
  const types = new Set((await me.listEvents(0, 1000)).events.map((e) => e.type));
  assert.deepEqual([...types].sort(), ['balance.update', 'order.update', 'trade']);
  // Errors: each is an ApiClientError whose code is in the client's catalogue table.
  const errors: Array<[() => Promise<unknown>, number]> = [
    [() => me.getOrder(999_999), ErrorCode.ORDER_NOT_FOUND],
    [() => me.getOrderByCid('no-such-cid'), ErrorCode.ORDER_NOT_FOUND],
    [() => me.request('GET', '/api/v1/nope'), ErrorCode.ROUTE_NOT_FOUND],
    [() => admin.withAuth({}).getBalances(), ErrorCode.MISSING_CREDENTIALS],
    [() => me.createOrder(order('BUY', '20000.00', '1000')), ErrorCode.INSUFFICIENT_BALANCE],
    [() => me.createOrder({ ...order('BUY', '1.00', '0.01'), side: 'UP' as 'BUY' }), ErrorCode.MALFORMED],
    [() => me.issueToken(), ErrorCode.FORBIDDEN],
  ];
  for (const [call, code] of errors) {
    await assert.rejects(call(), (e: unknown) => {
      assert.ok(e instanceof ApiClientError, String(e));
      assert.equal(e.code, code, e.message);
      assert.equal(e.codeName, errorCodeName(code));
      return true;
    });
  }
});
