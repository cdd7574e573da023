// Robustness against clients nobody here wrote: fast-check drives a live server (both stores) with random HTTP
// requests — valid orders and cancels, mutated and garbage bodies, random routes, query strings and headers —
// and random WebSocket frames from several users at once. Afterwards: no 5xx but 5001, the server alive, every
// private event a user received concerns that user's own orders, in gap-free seq order; then the server stops
// and its database shows conservation (every asset's balances sum to what was deposited) and frozen = the
// open orders' locks; a restart on the same database recovers and serves the same balances.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openStore } from '../../src/adapters/store/index.js';
import { big } from '../../src/core/int64.js';
import { ADMIN_TOKEN, Lab, type StoreKind, type TestServer, type TestUser, postgresUrl } from '../http/harness.js';
import { type Msg, RawClient, wsUrl } from '../push/raw-client.js';

const SEED = Number(process.env['FAST_CHECK_SEED'] ?? 20261201);
const RUNS = 60;
const FUNDS = { BTC: '10', ETH: '100', USDT: '1000000' } as const;

type Answer = { status: number; code: number | undefined };

interface World {
  readonly s: TestServer;
  readonly users: TestUser[];
  readonly observers: RawClient[];
  /** Connections that receive random frames (reopened when the server closed them). */
  readonly fuzzers: Array<RawClient | null>;
  readonly answers: Answer[];
  readonly placed: number[];
  /** Internal units deposited per asset name, by successful admin deposits. */
  readonly deposited: Map<string, bigint>;
}

// ---- what clients send ----

const symbolArb = fc.constantFrom('BTC_USDT', 'ETH_USDT');
const priceArb = fc.integer({ min: 29_900, max: 30_100 }).map((p) => `${p}.${String(p % 100).padStart(2, '0')}`);
const qtyArb = fc.integer({ min: 1, max: 5_000 }).map((q) => `0.${String(q).padStart(6, '0')}`);
const validOrderArb = fc
  .record(
    {
      symbol: symbolArb,
      side: fc.constantFrom('BUY', 'SELL'),
      order_type: fc.constantFrom('LIMIT', 'LIMIT', 'LIMIT', 'MARKET'),
      time_in_force: fc.constantFrom('GTC', 'IOC', 'FOK', 'POST_ONLY'),
      price: priceArb,
      qty: qtyArb,
      cid: fc.stringMatching(/^[a-z0-9]{1,10}$/),
    },
    { requiredKeys: ['symbol', 'side', 'order_type', 'qty'] },
  )
  .map((o) => {
    const body: Record<string, unknown> = { ...o };
    if (o.order_type === 'MARKET') {
      delete body['price'];
      body['time_in_force'] = 'IOC';
    } else if (body['price'] === undefined) body['price'] = '30000.00';
    return body;
  });
/** A valid body with one thing wrong (or odd). */
const mutatedOrderArb = fc
  .tuple(
    validOrderArb,
    fc.constantFrom(
      'symbol',
      'side',
      'order_type',
      'time_in_force',
      'price',
      'qty',
      'cid',
      'quote_qty',
      'user_id',
      'extra',
    ),
    fc.oneof(
      fc.jsonValue(),
      fc.string(),
      fc.constantFrom('-1', '0', '1e5', '0.1234567890123', '99999999999999999999', ' 1', '1.', '.5', '\u0000', 'NaN'),
      fc.integer(),
      fc.double(),
    ),
    fc.boolean(),
  )
  .map(([body, key, value, remove]) => {
    const out = { ...body };
    if (remove) delete out[key];
    else out[key] = value;
    return out;
  });
const garbageArb = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.constantFrom('{', '{"a":1,"a":2}', '{"__proto__":{}}', '[]', 'null', '"x"', '{"symbol":'.repeat(500), '\uFFFF'),
);
const pathArb = fc.oneof(
  fc.constantFrom(
    '/api/v1/create_order',
    '/api/v1/cancel_order',
    '/api/v1/orders',
    '/api/v1/trades',
    '/api/v1/balances',
    '/api/v1/events',
    '/api/v1/order/1',
    '/api/v1/depth',
    '/api/v1/ticker',
    '/api/v1/market/trades',
    '/api/v1/symbols',
    '/api/v1/auth/token',
    '/api/v1/admin/deposit',
    '/healthz',
    '/readyz',
    '/ws',
  ),
  fc.webPath(),
  fc.string({ maxLength: 40 }).map((t) => `/api/v1/${encodeURIComponent(t)}`),
  fc.constantFrom('/api/v1/order/%zz', `/api/v1/order/${'9'.repeat(150)}`, '/api/v1/order/-1', '/api/v1/order/1.5'),
);
const queryArb = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(
      fc.constantFrom(
        'symbol',
        'status',
        'limit',
        'cursor',
        'start_time',
        'end_time',
        'after',
        'levels',
        'order_id',
        'x',
      ),
      fc.oneof(fc.string({ maxLength: 12 }), fc.integer().map(String), fc.constantFrom('BTC_USDT', 'NEW', '0', '1001')),
      { maxKeys: 4 },
    )
    .map((d) => `?${new URLSearchParams(d).toString()}`),
  fc.string({ maxLength: 30 }).map((t) => `?${t}`),
);

