// Every answer is in the {code,msg,data} envelope with a catalogue code, including the ones the framework or
// Node's parser produce (bad URL, over-long path parameter, malformed request line, oversized headers, unknown
// route); what clients send is parsed strictly (a key twice in one object, "__proto__"); a client's X-Request-ID is
// echoed only when it is a plain short token; every answer says no-store and nosniff; and the original design's
// client, which names its user in trading bodies, works in development mode.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, Lab, type Res, type TestServer, expectError, expectOk } from '../http/harness.js';
import { RawClient, wsUrl } from '../push/raw-client.js';
import { closeAllRawSockets, get, rawRequest } from '../support/raw-http.js';

const lab = new Lab('sqlite');
let s: TestServer;
let port: number;
before(async () => {
  s = await lab.start({ devAuth: true });
  port = Number(new URL(s.url).port);
});
after(async () => {
  closeAllRawSockets();
  await lab.cleanup();
});

function envelopeOf(a: {
  status: number;
  json: { code: number; msg: string; data: unknown } | undefined;
  body: string;
}) {
  assert.ok(a.json !== undefined, `not JSON: ${a.body.slice(0, 200)}`);
  assert.deepEqual(Object.keys(a.json), ['code', 'msg', 'data'], a.body);
  assert.equal(a.json.data, null);
  return a.json;
}

describe('framework and parser errors are in the envelope', () => {
  test('a path parameter past 100 characters: 414 / 4141', async () => {
    expectError(await s.get(`/api/v1/order/${'1'.repeat(200)}`), 414, 4141, /path parameter/);
  });

  test('bad percent-encoding in the URL: 400 / 1001', async () => {
    const a = await rawRequest(port, get('/api/v1/order/%zz'));
    assert.equal(a.status, 400, a.body);
    assert.equal(envelopeOf(a).code, 1001);
  });

  test('a request line Node cannot parse: 400 / 1001', async () => {
    const a = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nbad header line\r\n\r\n');
    assert.equal(a.status, 400, a.body);
    assert.equal(envelopeOf(a).code, 1001);
  });

  test('headers past 16 KiB: 431 / 4311', async () => {
    const a = await rawRequest(port, get('/healthz', { 'x-big': 'a'.repeat(20_000) }));
    assert.equal(a.status, 431, a.body);
    assert.equal(envelopeOf(a).code, 4311);
  });

  test('unknown route: 404 / 4041; wrong content type: 400 / 1001', async () => {
    expectError(await s.get('/nothing/here?x=1'), 404, 4041, /no route GET \/nothing\/here$/);
    expectError(
      await s.request('POST', '/api/v1/create_order', {
        raw: 'symbol=BTC_USDT',
        contentType: 'text/plain',
        as: { kind: 'dev', userId: 1001 },
      }),
      400,
      1001,
      /Content-Type: application\/json/,
    );
  });
});

describe('strict JSON', () => {
  const dev = { kind: 'dev', userId: 1001 } as const;
  before(async () => {
    await s.createUser(); // 1001
  });

  test('a key twice in one body: 1001, nothing placed', async () => {
    const raw = '{"symbol":"BTC_USDT","side":"BUY","order_type":"LIMIT","price":"1.00","qty":"0.01","qty":"100"}';
    expectError(await s.request('POST', '/api/v1/create_order', { raw, as: dev }), 400, 1001, /duplicate key "qty"/);
    const nested = '{"user_id":1001,"asset":"BTC","qty":"1","qty":"2"}';
    expectError(await s.request('POST', '/api/v1/admin/deposit', { raw: nested, as: ADMIN }), 400, 1001, /duplicate/);
    // The same key in two different objects is fine; an escaped spelling of the same key is the same key.
    const escaped =
      '{"symbol":"BTC_USDT","side":"BUY","order_type":"LIMIT","price":"1.00","qty":"0.01","q\\u0074y":"9"}';
    expectError(await s.request('POST', '/api/v1/create_order', { raw: escaped, as: dev }), 400, 1001, /duplicate/);
    const orders = await s.ok<{ orders: unknown[] }>('/api/v1/orders', dev);
    assert.deepEqual(orders.orders, []);
  });

  test('"__proto__" as a key: 1001', async () => {
    const raw = '{"order_id":1,"__proto__":{"admin":true}}';
    expectError(await s.request('POST', '/api/v1/cancel_order', { raw, as: dev }), 400, 1001, /__proto__/);
  });

  test('a WebSocket frame with a key twice: error 1001, the connection stays', async () => {
    const c = await RawClient.connect(wsUrl(s.url));
    try {
      await c.nextOfType('connected');
      const answer = await c.request('{"type":"subscribe","channel":"trades","symbol":"BTC_USDT","symbol":"ETH_USDT"}');
      assert.equal(answer.type, 'error');
      assert.equal(answer.code, 1001);
      assert.match(String(answer.msg), /duplicate key "symbol"/);
      assert.equal((await c.ping()).type, 'pong');
    } finally {
      c.dispose();
    }
  });
});

