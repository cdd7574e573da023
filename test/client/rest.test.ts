// RestClient against a tiny node:http server with api.md envelopes: routes, credentials, ApiClientError mapping.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ApiClientError, NO_ENVELOPE, RestClient } from '../../src/client/index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const ok = (data: unknown) => ({ code: 0, msg: 'ok', data });
const fail = (code: number, msg: string) => ({ code, msg, data: null });

const ORDER = {
  order_id: 7,
  cid: 'c-7',
  symbol: 'BTC_USDT',
  side: 'BUY',
  order_type: 'LIMIT',
  time_in_force: 'GTC',
  price: '85000.00',
  qty: '0.001000',
  quote_qty: null,
  filled_qty: '0.000000',
  avg_price: null,
  status: 'NEW',
  reject_reason: null,
  created_at: 1,
  updated_at: 2,
};

/** Route table: path (without query) -> [status, body]. */
function answer(seen: Seen): [number, unknown] {
  const u = new URL(seen.url, 'http://x');
  const key = `${seen.method} ${u.pathname}`;
  switch (key) {
    case 'POST /api/v1/create_order':
      if (!/"price":"/.test(seen.body)) return [400, fail(1001, 'price must be a decimal string')];
      return [202, ok({ order_id: 7, cid: 'c-7', order_status: 'ACCEPTED', accepted_at: 1702944000000 })];
    case 'POST /api/v1/cancel_order':
      return [200, ok({ order_id: 7, cid: null, order_status: 'CANCEL_PENDING' })];
    case 'GET /api/v1/order/7':
      return [200, ok(ORDER)];
    case 'GET /api/v1/order/8':
      return [404, fail(4001, 'order not found')];
    case 'GET /api/v1/orders':
      return [200, ok({ orders: [ORDER], next_cursor: null })];
    case 'GET /api/v1/trades':
      return [200, ok({ trades: [], next_cursor: null })];
    case 'GET /api/v1/balances':
      if (seen.headers.authorization === undefined && seen.headers['x-user-id'] === undefined) {
        return [401, fail(2001, 'missing credentials')];
      }
      return [200, ok({ balances: [{ asset: 'BTC', avail: '1.500000', frozen: '0.100000', total: '1.600000' }] })];
    case 'GET /api/v1/events':
      return [
        200,
        ok({
          events: [
            {
              type: 'balance.update',
              seq: 6,
              data: { asset: 'BTC', avail: '1.500000', frozen: '0.000000', delta: '+0.500000', reason: 'deposit' },
            },
          ],
          oldest_seq: 1,
          resync: false,
        }),
      ];
    case 'GET /api/v1/symbols':
      return [200, ok({ assets: [], symbols: [] })];
    case 'GET /api/v1/depth':
      return [200, ok({ symbol: 'BTC_USDT', epoch: 1, seq: 9, bids: [['84999.00', '1.200000']], asks: [] })];
    case 'GET /api/v1/market/trades':
      return [200, ok({ trades: [] })];
    case 'GET /api/v1/ticker':
      return [200, ok({ symbol: 'BTC_USDT', last: null, best_bid: null, best_ask: null, volume_24h: '0', ts: 3 })];
    case 'POST /api/v1/admin/deposit':
      if (seen.headers['x-admin-token'] !== 'adm') return [401, fail(2001, 'missing X-ADMIN-TOKEN header')];
      return [200, ok({ user_id: 1001, asset: 'BTC', qty: '1.500000' })];
    case 'GET /api/v1/rate':
      return [429, fail(4291, 'rate limit exceeded')];
    case 'GET /api/v1/proxy':
      return [502, '<html>bad gateway</html>'];
    default:
      return [404, fail(1001, `no route ${key}`)];
  }
}

describe('RestClient', () => {
  const seen: Seen[] = [];
  let baseUrl = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      const [status, out] = answer(s);
      res.writeHead(status, { 'content-type': typeof out === 'string' ? 'text/html' : 'application/json' });
      res.end(typeof out === 'string' ? out : JSON.stringify(out));
    });
  });
  const last = () => seen[seen.length - 1] as Seen;

  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('createOrder posts the JSON body with the bearer token and answers data', async () => {
    const api = new RestClient({ baseUrl, token: 'tok-1' });
    const r = await api.createOrder({
      symbol: 'BTC_USDT',
      side: 'BUY',
      order_type: 'LIMIT',
      price: '85000.00',
      qty: '0.001',
      cid: 'c-7',
    });
    assert.deepEqual(r, { order_id: 7, cid: 'c-7', order_status: 'ACCEPTED', accepted_at: 1702944000000 });
    assert.equal(last().headers.authorization, 'Bearer tok-1');
    assert.equal(last().headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(last().body), {
      symbol: 'BTC_USDT',
      side: 'BUY',
      order_type: 'LIMIT',
      price: '85000.00',
      qty: '0.001',
      cid: 'c-7',
    });
  });

  test('an error envelope becomes an ApiClientError with code, msg and HTTP status', async () => {
    const api = new RestClient({ baseUrl, token: 't' });
    await assert.rejects(api.getOrder(8), (e: unknown) => {
      assert.ok(e instanceof ApiClientError);
      assert.equal(e.code, 4001);
      assert.equal(e.msg, 'order not found');
      assert.equal(e.status, 404);
      assert.equal(e.path, '/api/v1/order/8');
      return true;
    });
    await assert.rejects(
      api.createOrder({ symbol: 'BTC_USDT', side: 'BUY', order_type: 'MARKET', qty: '1' }),
      (e: unknown) => e instanceof ApiClientError && e.code === 1001 && e.status === 400,
    );
    await assert.rejects(api.request('GET', '/api/v1/rate'), { code: 4291, status: 429 });
    await assert.rejects(api.request('GET', '/api/v1/proxy'), { code: NO_ENVELOPE, status: 502 });
    await assert.rejects(new RestClient({ baseUrl }).getBalances(), { code: 2001, status: 401 });
  });

  test('queries: paths and query strings of api.md', async () => {
    const api = new RestClient({ baseUrl: `${baseUrl}/api/v1/`, userId: 1001 });
    assert.equal((await api.getOrder(7)).price, '85000.00');
    assert.equal(last().headers['x-user-id'], '1001');
    assert.equal(last().headers.authorization, undefined);
    assert.equal((await api.listOrders({ symbol: 'BTC_USDT', status: 'NEW', limit: 2 })).orders.length, 1);
    assert.equal(last().url, '/api/v1/orders?symbol=BTC_USDT&status=NEW&limit=2');
    await api.listOrders();
    assert.equal(last().url, '/api/v1/orders');
    await api.listTrades({ order_id: 7, cursor: 100 });
    assert.equal(last().url, '/api/v1/trades?order_id=7&cursor=100');
    assert.equal((await api.getBalances()).balances[0]?.total, '1.600000');
    const ev = await api.listEvents(5, 2);
    assert.equal(last().url, '/api/v1/events?after=5&limit=2');
    assert.equal(ev.events[0]?.seq, 6);
    assert.deepEqual(await api.cancelOrder(7), { order_id: 7, cid: null, order_status: 'CANCEL_PENDING' });
    assert.deepEqual(JSON.parse(last().body), { order_id: 7 });
    await api.cancelOrder({ cid: 'c-7' });
    assert.deepEqual(JSON.parse(last().body), { cid: 'c-7' });
  });

  test('public market data without credentials', async () => {
    const api = new RestClient({ baseUrl });
    assert.deepEqual(await api.symbols(), { assets: [], symbols: [] });
    assert.equal(last().headers.authorization, undefined);
    assert.equal(last().headers['x-user-id'], undefined);
    assert.deepEqual((await api.depth('BTC_USDT', 20)).bids, [['84999.00', '1.200000']]);
    assert.equal(last().url, '/api/v1/depth?symbol=BTC_USDT&levels=20');
    await api.marketTrades('BTC_USDT', 100);
    assert.equal(last().url, '/api/v1/market/trades?symbol=BTC_USDT&limit=100');
    assert.equal((await api.ticker('BTC_USDT')).volume_24h, '0');
    assert.equal(last().url, '/api/v1/ticker?symbol=BTC_USDT');
  });

  test('admin calls carry X-ADMIN-TOKEN only; withAuth switches user', async () => {
    const admin = new RestClient({ baseUrl, adminToken: 'adm' });
    assert.deepEqual(await admin.deposit(1001, 'BTC', '1.5'), { user_id: 1001, asset: 'BTC', qty: '1.500000' });
    assert.deepEqual(JSON.parse(last().body), { user_id: 1001, asset: 'BTC', qty: '1.5' });
    await admin.symbols();
    assert.equal(last().headers['x-admin-token'], undefined, 'not on user routes');
    const user = admin.withAuth({ token: 'u-tok' });
    await user.getBalances();
    assert.equal(last().headers.authorization, 'Bearer u-tok');
    const raw = await user.requestRaw('POST', '/api/v1/create_order', '{bad json');
    assert.equal(raw.status, 400);
    assert.equal(raw.body?.code, 1001);
    assert.equal(last().body, '{bad json');
  });
});