type Who = { user: number; how: 'bearer' | 'garbage' | 'none' | 'dev' | 'admin' | 'bad-hmac' };
const whoArb = fc.record({
  user: fc.nat(2),
  how: fc.constantFrom('bearer', 'bearer', 'bearer', 'garbage', 'none', 'dev', 'admin', 'bad-hmac'),
}) as fc.Arbitrary<Who>;

type HttpAction =
  | { kind: 'order'; who: Who; body: Record<string, unknown> }
  | { kind: 'cancel'; who: Who; pick: number; byCid: boolean }
  | { kind: 'raw'; who: Who; method: string; path: string; query: string; body: string | null; contentType: string }
  | { kind: 'deposit'; user: number; asset: string; qty: string };
type WsAction = { kind: 'ws'; user: number; frame: string | Uint8Array };
type Action = HttpAction | WsAction;

const wsFrameArb = fc.oneof(
  fc
    .record({
      type: fc.constantFrom('subscribe', 'unsubscribe'),
      channel: fc.constantFrom('trades', 'depth', 'ticker', 'nope'),
      symbol: fc.constantFrom('BTC_USDT', 'ETH_USDT', 'DOGE'),
      levels: fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.constant(undefined)),
    })
    .map((m) => JSON.stringify(m)),
  fc.constant('{"type":"ping"}'),
  fc
    .record({ type: fc.constant('auth'), token: fc.string({ maxLength: 40 }), resume_from: fc.jsonValue() })
    .map((m) => JSON.stringify(m)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 100 }),
  fc.uint8Array({ maxLength: 64 }),
);

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('order' as const), who: whoArb, body: validOrderArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('order' as const), who: whoArb, body: mutatedOrderArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), who: whoArb, pick: fc.nat(), byCid: fc.boolean() }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      who: whoArb,
      method: fc.constantFrom('GET', 'GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'),
      path: pathArb,
      query: queryArb,
      body: fc.option(garbageArb, { nil: null }),
      contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'x/y', ''),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      user: fc.nat(2),
      asset: fc.constantFrom('BTC', 'USDT', 'DOGE'),
      qty: fc.oneof(qtyArb, fc.constantFrom('-1', '0', '1e3', '100')),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ws' as const), user: fc.nat(2), frame: wsFrameArb }) },
);

// ---- doing it ----

function headersFor(w: World, who: Who): Record<string, string> {
  const u = w.users[who.user] as TestUser;
  switch (who.how) {
    case 'bearer':
      return { authorization: `Bearer ${u.token}` };
    case 'garbage':
      return { authorization: `Bearer ${u.token.slice(0, -3)}abc` };
    case 'dev':
      return { 'x-user-id': String(u.userId) };
    case 'admin':
      return { 'x-admin-token': ADMIN_TOKEN };
    case 'bad-hmac':
      return { 'x-api-key': u.apiKey, 'x-timestamp': String(Date.now()), 'x-signature': 'ab'.repeat(32) };
    case 'none':
      return {};
  }
}