describe('headers', () => {
  const headerOf = (r: Res, name: string) => r.headers.get(name);

  test('X-Request-ID: a plain token is echoed, anything else is replaced by the server id', async () => {
    const mine = await s.request('GET', '/api/v1/symbols', { headers: { 'x-request-id': 'client-42.a:b_c' } });
    assert.equal(headerOf(mine, 'x-request-id'), 'client-42.a:b_c');
    for (const bad of ['has space', 'x'.repeat(65), '<script>', 'a,b']) {
      const r = await s.request('GET', '/api/v1/symbols', { headers: { 'x-request-id': bad } });
      const id = headerOf(r, 'x-request-id');
      assert.ok(id !== null && id !== bad && /^[0-9a-f]{8}-[0-9a-z]+$/.test(id), `${bad} -> ${id}`);
    }
    const err = await s.get('/api/v1/nope');
    assert.match(headerOf(err, 'x-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-z]+$/, 'errors carry the id too');
  });

  test('every answer says Cache-Control: no-store and X-Content-Type-Options: nosniff', async () => {
    const u = await s.createUser();
    for (const r of [
      await s.get('/api/v1/balances', u.bearer),
      await s.get('/api/v1/balances'),
      await s.get('/api/v1/symbols'),
      await s.get('/healthz'),
      await s.get('/api/v1/nope'),
    ]) {
      assert.equal(headerOf(r, 'cache-control'), 'no-store');
      assert.equal(headerOf(r, 'x-content-type-options'), 'nosniff');
    }
  });
});

describe('the original design client: user_id in trading bodies (development mode)', () => {
  test('user_id of the caller is accepted, another user is 2003, a bad one 1001', async () => {
    const a = await s.fundedUser({ USDT: '100000' });
    const b = await s.fundedUser({ BTC: '1' });
    const body = (user: unknown) => ({
      user_id: user,
      symbol: 'BTC_USDT',
      side: 'SELL',
      order_type: 'LIMIT',
      price: '31000.00',
      qty: '0.1',
    });
    expectError(
      await s.post('/api/v1/create_order', body(a.userId), b.bearer),
      403,
      2003,
      /not the authenticated user/,
    );
    expectError(await s.post('/api/v1/create_order', body('x'), b.bearer), 400, 1001, /user_id/);
    const placed = expectOk<{ order_id: number }>(await s.post('/api/v1/create_order', body(b.userId), b.bearer), 202);
    expectError(
      await s.post('/api/v1/cancel_order', { user_id: a.userId, order_id: placed.order_id }, b.bearer),
      403,
      2003,
    );
    expectOk(await s.post('/api/v1/cancel_order', { user_id: b.userId, order_id: placed.order_id }, b.bearer));
  });

  test('two dev users trade with user_id in their bodies; 1001 socket (?user_id=1001) gets order.update, trade, balance.update', async () => {
    const fresh = await lab.start({ devAuth: true });
    const u1 = await fresh.createUser();
    const u2 = await fresh.createUser();
    assert.deepEqual([u1.userId, u2.userId], [1001, 1002]);
    await fresh.deposit(1001, 'USDT', '100000');
    await fresh.deposit(1002, 'BTC', '1');
    const ws = await RawClient.connect(wsUrl(fresh.url, 'user_id=1001'));
    try {
      assert.equal((await ws.nextOfType('connected')).user_id, 1001);
      const order = (user: number, side: string) => ({
        user_id: user,
        symbol: 'BTC_USDT',
        side,
        order_type: 'LIMIT',
        price: '30000.00',
        qty: '0.1',
      });
      expectOk(await fresh.post('/api/v1/create_order', order(1002, 'SELL'), { kind: 'dev', userId: 1002 }), 202);
      const from = ws.messages.length;
      expectOk(await fresh.post('/api/v1/create_order', order(1001, 'BUY'), { kind: 'dev', userId: 1001 }), 202);
      const trade = await ws.nextOfType('trade', from);
      assert.equal((trade.data as Record<string, unknown>)['side'], 'BUY');
      assert.equal((trade.data as Record<string, unknown>)['qty'], '0.100000');
      const filled = await ws.next(
        (m) => m.type === 'order.update' && (m.data as Record<string, unknown>)['status'] === 'FILLED',
        'the FILLED order.update',
        from,
      );
      assert.equal((filled.data as Record<string, unknown>)['price'], '30000.00');
      const btc = await ws.next(
        (m) => m.type === 'balance.update' && (m.data as Record<string, unknown>)['asset'] === 'BTC',
        'the BTC balance.update',
        from,
      );
      // 0.1 BTC bought, less the 0.2 % taker fee of the demo market.
      assert.equal((btc.data as Record<string, unknown>)['delta'], '+0.099800');
      assert.ok(
        ws.messages.every((m) => m.type !== 'error'),
        JSON.stringify(ws.messages),
      );
    } finally {
      ws.dispose();
    }
  });
});