async function send(
  w: World,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | null,
): Promise<Record<string, unknown> | undefined> {
  let r: Response;
  try {
    r = await fetch(w.s.url + path, {
      method,
      headers,
      ...(body !== null && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
    });
  } catch (e) {
    // The client refused to send it (an invalid URL or header): nothing reached the server.
    if (e instanceof TypeError && !/fetch failed/.test(e.message)) return undefined;
    throw new Error(`${method} ${path}: the server did not answer (${(e as Error).message})`);
  }
  const text = await r.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  const code = typeof json?.['code'] === 'number' ? (json['code'] as number) : undefined;
  w.answers.push({ status: r.status, code });
  if (r.status >= 500)
    assert.ok(r.status === 503 && code === 5001, `${method} ${path} -> ${r.status} ${text.slice(0, 200)}`);
  // Besides /metrics, only the web console's files (GET / and /console/{file}, answered 200) are not JSON envelopes.
  const bare = path.split('?')[0] || '/'; // an empty path is sent as `/`
  const consoleFile = r.status === 200 && method === 'GET' && (bare === '/' || bare.startsWith('/console/'));
  if (method !== 'HEAD' && bare !== '/metrics' && !consoleFile && r.status !== 101) {
    assert.ok(
      json !== undefined && 'code' in json && 'msg' in json && 'data' in json,
      `${method} ${path}: not an envelope: ${text.slice(0, 200)}`,
    );
  }
  return json;
}

async function perform(w: World, a: Action): Promise<void> {
  switch (a.kind) {
    case 'order': {
      const j = await send(
        w,
        'POST',
        '/api/v1/create_order',
        { 'content-type': 'application/json', ...headersFor(w, a.who) },
        JSON.stringify(a.body),
      );
      const id = (j?.['data'] as Record<string, unknown> | null)?.['order_id'];
      if (typeof id === 'number') w.placed.push(id);
      return;
    }
    case 'cancel': {
      const id = w.placed.length === 0 ? 1 : (w.placed[a.pick % w.placed.length] as number);
      const body = a.byCid ? { cid: `c${a.pick % 20}` } : { order_id: id };
      await send(
        w,
        'POST',
        '/api/v1/cancel_order',
        { 'content-type': 'application/json', ...headersFor(w, a.who) },
        JSON.stringify(body),
      );
      return;
    }
    case 'raw': {
      const headers = { ...headersFor(w, a.who), ...(a.contentType === '' ? {} : { 'content-type': a.contentType }) };
      if (a.path === '/ws' && a.method === 'GET') return; // an upgrade-less GET of /ws is a plain 404 route
      await send(w, a.method, a.path + a.query, headers, a.body);
      return;
    }
    case 'deposit': {
      const u = w.users[a.user] as TestUser;
      const j = await send(
        w,
        'POST',
        '/api/v1/admin/deposit',
        { 'content-type': 'application/json', 'x-admin-token': ADMIN_TOKEN },
        JSON.stringify({ user_id: u.userId, asset: a.asset, qty: a.qty }),
      );
      if (j?.['code'] === 0) {
        const asset = w.s.srv.ctx.market.assetByName(a.asset);
        assert.ok(asset !== undefined);
        const [whole, frac = ''] = a.qty.split('.');
        const units =
          BigInt(whole as string) * 10n ** BigInt(asset.decimals) + BigInt(frac.padEnd(asset.decimals, '0') || '0');
        w.deposited.set(a.asset, (w.deposited.get(a.asset) ?? 0n) + units);
      }
      return;
    }
    case 'ws': {
      let c = w.fuzzers[a.user] ?? null;
      if (c === null || c.closed !== null) {
        const u = w.users[a.user] as TestUser;
        c = await RawClient.connect(wsUrl(w.s.url, `token=${encodeURIComponent(u.token)}`));
        w.fuzzers[a.user] = c;
      }
      if (c.open) c.ws.send(a.frame, { binary: typeof a.frame !== 'string' });
      return;
    }
  }
}

// ---- the suite ----

function suite(kind: StoreKind): void {
  describe(`robustness (${kind})`, () => {
    const lab = new Lab(kind);
    const w: Partial<World> = {};
    after(async () => {
      for (const c of [...(w.observers ?? []), ...(w.fuzzers ?? [])]) c?.dispose();
      await lab.cleanup();
    });

    test('random HTTP requests and WebSocket frames from three users: no 5xx but 5001, nobody sees another user', async () => {
      const s = await lab.start({
        rateLimits: { ordersPerSec: 200, cancelsPerSec: 200, queriesPerSec: 400 },
        flags: { ws: { messagesPerSec: 300 } },
      });
      const users = [await s.fundedUser(FUNDS), await s.fundedUser(FUNDS), await s.fundedUser(FUNDS)];
      const market = s.srv.ctx.market;
      const deposited = new Map<string, bigint>();
      for (const [asset, qty] of Object.entries(FUNDS)) {
        const a = market.assetByName(asset);
        assert.ok(a !== undefined);
        deposited.set(asset, BigInt(qty) * 10n ** BigInt(a.decimals) * 3n);
      }
      const observers: RawClient[] = [];
      for (const u of users) {
        const c = await RawClient.connect(wsUrl(s.url, `token=${encodeURIComponent(u.token)}`));
        await c.nextOfType('connected');
        observers.push(c);
      }
      Object.assign(w, { s, users, observers, fuzzers: [null, null, null], answers: [], placed: [], deposited });
      const world = w as World;
      await fc.assert(
        fc.asyncProperty(fc.array(actionArb, { minLength: 5, maxLength: 25 }), async (actions) => {
          for (const a of actions) await perform(world, a);
          assert.equal((await send(world, 'GET', '/healthz', {}, null))?.['code'], 0, 'alive');
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      await new Promise((r) => setTimeout(r, 500)); // the last pushes
      assert.ok(world.answers.length > RUNS * 5, `${world.answers.length} answers`);
      const byStatus = new Map<number, number>();
      for (const a of world.answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
      console.log(
        `robustness (${kind}): ${world.answers.length} answers by status ${JSON.stringify(Object.fromEntries(byStatus))}, ${world.placed.length} orders placed`,
      );
      assert.ok(world.placed.length > 0, 'some orders were placed');

      // Each user's private events: gap-free, and about that user's own orders only.
      for (const [i, c] of observers.entries()) {
        assert.equal(c.closed, null, `observer ${i} still connected: ${JSON.stringify(c.closed)}`);
        const priv = c.messages.filter((m) => ['order.update', 'trade', 'balance.update'].includes(m.type));
        const seqs = priv.map((m) => m.seq as number);
        assert.deepEqual(
          seqs,
          seqs.map((_, k) => (seqs[0] as number) + k),
          `user ${i}: gap-free seq`,
        );
        const u = users[i] as TestUser;
        const ids = new Set(
          priv.filter((m) => m.type !== 'balance.update').map((m) => (m.data as Msg)['order_id'] as number),
        );
        for (const id of ids) {
          const r = await send(world, 'GET', `/api/v1/order/${id}`, { authorization: `Bearer ${u.token}` }, null);
          assert.equal(r?.['code'], 0, `user ${u.userId} was told about order ${id}, which is not theirs`);
        }
        // ... and every event of the user's log (through HTTP) arrived on the socket, in order.
        const logged = await s.events(u, `?after=${(seqs[0] ?? 1) - 1}&limit=1000`);
        assert.deepEqual(logged.map((e) => e['seq']).slice(0, seqs.length), seqs);
      }
      const balancesBefore = await Promise.all(users.map((u) => s.balances(u)));

      // The database after a clean stop: conservation and frozen = open locks.
      await s.close();
      const store = await openStore(s.db.url);
      try {
        const st = await store.recover();
        for (const a of market.assets) {
          const sum = st.balances
            .filter((b) => b.assetId === a.id)
            .reduce((t, b) => t + big(b.avail) + big(b.frozen), 0n);
          assert.equal(sum, world.deposited.get(a.name) ?? 0n, `conservation of ${a.name}`);
        }
        const locks = new Map<string, bigint>();
        for (const o of st.openOrders) {
          const sym = market.symbol(o.symbolId);
          const asset = o.side === 'BUY' ? market.quoteOf(sym).id : market.baseOf(sym).id;
          const k = `${o.userId}:${asset}`;
          locks.set(k, (locks.get(k) ?? 0n) + big(o.lock));
        }
        for (const b of st.balances) {
          assert.ok(big(b.avail) >= 0n && big(b.frozen) >= 0n, `nothing negative: ${JSON.stringify(b)}`);
          assert.equal(
            big(b.frozen),
            locks.get(`${b.userId}:${b.assetId}`) ?? 0n,
            `frozen = locks for ${b.userId}:${b.assetId}`,
          );
        }
      } finally {
        await store.close();
      }
      const again = await lab.start({}, s.db);
      assert.equal((await again.get('/readyz')).status, 200);
      assert.deepEqual(
        await Promise.all(users.map((u) => again.balances(u))),
        balancesBefore,
        'a restart recovers the same balances',
      );
    });
  });
}

suite('sqlite');
if (postgresUrl() === undefined) {
  console.log('robustness postgres suite SKIPPED (needs DATABASE_URL)');
  test('robustness (postgres)', { skip: 'SKIPPED (needs DATABASE_URL)' }, () => {});
} else suite('postgres');
