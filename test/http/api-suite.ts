// The HTTP API contract suite (api.md, errors.md), run against every store (sqlite.test.ts, postgres.test.ts):
// real servers on port 0, real sockets, exact statuses, codes, envelopes and numbers.
//
// The main server is shared by the tests of the first block, which run in order. Its books are shared too, so the
// tests keep to price bands that never cross by accident: resting BUYs below 1100, resting SELLs at 90000 and above,
// trades meant to happen between 30000 and 50000 (always filled completely). The seed scenario runs first, on
// empty books.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { issueToken } from '../../src/gateway/auth.js';
import {
  ADMIN,
  type Credentials,
  Lab,
  NONE,
  type Res,
  type StoreKind,
  TOKEN_SECRET,
  type TestServer,
  type TestUser,
  assertGapFree,
  expectError,
  expectOk,
  limitOrder,
  sleep,
  withoutTimes,
} from './harness.js';

type Obj = Record<string, unknown>;

const BODY_LIMIT = 1024;

const limit = (side: 'BUY' | 'SELL', price: string, qty: string, extra: Obj = {}): Obj => ({
  symbol: 'BTC_USDT',
  side,
  order_type: 'LIMIT',
  price,
  qty,
  ...extra,
});

const balance = (asset: string, avail: string, frozen: string, total: string) => ({ asset, avail, frozen, total });

const balanceUpdate = (seq: number, asset: string, avail: string, frozen: string, delta: string, reason: string) => ({
  type: 'balance.update',
  seq,
  data: { asset, avail, frozen, delta, reason },
});

function orderUpdate(
  seq: number,
  o: { order_id: number; cid?: string | null; symbol?: string; side: string; price: string; qty: string },
  status: string,
  filledQty = '0.000000',
  avgPrice: string | null = null,
) {
  return {
    type: 'order.update',
    seq,
    data: {
      order_id: o.order_id,
      cid: o.cid ?? null,
      symbol: o.symbol ?? 'BTC_USDT',
      side: o.side,
      order_type: 'LIMIT',
      price: o.price,
      qty: o.qty,
      status,
      filled_qty: filledQty,
      avg_price: avgPrice,
      updated_at: 0,
    },
  };
}

/** Every page of a cursor-paginated list, following next_cursor until it is null. */
async function allPages(
  s: TestServer,
  as: Credentials,
  path: string,
  key: 'orders' | 'trades',
  pageLimit: number,
): Promise<{ items: Obj[]; pages: Obj[][] }> {
  const items: Obj[] = [];
  const pages: Obj[][] = [];
  let cursor: unknown = null;
  for (let i = 0; i < 100; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const q = `${path}${sep}limit=${pageLimit}${cursor === null ? '' : `&cursor=${String(cursor)}`}`;
    const d = expectOk<Obj>(await s.get(q, as));
    assert.deepEqual(Object.keys(d), [key, 'next_cursor']);
    const page = d[key] as Obj[];
    assert.ok(page.length <= pageLimit, `${q}: ${page.length} items for limit ${pageLimit}`);
    pages.push(page);
    items.push(...page);
    cursor = d.next_cursor;
    if (cursor === null) return { items, pages };
    assert.equal(typeof cursor, 'number', `${q}: next_cursor ${String(cursor)}`);
  }
  throw new Error(`${path}: more than 100 pages`);
}

const counts = (rs: readonly Res[]) => {
  const c: Record<string, number> = {};
  for (const r of rs) c[`${r.status}/${String(r.body?.code)}`] = (c[`${r.status}/${String(r.body?.code)}`] ?? 0) + 1;
  return c;
};

export function apiSuite(kind: StoreKind): void {
  describe(`HTTP API over real sockets (${kind})`, () => {
    const lab = new Lab(kind);
    after(() => lab.cleanup());

    describe('main server (dev auth off, admin on, body limit 1024 B)', () => {
      let s: TestServer;
      before(async () => {
        s = await lab.start({ bodyLimitBytes: BODY_LIMIT });
      });

      test('seed scenario: A sells 0.1 BTC at 30000, B buys 0.1 at 30000 -> one trade, fees, every view', async () => {
        const a = await s.fundedUser({ BTC: '1' });
        const b = await s.fundedUser({ USDT: '10000' });

        // Empty books first.
        const depth0 = await s.ok<{ seq: number }>('/api/v1/depth?symbol=BTC_USDT');
        assert.ok(Number.isSafeInteger(depth0.seq));
        assert.deepEqual(depth0, { symbol: 'BTC_USDT', seq: depth0.seq, bids: [], asks: [] });
        assert.deepEqual(withoutTimes(await s.ok('/api/v1/ticker?symbol=BTC_USDT')), {
          symbol: 'BTC_USDT',
          last: null,
          best_bid: null,
          best_ask: null,
          volume_24h: '0.000000',
          ts: 0,
        });
        assert.deepEqual(await s.ok('/api/v1/market/trades?symbol=BTC_USDT'), { trades: [] });

        // A sells: 202 ACCEPTED with an order id, resting on the book.
        const sellRes = expectOk<Obj>(
          await s.post('/api/v1/create_order', limit('SELL', '30000', '0.1', { cid: 'seed-sell' }), a.bearer),
          202,
        );
        const sellId = sellRes.order_id as number;
        assert.ok(Number.isSafeInteger(sellId) && sellId > 0);
        assert.deepEqual(withoutTimes(sellRes), {
          order_id: sellId,
          cid: 'seed-sell',
          order_status: 'ACCEPTED',
          accepted_at: 0,
        });
        const sellOrder = {
          order_id: sellId,
          cid: 'seed-sell',
          side: 'SELL' as const,
          price: '30000.00',
          qty: '0.100000',
        };
        const sellNew = await s.order(a, sellId);
        assert.deepEqual(withoutTimes(sellNew), limitOrder({ ...sellOrder, status: 'NEW' }));
        assert.equal(sellNew.created_at, sellRes.accepted_at);
        assert.deepEqual(await s.balances(a), [balance('BTC', '0.900000', '0.100000', '1.000000')]);
        assert.deepEqual(await s.ok('/api/v1/depth?symbol=BTC_USDT'), {
          symbol: 'BTC_USDT',
          seq: depth0.seq + 1,
          bids: [],
          asks: [['30000.00', '0.100000']],
        });
        assert.deepEqual(withoutTimes(await s.ok('/api/v1/ticker?symbol=BTC_USDT')), {
          symbol: 'BTC_USDT',
          last: null,
          best_bid: null,
          best_ask: '30000.00',
          volume_24h: '0.000000',
          ts: 0,
        });

        // B buys: takes it completely.
        const buyRes = expectOk<Obj>(await s.post('/api/v1/create_order', limit('BUY', '30000', '0.1'), b.bearer), 202);
        const buyId = buyRes.order_id as number;
        assert.ok(buyId > sellId);
        assert.deepEqual(withoutTimes(buyRes), {
          order_id: buyId,
          cid: null,
          order_status: 'ACCEPTED',
          accepted_at: 0,
        });
        const buyOrder = { order_id: buyId, side: 'BUY' as const, price: '30000.00', qty: '0.100000' };
        const filled = { status: 'FILLED', filled_qty: '0.100000', avg_price: '30000.00' };

        const sellDone = await s.order(a, sellId);
        const buyDone = await s.order(b, buyId);
        assert.deepEqual(withoutTimes(sellDone), limitOrder({ ...sellOrder, ...filled }));
        assert.deepEqual(withoutTimes(buyDone), limitOrder({ ...buyOrder, ...filled }));
        assert.equal(sellDone.created_at, sellNew.created_at);

        // Balances, exactly: the seller (maker, fee 0.001 of 3000 USDT = 3.00) and the buyer (taker, fee 0.002 of
        // 0.1 BTC = 0.0002 BTC).
        assert.deepEqual(await s.balances(a), [
          balance('BTC', '0.900000', '0.000000', '0.900000'),
          balance('USDT', '2997.00', '0.00', '2997.00'),
        ]);
        assert.deepEqual(await s.balances(b), [
          balance('BTC', '0.099800', '0.000000', '0.099800'),
          balance('USDT', '7000.00', '0.00', '7000.00'),
        ]);

        // /orders
        const ordersA = await s.ok<{ orders: Obj[]; next_cursor: unknown }>('/api/v1/orders', a.bearer);
        assert.deepEqual(ordersA.orders, [sellDone]);
        assert.equal(ordersA.next_cursor, null);
        assert.deepEqual((await s.ok<{ orders: Obj[] }>('/api/v1/orders', b.bearer)).orders, [buyDone]);

        // /trades: one trade, both sides.
        const tradesA = await s.ok<{ trades: Obj[]; next_cursor: unknown }>('/api/v1/trades', a.bearer);
        const tradesB = await s.ok<{ trades: Obj[]; next_cursor: unknown }>('/api/v1/trades', b.bearer);
        assert.equal(tradesA.trades.length, 1);
        const tradeId = tradesA.trades[0]?.trade_id as number;
        const tradedAt = tradesA.trades[0]?.traded_at as number;
        assert.ok(Number.isSafeInteger(tradeId) && tradeId > 0);
        const fill = { trade_id: tradeId, symbol: 'BTC_USDT', price: '30000.00', qty: '0.100000', traded_at: tradedAt };
        const makerFill = { ...fill, order_id: sellId, side: 'SELL', fee: '3.00', fee_asset: 'USDT', role: 'MAKER' };
        const takerFill = { ...fill, order_id: buyId, side: 'BUY', fee: '0.000200', fee_asset: 'BTC', role: 'TAKER' };
        assert.deepEqual(tradesA, { trades: [makerFill], next_cursor: null });
        assert.deepEqual(tradesB, { trades: [takerFill], next_cursor: null });
        assert.deepEqual(Object.keys(tradesA.trades[0] as Obj), [
          'trade_id',
          'order_id',
          'symbol',
          'side',
          'price',
          'qty',
          'fee',
          'fee_asset',
          'role',
          'traded_at',
        ]);
        assert.equal(sellDone.updated_at, tradedAt);
        assert.equal(buyDone.updated_at, tradedAt);

        // /events: NEW, frozen, trade, FILLED, settled balances; seq 1, 2, 3, … gap-free.
        const eventsA = await s.events(a);
        assertGapFree(eventsA);
        assert.deepEqual(withoutTimes(eventsA), [
          balanceUpdate(1, 'BTC', '1.000000', '0.000000', '+1.000000', 'deposit'),
          orderUpdate(2, sellOrder, 'NEW'),
          balanceUpdate(3, 'BTC', '0.900000', '0.100000', '-0.100000', 'order_frozen'),
          { type: 'trade', seq: 4, data: { ...makerFill, traded_at: 0 } },
          orderUpdate(5, sellOrder, 'FILLED', '0.100000', '30000.00'),
          balanceUpdate(6, 'BTC', '0.900000', '0.000000', '+0.000000', 'trade_settled'),
          balanceUpdate(7, 'USDT', '2997.00', '0.00', '+2997.00', 'trade_settled'),
        ]);
        const eventsB = await s.events(b);
        assertGapFree(eventsB);
        assert.deepEqual(withoutTimes(eventsB), [
          balanceUpdate(1, 'USDT', '10000.00', '0.00', '+10000.00', 'deposit'),
          orderUpdate(2, buyOrder, 'NEW'),
          balanceUpdate(3, 'USDT', '7000.00', '3000.00', '-3000.00', 'order_frozen'),
          { type: 'trade', seq: 4, data: { ...takerFill, traded_at: 0 } },
          orderUpdate(5, buyOrder, 'FILLED', '0.100000', '30000.00'),
          balanceUpdate(6, 'BTC', '0.099800', '0.000000', '+0.099800', 'trade_settled'),
          balanceUpdate(7, 'USDT', '7000.00', '0.00', '+0.00', 'trade_settled'),
        ]);

        // Public market data after the trade.
        assert.deepEqual(await s.ok('/api/v1/market/trades?symbol=BTC_USDT'), {
          trades: [{ trade_id: tradeId, price: '30000.00', qty: '0.100000', taker_side: 'BUY', traded_at: tradedAt }],
        });
        assert.deepEqual(withoutTimes(await s.ok('/api/v1/ticker?symbol=BTC_USDT')), {
          symbol: 'BTC_USDT',
          last: '30000.00',
          best_bid: null,
          best_ask: null,
          volume_24h: '0.100000',
          ts: 0,
        });
        assert.deepEqual(await s.ok('/api/v1/depth?symbol=BTC_USDT'), {
          symbol: 'BTC_USDT',
          seq: depth0.seq + 2,
          bids: [],
          asks: [],
        });
      });

      test('public market data: /symbols, /depth levels, /ticker, /market/trades limit, and their 1001s', async () => {
        assert.deepEqual(await s.ok('/api/v1/symbols'), {
          assets: [
            { asset: 'BTC', decimals: 8, display_decimals: 6 },
            { asset: 'ETH', decimals: 8, display_decimals: 6 },
            { asset: 'USDT', decimals: 2, display_decimals: 2 },
          ],
          symbols: ['BTC', 'ETH'].map((base) => ({
            symbol: `${base}_USDT`,
            base_asset: base,
            quote_asset: 'USDT',
            price_decimals: 2,
            price_display_decimals: 2,
            min_qty: '0.00000100',
            max_qty: null,
            min_notional: '0.00',
            maker_fee: '0.00100000',
            taker_fee: '0.00200000',
            stp_mode: 'NONE',
          })),
        });

        const m = await s.fundedUser({ ETH: '2', USDT: '10000' });
        const t = await s.fundedUser({ ETH: '1' });
        const eth = (side: 'BUY' | 'SELL', price: string, qty: string) => ({
          ...limit(side, price, qty),
          symbol: 'ETH_USDT',
        });
        const resting = [
          await s.place(m, eth('BUY', '1000.01', '0.1')),
          await s.place(m, eth('BUY', '1000.02', '0.2')),
          await s.place(m, eth('BUY', '1000.02', '0.05')),
          await s.place(m, eth('BUY', '999.99', '0.3')),
          await s.place(m, eth('SELL', '90000', '0.5')),
        ];
        const d1 = await s.ok<{ seq: number }>('/api/v1/depth?symbol=ETH_USDT&levels=2');
        assert.deepEqual(d1, {
          symbol: 'ETH_USDT',
          seq: d1.seq,
          bids: [
            ['1000.02', '0.250000'],
            ['1000.01', '0.100000'],
          ],
          asks: [['90000.00', '0.500000']],
        });
        assert.deepEqual((await s.ok<Obj>('/api/v1/depth?symbol=ETH_USDT')).bids, [
          ['1000.02', '0.250000'],
          ['1000.01', '0.100000'],
          ['999.99', '0.300000'],
        ]);
        assert.deepEqual(withoutTimes(await s.ok('/api/v1/ticker?symbol=ETH_USDT')), {
          symbol: 'ETH_USDT',
          last: null,
          best_bid: '1000.02',
          best_ask: '90000.00',
          volume_24h: '0.000000',
          ts: 0,
        });
        assert.deepEqual(await s.ok('/api/v1/market/trades?symbol=ETH_USDT'), { trades: [] });

        // Two sells hit the best bid (1000.02, FIFO: the 0.2 order first).
        await s.place(t, eth('SELL', '1000.02', '0.05'));
        await s.place(t, eth('SELL', '1000.01', '0.1'));
        const mt = await s.ok<{ trades: Obj[] }>('/api/v1/market/trades?symbol=ETH_USDT');
        assert.deepEqual(
          mt.trades.map((x) => withoutTimes(x)),
          [
            { trade_id: mt.trades[0]?.trade_id, price: '1000.02', qty: '0.100000', taker_side: 'SELL', traded_at: 0 },
            { trade_id: mt.trades[1]?.trade_id, price: '1000.02', qty: '0.050000', taker_side: 'SELL', traded_at: 0 },
          ],
        );
        assert.ok((mt.trades[0]?.trade_id as number) > (mt.trades[1]?.trade_id as number));
        assert.deepEqual(await s.ok('/api/v1/market/trades?symbol=ETH_USDT&limit=1'), { trades: [mt.trades[0]] });
        const d2 = await s.ok<{ seq: number }>('/api/v1/depth?symbol=ETH_USDT&levels=1');
        assert.ok(d2.seq > d1.seq);
        assert.deepEqual(d2, {
          symbol: 'ETH_USDT',
          seq: d2.seq,
          bids: [['1000.02', '0.100000']],
          asks: [['90000.00', '0.500000']],
        });
        assert.deepEqual(withoutTimes(await s.ok('/api/v1/ticker?symbol=ETH_USDT')), {
          symbol: 'ETH_USDT',
          last: '1000.02',
          best_bid: '1000.02',
          best_ask: '90000.00',
          volume_24h: '0.150000',
          ts: 0,
        });

        // Leave the ETH book empty.
        for (const id of resting) await s.cancel(m, { order_id: id });
        const d3 = await s.ok<Obj>('/api/v1/depth?symbol=ETH_USDT');
        assert.deepEqual([d3.bids, d3.asks], [[], []]);

        // Errors: all 1001 (missing / unknown symbol, bad levels or limit), 400.
        for (const path of [
          '/api/v1/depth',
          '/api/v1/depth?symbol=DOGE_USDT',
          '/api/v1/depth?symbol=BTC_USDT&levels=0',
          '/api/v1/depth?symbol=BTC_USDT&levels=1001',
          '/api/v1/depth?symbol=BTC_USDT&levels=abc',
          '/api/v1/ticker',
          '/api/v1/ticker?symbol=btc_usdt',
          '/api/v1/market/trades',
          '/api/v1/market/trades?symbol=DOGE_USDT',
          '/api/v1/market/trades?symbol=BTC_USDT&limit=0',
          '/api/v1/market/trades?symbol=BTC_USDT&limit=1001',
        ]) {
          expectError(await s.get(path), 400, 1001);
        }
      });

      test('operations: /healthz, /readyz, /metrics (Prometheus text with fillstream_ metrics)', async () => {
        assert.deepEqual(await s.ok('/healthz'), { status: 'alive' });
        const ready = await s.ok<Obj>('/readyz');
        assert.deepEqual(ready, { status: 'ready', store: kind, in_flight: ready.in_flight });
        assert.ok(Number.isSafeInteger(ready.in_flight));
        const text = await s.metrics();
        for (const line of [
          '# TYPE fillstream_http_requests_total counter',
          '# TYPE fillstream_http_request_seconds histogram',
          '# TYPE fillstream_orders_total counter',
          '# TYPE fillstream_engine_queue_depth gauge',
          '# TYPE fillstream_engine_queue_full_total counter',
          '# TYPE fillstream_commit_seconds histogram',
          '# TYPE fillstream_commit_sync_seconds histogram',
          '# TYPE fillstream_engine_roundtrip_seconds histogram',
          '# TYPE fillstream_ws_connections gauge',
          '# TYPE fillstream_push_messages_total counter',
          '# TYPE fillstream_push_commit_to_send_seconds histogram',
        ]) {
          assert.ok(text.includes(line), `metrics lack "${line}"`);
        }
        const accepted = /^fillstream_orders_total\{result="OK"\} (\d+)$/m.exec(text);
        assert.ok(accepted !== null && Number(accepted[1]) >= 2, 'orders_total{result="OK"} counts the seed orders');
        assert.match(text, /^fillstream_commit_seconds_count \d+$/m);
        // Every commit's sync is observed, so the two histograms count the same batches.
        const count = (name: string) => Number(new RegExp(`^${name}_count (\\d+)$`, 'm').exec(text)?.[1]);
        assert.ok(count('fillstream_commit_seconds') >= 1);
        assert.equal(count('fillstream_commit_sync_seconds'), count('fillstream_commit_seconds'));
        assert.ok(
          count('fillstream_engine_roundtrip_seconds') >= Number(accepted[1]),
          'every accepted order went through',
        );
        assert.match(text, /^fillstream_http_requests_total\{route="\/api\/v1\/create_order",status="202"\} \d+$/m);
      });

      test('admin: create users, deposit, withdraw (events deposit / withdrawal) and every admin error', async () => {
        const t0 = Date.now();
        const created = expectOk<Obj>(await s.request('POST', '/api/v1/admin/users', { as: ADMIN }));
        assert.deepEqual(Object.keys(created), ['user_id', 'api_key', 'api_secret', 'token', 'token_expires_at']);
        assert.ok(Number.isSafeInteger(created.user_id) && (created.user_id as number) >= 1001);
        assert.match(created.api_key as string, /^ak_[0-9a-f]{32}$/);
        assert.match(created.api_secret as string, /^[0-9a-f]{64}$/);
        assert.match(created.token as string, /^[\w-]+\.[\w-]+\.[\w-]+$/);
        const exp = created.token_expires_at as number;
        assert.ok(exp >= t0 - 1000 + 3600_000 && exp <= Date.now() + 3600_000, `token_expires_at ${exp}`);
        const u = await s.createUser();
        assert.equal(u.userId, (created.user_id as number) + 1);
        assert.notEqual(u.apiKey, created.api_key);

        assert.deepEqual(
          expectOk(
            await s.request('POST', '/api/v1/admin/deposit', {
              as: ADMIN,
              body: { user_id: u.userId, asset: 'BTC', qty: '1.5' },
            }),
          ),
          { user_id: u.userId, asset: 'BTC', qty: '1.500000' },
        );
        assert.deepEqual(
          expectOk(
            await s.request('POST', '/api/v1/admin/withdraw', {
              as: ADMIN,
              body: { user_id: String(u.userId), asset: 'BTC', qty: '0.25' },
            }),
          ),
          { user_id: u.userId, asset: 'BTC', qty: '0.250000' },
        );
        assert.deepEqual(await s.balances(u), [balance('BTC', '1.250000', '0.000000', '1.250000')]);
        assert.deepEqual(await s.events(u), [
          balanceUpdate(1, 'BTC', '1.500000', '0.000000', '+1.500000', 'deposit'),
          balanceUpdate(2, 'BTC', '1.250000', '0.000000', '-0.250000', 'withdrawal'),
        ]);

        const dep = { user_id: u.userId, asset: 'BTC', qty: '1' };
        for (const route of ['/api/v1/admin/users', '/api/v1/admin/deposit', '/api/v1/admin/withdraw']) {
          const body = route.endsWith('users') ? undefined : dep;
          expectError(await s.request('POST', route, { body }), 401, 2001);
          expectError(
            await s.request('POST', route, { body, as: { kind: 'admin', token: 'not-the-admin-token-at-all' } }),
            401,
            2002,
          );
          expectError(await s.request('POST', route, { body, as: u.bearer }), 403, 2003);
          expectError(await s.request('POST', route, { body, as: u.hmac }), 403, 2003);
        }
        const admin = (route: string, body: unknown) =>
          s.request('POST', `/api/v1/admin/${route}`, { as: ADMIN, body });
        expectError(await admin('deposit', { ...dep, user_id: 987654321 }), 400, 1001, /user/);
        expectError(await admin('deposit', { ...dep, asset: 'DOGE' }), 400, 1001, /asset/);
        expectError(await admin('deposit', { ...dep, qty: 1 }), 400, 1001, /qty/);
        expectError(await admin('deposit', { asset: 'BTC', qty: '1' }), 400, 1001, /user_id/);
        expectError(await admin('deposit', { ...dep, note: 'x' }), 400, 1001);
        expectError(await s.request('POST', '/api/v1/admin/deposit', { as: ADMIN, raw: '{"user_id":' }), 400, 1001);
        expectError(await admin('deposit', { ...dep, qty: '0' }), 400, 1003);
        expectError(await admin('deposit', { ...dep, qty: '0.000000001' }), 400, 1003);
        expectError(await admin('withdraw', { ...dep, qty: '-1' }), 400, 1003);
        expectError(await admin('withdraw', { ...dep, qty: '1.25000001' }), 400, 1002);
        assert.deepEqual(await s.balances(u), [balance('BTC', '1.250000', '0.000000', '1.250000')]);
        assert.equal((await s.events(u)).length, 2, 'refused admin operations push nothing');
      });

      test('auth: bearer, API key + HMAC (GET and POST, signRequest and a hand-made HMAC), auth/token', async () => {
        const u = await s.fundedUser({ USDT: '1000' });
        expectOk(await s.get('/api/v1/balances', u.bearer));

        // Signed GET with a query string, signed POST with a body.
        const path = '/api/v1/orders?symbol=BTC_USDT&limit=5';
        assert.deepEqual(expectOk(await s.get(path, u.hmac)), { orders: [], next_cursor: null });
        const placed = expectOk<Obj>(
          await s.post('/api/v1/create_order', limit('BUY', '10', '1', { cid: 'signed-1' }), u.hmac),
          202,
        );
        assert.equal(placed.cid, 'signed-1');
        assert.equal((await s.order(u, placed.order_id as number)).status, 'NEW');
        expectOk(await s.post('/api/v1/cancel_order', { cid: 'signed-1' }, u.hmac));

        // The signature exactly as api.md defines it, computed here without the server's helper.
        const ts = String(Date.now());
        const body = JSON.stringify(limit('BUY', '10', '0.5'));
        const sig = (method: string, p: string, b: string) =>
          createHmac('sha256', u.apiSecret)
            .update(ts + method + p + b)
            .digest('hex');
        const headers = (method: string, p: string, b: string) => ({
          'x-api-key': u.apiKey,
          'x-timestamp': ts,
          'x-signature': sig(method, p, b),
        });
        expectOk(
          await s.request('GET', '/api/v1/balances?x=1', { headers: headers('GET', '/api/v1/balances?x=1', '') }),
        );
        const byHand = expectOk<Obj>(
          await s.request('POST', '/api/v1/create_order', {
            raw: body,
            headers: headers('POST', '/api/v1/create_order', body),
          }),
          202,
        );
        await s.cancel(u, { order_id: byHand.order_id });

        // auth/token: only to an API-key-signed request; the token then works; a bearer or no credential does not.
        const t0 = Date.now();
        const issued = expectOk<Obj>(await s.request('POST', '/api/v1/auth/token', { as: u.hmac }));
        assert.deepEqual(Object.keys(issued), ['user_id', 'token', 'expires_at']);
        assert.equal(issued.user_id, u.userId);
        const exp = issued.expires_at as number;
        assert.ok(exp >= t0 - 1000 + 3600_000 && exp <= Date.now() + 3600_000, `expires_at ${exp}`);
        const fresh: Credentials = { kind: 'bearer', token: issued.token as string };
        assert.deepEqual(await s.ok('/api/v1/balances', fresh), { balances: await s.balances(u) });
        expectError(await s.request('POST', '/api/v1/auth/token', { as: u.bearer }), 403, 2003);
        expectError(await s.request('POST', '/api/v1/auth/token', { as: fresh }), 403, 2003);
        expectError(await s.request('POST', '/api/v1/auth/token'), 401, 2001);
      });

      test('auth errors: 2001 without credentials, 2002 for every bad credential', async () => {
        const u = await s.fundedUser({ USDT: '100' });
        const other = await s.createUser();
        const routes: Array<[string, string, unknown]> = [
          ['GET', '/api/v1/balances', undefined],
          ['GET', '/api/v1/orders', undefined],
          ['GET', '/api/v1/trades', undefined],
          ['GET', '/api/v1/events', undefined],
          ['GET', '/api/v1/order/1', undefined],
          ['POST', '/api/v1/create_order', limit('BUY', '10', '0.1')],
          ['POST', '/api/v1/cancel_order', { order_id: 1 }],
          ['POST', '/api/v1/auth/token', undefined],
        ];
        for (const [method, path, body] of routes) {
          expectError(await s.request(method, path, { body }), 401, 2001, /credentials/);
        }
        const now = Date.now();
        const expired = await issueToken(u.userId, 60, TOKEN_SECRET, now - 2 * 3600_000);
        const forged = await issueToken(u.userId, 3600, 'another-secret-of-at-least-32-characters', now);
        const [h, p, sgn] = u.token.split('.') as [string, string, string];
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Obj;
        const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: String(other.userId) })).toString('base64url')}.${sgn}`;
        const bad: Array<[string, Credentials | Record<string, string>]> = [
          ['expired token', { kind: 'bearer', token: expired.token }],
          ['token signed with another secret', { kind: 'bearer', token: forged.token }],
          ['token with an edited payload', { kind: 'bearer', token: tampered }],
          ['garbage token', { kind: 'bearer', token: 'not.a.token' }],
          ['Authorization that is not Bearer', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
          ['signature with the wrong secret', { ...u.hmac, apiSecret: other.apiSecret }],
          ['unknown API key', { ...u.hmac, apiKey: 'ak_00000000000000000000000000000000' }],
          ['stale timestamp (6 s old)', { ...u.hmac, timestamp: Date.now() - 6000 }],
          ['timestamp 6 s in the future', { ...u.hmac, timestamp: Date.now() + 6000 }],
          ['timestamp not in ms digits', { ...u.hmac, timestamp: 'yesterday' }],
          ['signature over another path', { ...u.hmac, signPath: '/api/v1/balances?other=1' }],
          ['signature over another body', { ...u.hmac, signBody: '{"tampered":true}' }],
          ['X-User-ID while dev auth is off', { kind: 'dev', userId: u.userId }],
        ];
        for (const [what, cred] of bad) {
          const as = 'kind' in cred ? (cred as Credentials) : NONE;
          const headers = 'kind' in cred ? {} : (cred as Record<string, string>);
          for (const [method, path, body] of routes.slice(0, 1).concat(routes.slice(5, 6))) {
            const r = await s.request(method, path, { body, as, headers });
            assert.equal(r.status, 401, `${what}: ${method} ${path} -> ${r.text}`);
            expectError(r, 401, 2002);
          }
        }
        // X-User-ID next to valid credentials is refused too while dev auth is off.
        expectError(
          await s.request('GET', '/api/v1/balances', { as: u.bearer, headers: { 'x-user-id': String(u.userId) } }),
          401,
          2002,
        );
        // An incomplete API key header set is missing credentials.
        expectError(await s.request('GET', '/api/v1/balances', { headers: { 'x-api-key': u.apiKey } }), 401, 2001);
        // Nothing was created by any refused request.
        assert.deepEqual(await s.ok('/api/v1/orders', u.bearer), { orders: [], next_cursor: null });
        assert.deepEqual(await s.balances(u), [balance('USDT', '100.00', '0.00', '100.00')]);
      });

      test('create_order validation: 1001 shape, 1003 amounts, 1002 balance, 1004 duplicate cid; nothing frozen', async () => {
        const u = await s.fundedUser({ BTC: '1', USDT: '1000' });
        const ok = limit('BUY', '100', '0.1');
        const post = (body: unknown) => s.post('/api/v1/create_order', body, u.bearer);
        const raw = (text: string, contentType = 'application/json') =>
          s.request('POST', '/api/v1/create_order', { raw: text, contentType, as: u.bearer });
        const without = (k: string) => Object.fromEntries(Object.entries(ok).filter(([key]) => key !== k));

        const malformed: Array<[string, Promise<Res>]> = [
          ['malformed JSON', raw('{"symbol":"BTC_USDT",')],
          ['empty body', raw('')],
          ['JSON null', raw('null')],
          ['JSON array', raw('[]')],
          ['not JSON content', raw('symbol=BTC_USDT', 'application/x-www-form-urlencoded')],
          ['missing symbol', post(without('symbol'))],
          ['missing side', post(without('side'))],
          ['missing order_type', post(without('order_type'))],
          ['missing price', post(without('price'))],
          ['missing qty', post(without('qty'))],
          ['side of the wrong type', post({ ...ok, side: 1 })],
          ['symbol of the wrong type', post({ ...ok, symbol: ['BTC_USDT'] })],
          ['cid of the wrong type', post({ ...ok, cid: 42 })],
          ['cid with a space', post({ ...ok, cid: 'a b' })],
          ['unknown symbol', post({ ...ok, symbol: 'DOGE_USDT' })],
          ['unknown side', post({ ...ok, side: 'HOLD' })],
          ['unknown order_type', post({ ...ok, order_type: 'STOP' })],
          ['unknown time_in_force', post({ ...ok, time_in_force: 'GTD' })],
          ['unknown field', post({ ...ok, time_in_fore: 'IOC' })],
          ['JSON number as price', post({ ...ok, price: 100 })],
          ['JSON number as qty', post({ ...ok, qty: 0.1 })],
          ['JSON number as quote_qty', post({ symbol: 'BTC_USDT', side: 'BUY', order_type: 'MARKET', quote_qty: 50 })],
          ['price on a MARKET order', post({ ...ok, order_type: 'MARKET' })],
          ['quote_qty on a LIMIT order', post({ ...ok, quote_qty: '10' })],
          [
            'FOK on a MARKET order',
            post({ symbol: 'BTC_USDT', side: 'SELL', order_type: 'MARKET', qty: '0.1', time_in_force: 'FOK' }),
          ],
        ];
        for (const [what, res] of malformed) {
          const r = await res;
          assert.equal(r.status, 400, `${what}: ${r.text}`);
          expectError(r, 400, 1001);
        }

        const invalid: Array<[string, Obj]> = [
          ['zero price', { ...ok, price: '0' }],
          ['zero qty', { ...ok, qty: '0' }],
          ['zero price with decimals', { ...ok, price: '0.00' }],
          ['negative price', { ...ok, price: '-100' }],
          ['negative qty', { ...ok, qty: '-0.1' }],
          ['price with 3 decimals (2 allowed)', { ...ok, price: '100.001' }],
          ['qty with 9 decimals (8 allowed)', { ...ok, qty: '0.000000001' }],
          ['price out of range', { ...ok, price: '99999999999999999999' }],
          ['price x qty out of range', { ...ok, price: '90000000000000', qty: '100000' }],
          ['qty below min qty 0.000001', { ...ok, qty: '0.0000009' }],
          ['notional below one cent', { ...ok, price: '0.01', qty: '0.000001' }],
        ];
        for (const [what, body] of invalid) {
          const r = await post(body);
          assert.equal(r.status, 400, `${what}: ${r.text}`);
          expectError(r, 400, 1003);
        }

        // 1002: more than the available balance, either side; nothing frozen.
        expectError(await post(limit('BUY', '100', '10.01')), 400, 1002);
        expectError(await post(limit('SELL', '90000', '1.000001')), 400, 1002);
        const untouched = [
          balance('BTC', '1.000000', '0.000000', '1.000000'),
          balance('USDT', '1000.00', '0.00', '1000.00'),
        ];
        assert.deepEqual(await s.balances(u), untouched);
        const open = await s.ok<{ orders: Obj[] }>('/api/v1/orders?status=NEW', u.bearer);
        assert.deepEqual(open.orders, [], 'no refused order is open');

        // 1004: a cid of an open order; free again once that order is canceled. `type` is an alias of order_type.
        const first = await s.place(u, limit('BUY', '10', '1', { cid: 'dup-1' }));
        expectError(await post(limit('BUY', '11', '1', { cid: 'dup-1' })), 409, 1004);
        expectError(await post({ ...limit('SELL', '95000', '0.1', { cid: 'dup-1' }) }), 409, 1004);
        await s.cancel(u, { order_id: first });
        const again = await s.place(u, {
          symbol: 'BTC_USDT',
          side: 'BUY',
          type: 'LIMIT',
          price: '10',
          qty: '1',
          cid: 'dup-1',
        });
        assert.ok(again > first);
        assert.deepEqual(
          withoutTimes(await s.order(u, again)),
          limitOrder({ order_id: again, cid: 'dup-1', side: 'BUY', price: '10.00', qty: '1.000000', status: 'NEW' }),
        );
        await s.cancel(u, { order_id: again });

        // A POST_ONLY order that would take (here the user's own resting ask) is refused: 1003.
        const ask = await s.place(u, limit('SELL', '95000', '0.01'));
        expectError(await post(limit('BUY', '95000', '0.01', { time_in_force: 'POST_ONLY' })), 400, 1003);
        const maker = await s.place(u, limit('BUY', '94999.99', '0.01', { time_in_force: 'POST_ONLY' }));
        assert.equal((await s.order(u, maker)).time_in_force, 'POST_ONLY');
        await s.cancel(u, { order_id: maker });
        await s.cancel(u, { order_id: ask });
        assert.deepEqual(await s.balances(u), untouched);
      });

      test('cancel_order by order_id and by cid: 200 CANCEL_PENDING, then CANCELED and the lock back', async () => {
        const u = await s.fundedUser({ USDT: '1000' });
        const id1 = await s.place(u, limit('BUY', '100', '1', { cid: 'c-1' }));
        const id2 = await s.place(u, limit('BUY', '200', '0.5', { cid: 'c-2' }));
        assert.deepEqual(await s.balances(u), [balance('USDT', '800.00', '200.00', '1000.00')]);
        const seqBefore = (await s.events(u)).length;

        const c1 = await s.cancel(u, { order_id: id1 });
        assert.equal(c1.order_id, id1);
        assert.equal(c1.order_status, 'CANCEL_PENDING');
        assert.ok(c1.cid === undefined || c1.cid === null || c1.cid === 'c-1', `cid ${String(c1.cid)}`);
        assert.deepEqual(
          withoutTimes(await s.order(u, id1)),
          limitOrder({ order_id: id1, cid: 'c-1', side: 'BUY', price: '100.00', qty: '1.000000', status: 'CANCELED' }),
        );
        assert.deepEqual(await s.balances(u), [balance('USDT', '900.00', '100.00', '1000.00')]);
        const after1 = await s.events(u, `?after=${seqBefore}`);
        assert.deepEqual(withoutTimes(after1), [
          orderUpdate(
            seqBefore + 1,
            { order_id: id1, cid: 'c-1', side: 'BUY', price: '100.00', qty: '1.000000' },
            'CANCELED',
          ),
          balanceUpdate(seqBefore + 2, 'USDT', '900.00', '100.00', '+100.00', 'order_unfrozen'),
        ]);

        const c2 = await s.cancel(u, { cid: 'c-2' });
        assert.equal(c2.order_status, 'CANCEL_PENDING');
        assert.equal(c2.cid, 'c-2');
        assert.equal((await s.order(u, id2)).status, 'CANCELED');
        assert.deepEqual(await s.balances(u), [balance('USDT', '1000.00', '0.00', '1000.00')]);
        assertGapFree(await s.events(u));

        // Cancelling an order that already ended answers 200 with its final status; by cid it no longer exists.
        assert.deepEqual(await s.cancel(u, { order_id: id1 }), { order_id: id1, cid: 'c-1', order_status: 'CANCELED' });
        expectError(await s.post('/api/v1/cancel_order', { cid: 'c-2' }, u.bearer), 404, 4001);
      });

      test('cancel_order by cid answers the order_id of the canceled order', async () => {
        const u = await s.fundedUser({ USDT: '100' });
        const id = await s.place(u, limit('BUY', '10', '1', { cid: 'by-cid' }));
        const c = await s.cancel(u, { cid: 'by-cid' });
        assert.deepEqual(c, { order_id: id, cid: 'by-cid', order_status: 'CANCEL_PENDING' });
      });

      test('cancel of a filled order (200, FILLED), of unknown and of other users orders (404 4001)', async () => {
        const buyer = await s.fundedUser({ USDT: '1000' });
        const seller = await s.fundedUser({ BTC: '1' });
        const sell = await s.place(seller, limit('SELL', '40000', '0.01', { cid: 'will-fill' }));
        const buy = await s.place(buyer, limit('BUY', '40000', '0.01'));
        assert.equal((await s.order(seller, sell)).status, 'FILLED');
        assert.deepEqual(await s.cancel(seller, { order_id: sell }), {
          order_id: sell,
          cid: 'will-fill',
          order_status: 'FILLED',
        });
        assert.deepEqual(await s.cancel(buyer, { order_id: buy }), {
          order_id: buy,
          cid: null,
          order_status: 'FILLED',
        });
        // 400 x 0.01 = 400 USDT spent, 0.01 BTC - 0.002 fee received.
        assert.deepEqual(await s.balances(buyer), [
          balance('BTC', '0.009980', '0.000000', '0.009980'),
          balance('USDT', '600.00', '0.00', '600.00'),
        ]);
        assert.deepEqual(await s.balances(seller), [
          balance('BTC', '0.990000', '0.000000', '0.990000'),
          balance('USDT', '399.60', '0.00', '399.60'),
        ]);

        const open = await s.place(buyer, limit('BUY', '50', '1', { cid: 'mine' }));
        const notFound: Array<[string, TestUser, Obj]> = [
          ['unknown order id', buyer, { order_id: 987654321 }],
          ['unknown cid', buyer, { cid: 'never-used' }],
          ["another user's open order", seller, { order_id: open }],
          ["another user's open order by its cid", seller, { cid: 'mine' }],
          ["another user's filled order", seller, { order_id: buy }],
        ];
        for (const [what, who, body] of notFound) {
          const r = await s.post('/api/v1/cancel_order', body, who.bearer);
          assert.equal(r.status, 404, `${what}: ${r.text}`);
          expectError(r, 404, 4001);
        }
        assert.equal((await s.order(buyer, open)).status, 'NEW', 'still open after the foreign cancels');
        expectError(await s.get(`/api/v1/order/${open}`, seller.bearer), 404, 4001);
        expectError(await s.get(`/api/v1/order/${sell}`, buyer.bearer), 404, 4001);
        expectError(await s.get('/api/v1/order/987654321', buyer.bearer), 404, 4001);
        for (const bad of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
          expectError(await s.get(`/api/v1/order/${bad}`, buyer.bearer), 400, 1001);
        }
        for (const body of [
          {},
          { order_id: open, cid: 'mine' },
          { order_id: 1.5 },
          { order_id: -1 },
          { cid: '' },
          { id: open },
        ]) {
          expectError(await s.post('/api/v1/cancel_order', body, buyer.bearer), 400, 1001);
        }
        expectError(
          await s.request('POST', '/api/v1/cancel_order', { raw: '{"order_id":', as: buyer.bearer }),
          400,
          1001,
        );
        // String ids are accepted too.
        assert.equal((await s.cancel(buyer, { order_id: String(open) })).order_status, 'CANCEL_PENDING');
        assert.deepEqual(await s.balances(buyer), [
          balance('BTC', '0.009980', '0.000000', '0.009980'),
          balance('USDT', '600.00', '0.00', '600.00'),
        ]);
      });

      test('/orders: newest first, next_cursor pages without gaps or duplicates, filters', async () => {
        const u = await s.fundedUser({ USDT: '10000' });
        const ids: number[] = [];
        for (const price of ['101', '102', '103', '104', '105'])
          ids.push(await s.place(u, limit('BUY', price, '0.01')));
        for (const price of ['11', '12', '13'])
          ids.push(await s.place(u, { ...limit('BUY', price, '0.1'), symbol: 'ETH_USDT' }));
        await s.cancel(u, { order_id: ids[1] });
        await s.cancel(u, { order_id: ids[6] });
        const all = await s.ok<{ orders: Obj[]; next_cursor: unknown }>('/api/v1/orders', u.bearer);
        assert.deepEqual(
          all.orders.map((o) => o.order_id),
          [...ids].reverse(),
        );
        assert.equal(all.next_cursor, null);

        for (const pageLimit of [1, 2, 3, 4, 7, 8, 9]) {
          const { items, pages } = await allPages(s, u.bearer, '/api/v1/orders', 'orders', pageLimit);
          assert.deepEqual(items, all.orders, `limit ${pageLimit}`);
          for (const page of pages.slice(0, -1)) assert.equal(page.length, pageLimit);
        }

        const sel = async (q: string) => (await s.ok<{ orders: Obj[] }>(`/api/v1/orders?${q}`, u.bearer)).orders;
        const pick = (f: (o: Obj) => boolean) => all.orders.filter(f);
        assert.deepEqual(
          await sel('symbol=ETH_USDT'),
          pick((o) => o.symbol === 'ETH_USDT'),
        );
        assert.equal((await sel('symbol=ETH_USDT')).length, 3);
        assert.deepEqual(
          await sel('status=CANCELED'),
          pick((o) => o.status === 'CANCELED'),
        );
        assert.deepEqual(
          (await sel('status=CANCELED')).map((o) => o.order_id),
          [ids[6], ids[1]],
        );
        assert.deepEqual(
          await sel('symbol=BTC_USDT&status=NEW'),
          pick((o) => o.symbol === 'BTC_USDT' && o.status === 'NEW'),
        );
        assert.equal((await sel('symbol=BTC_USDT&status=NEW')).length, 4);
        assert.deepEqual(await sel('status=FILLED'), []);
        const times = all.orders.map((o) => o.created_at as number);
        const mid = times[4] as number;
        assert.deepEqual(
          await sel(`start_time=${mid}`),
          pick((o) => (o.created_at as number) >= mid),
        );
        assert.deepEqual(
          await sel(`end_time=${mid}`),
          pick((o) => (o.created_at as number) < mid),
        );
        assert.deepEqual(
          await sel(`start_time=${mid}&end_time=${mid + 1}&symbol=BTC_USDT`),
          pick((o) => o.created_at === mid && o.symbol === 'BTC_USDT'),
        );
        const eth = await allPages(s, u.bearer, '/api/v1/orders?symbol=ETH_USDT', 'orders', 2);
        assert.deepEqual(
          eth.items,
          pick((o) => o.symbol === 'ETH_USDT'),
        );

        for (const q of [
          'limit=0',
          'limit=1001',
          'limit=x',
          'status=OPEN',
          'symbol=DOGE_USDT',
          'cursor=0',
          'cursor=abc',
          'start_time=-1',
          `start_time=${mid}&end_time=${mid}`,
        ]) {
          expectError(await s.get(`/api/v1/orders?${q}`, u.bearer), 400, 1001);
        }
        for (const id of ids) {
          const o = all.orders.find((x) => x.order_id === id) as Obj;
          if (o.status === 'NEW') await s.cancel(u, { order_id: id });
        }
      });

      test('/trades: fills with role, fee and fee_asset; filters; pages without gaps', async () => {
        const r = await s.fundedUser({ USDT: '100000' });
        const q = await s.fundedUser({ BTC: '1', ETH: '1' });
        const tradeOrders: number[] = [];
        for (const [symbol, price, qty] of [
          ['BTC_USDT', '45000', '0.01'],
          ['ETH_USDT', '2500', '0.1'],
          ['BTC_USDT', '45000.5', '0.02'],
        ] as const) {
          await s.place(q, { ...limit('SELL', price, qty), symbol });
          tradeOrders.push(await s.place(r, { ...limit('BUY', price, qty), symbol }));
        }
        const all = await s.ok<{ trades: Obj[]; next_cursor: unknown }>('/api/v1/trades', r.bearer);
        assert.equal(all.next_cursor, null);
        assert.deepEqual(
          all.trades.map((t) => withoutTimes({ ...t, trade_id: 0 })),
          [
            ['BTC_USDT', '45000.50', '0.020000', '0.000040', tradeOrders[2]],
            ['ETH_USDT', '2500.00', '0.100000', '0.000200', tradeOrders[1]],
            ['BTC_USDT', '45000.00', '0.010000', '0.000020', tradeOrders[0]],
          ].map(([symbol, price, qty, fee, orderId]) => ({
            trade_id: 0,
            order_id: orderId,
            symbol,
            side: 'BUY',
            price,
            qty,
            fee,
            fee_asset: (symbol as string).split('_')[0],
            role: 'TAKER',
            traded_at: 0,
          })),
        );
        const ids = all.trades.map((t) => t.trade_id as number);
        assert.deepEqual(
          ids,
          [...ids].sort((x, y) => y - x),
        );
        // The maker's side: fee in USDT (0.001 of 900.01 = 0.90, of 450 = 0.45; of 250 = 0.25).
        const makerSide = await s.ok<{ trades: Obj[] }>('/api/v1/trades', q.bearer);
        assert.deepEqual(
          makerSide.trades.map((t) => [t.trade_id, t.side, t.role, t.fee, t.fee_asset]),
          [
            [ids[0], 'SELL', 'MAKER', '0.90', 'USDT'],
            [ids[1], 'SELL', 'MAKER', '0.25', 'USDT'],
            [ids[2], 'SELL', 'MAKER', '0.45', 'USDT'],
          ],
        );
        assert.deepEqual(await s.balances(q), [
          balance('BTC', '0.970000', '0.000000', '0.970000'),
          balance('ETH', '0.900000', '0.000000', '0.900000'),
          balance('USDT', '1598.41', '0.00', '1598.41'),
        ]);

        const sel = async (query: string) =>
          (await s.ok<{ trades: Obj[] }>(`/api/v1/trades?${query}`, r.bearer)).trades;
        assert.deepEqual(await sel('symbol=ETH_USDT'), [all.trades[1]]);
        assert.deepEqual(await sel(`order_id=${tradeOrders[0]}`), [all.trades[2]]);
        assert.deepEqual(
          await sel(`start_time=${all.trades[0]?.traded_at as number}`),
          all.trades.filter((t) => (t.traded_at as number) >= (all.trades[0]?.traded_at as number)),
        );
        for (const pageLimit of [1, 2, 3, 4]) {
          assert.deepEqual(
            (await allPages(s, r.bearer, '/api/v1/trades', 'trades', pageLimit)).items,
            all.trades,
            `limit ${pageLimit}`,
          );
        }
        for (const query of ['limit=0', 'limit=1001', 'symbol=DOGE_USDT', 'order_id=abc', 'cursor=0']) {
          expectError(await s.get(`/api/v1/trades?${query}`, r.bearer), 400, 1001);
        }
      });

      test('/trades pages keep every fill when a page boundary falls inside a self-trade', async () => {
        const x = await s.fundedUser({ BTC: '1', USDT: '100000' });
        const y = await s.fundedUser({ BTC: '1' });
        await s.place(x, limit('SELL', '46000', '0.01'));
        await s.place(x, limit('BUY', '46000', '0.01')); // self-trade: x is maker and taker
        await s.place(y, limit('SELL', '46000', '0.01'));
        await s.place(x, limit('BUY', '46000', '0.01'));
        const all = await s.ok<{ trades: Obj[] }>('/api/v1/trades', x.bearer);
        assert.deepEqual(
          all.trades.map((t) => t.role),
          ['TAKER', 'MAKER', 'TAKER'],
        );
        // (limit=1 answers both sides of a self-trade on one page, by design: they share the trade_id cursor.)
        for (const pageLimit of [2, 3]) {
          assert.deepEqual(
            (await allPages(s, x.bearer, '/api/v1/trades', 'trades', pageLimit)).items,
            all.trades,
            `limit ${pageLimit}`,
          );
        }
      });

      test('/events?after=N&limit=K: exactly the events with seq > N, in order, gap-free', async () => {
        const u = await s.fundedUser({ USDT: '500', BTC: '0.5' });
        const id = await s.place(u, limit('BUY', '10', '1'));
        await s.cancel(u, { order_id: id });
        const all = await s.ok<{ events: Obj[]; oldest_seq: unknown; resync: unknown }>('/api/v1/events', u.bearer);
        assert.deepEqual(Object.keys(all), ['events', 'oldest_seq', 'resync']);
        assert.equal(all.oldest_seq, 1);
        assert.equal(all.resync, false);
        assertGapFree(all.events);
        assert.deepEqual(
          all.events.map((e) => e.type),
          ['balance.update', 'balance.update', 'order.update', 'balance.update', 'order.update', 'balance.update'],
        );
        for (let n = 0; n <= all.events.length; n++) {
          assert.deepEqual(await s.events(u, `?after=${n}`), all.events.slice(n), `after=${n}`);
        }
        assert.deepEqual(await s.events(u, '?after=2&limit=3'), all.events.slice(2, 5));
        assert.deepEqual(await s.events(u, '?limit=1'), all.events.slice(0, 1));
        assert.deepEqual(await s.events(u, '?after=1000'), []);
        const other = await s.createUser();
        assert.deepEqual(await s.ok('/api/v1/events', other.bearer), { events: [], oldest_seq: null, resync: false });
        for (const q of ['after=-1', 'after=abc', 'limit=0', 'limit=1001']) {
          expectError(await s.get(`/api/v1/events?${q}`, u.bearer), 400, 1001);
        }
      });

      test('4131: a body larger than bodyLimitBytes is refused before anything else', async () => {
        const u = await s.fundedUser({ USDT: '100' });
        const big = JSON.stringify({ ...limit('BUY', '10', '1'), cid: 'x'.repeat(BODY_LIMIT) });
        assert.ok(Buffer.byteLength(big) > BODY_LIMIT);
        const routes = ['/api/v1/create_order', '/api/v1/cancel_order', '/api/v1/admin/deposit'];
        for (const path of routes) {
          expectError(await s.request('POST', path, { raw: big, as: u.bearer }), 413, 4131);
        }
        expectError(
          await s.request('POST', '/api/v1/create_order', { raw: 'x'.repeat(BODY_LIMIT + 1), as: u.bearer }),
          413,
          4131,
        );
        // Just under the limit is parsed normally.
        const fits = JSON.stringify({ ...limit('BUY', '10', '1'), cid: 'y'.repeat(60) });
        assert.ok(Buffer.byteLength(fits) < BODY_LIMIT);
        expectOk(await s.request('POST', '/api/v1/create_order', { raw: fits, as: u.bearer }), 202);
        await s.cancel(u, { cid: 'y'.repeat(60) });
      });

      test('unknown routes answer 1001 with the envelope, never a 500', async () => {
        expectError(await s.get('/api/v1/nothing-here'), 400, 1001);
        expectError(await s.request('DELETE', '/api/v1/order/1'), 400, 1001);
        expectError(await s.post('/api/v1/symbols', {}), 400, 1001);
      });
    });

    describe('dev auth on, orders limited to 3 per second', () => {
      let s: TestServer;
      before(async () => {
        s = await lab.start({ devAuth: true, rateLimits: { ordersPerSec: 3 } });
      });

      test('dev auth: X-User-ID is trusted (GET and POST); a bad X-User-ID is 2002; tokens still work', async () => {
        const u = await s.fundedUser({ USDT: '100' });
        const dev: Credentials = { kind: 'dev', userId: u.userId };
        assert.deepEqual(await s.ok('/api/v1/balances', dev), {
          balances: [balance('USDT', '100.00', '0.00', '100.00')],
        });
        const placed = expectOk<Obj>(await s.post('/api/v1/create_order', limit('BUY', '10', '1'), dev), 202);
        assert.equal((await s.ok<Obj>(`/api/v1/order/${placed.order_id as number}`, dev)).status, 'NEW');
        assert.deepEqual(await s.ok('/api/v1/balances', u.bearer), {
          balances: [balance('USDT', '90.00', '10.00', '100.00')],
        });
        for (const bad of ['abc', '0', '-5', '1.5']) {
          expectError(await s.get('/api/v1/balances', { kind: 'dev', userId: bad }), 401, 2002);
        }
        expectError(await s.request('POST', '/api/v1/auth/token', { as: dev }), 403, 2003);
        expectError(await s.get('/api/v1/balances'), 401, 2001);
      });

      test('4291: more create_order requests than the per-user rate; the bucket refills', async () => {
        const u = await s.fundedUser({ USDT: '1000' });
        const burst = await Promise.all(
          Array.from({ length: 10 }, () => s.post('/api/v1/create_order', limit('BUY', '10', '0.1'), u.bearer)),
        );
        const c = counts(burst);
        assert.ok((c['202/0'] ?? 0) >= 3, `at least the burst of 3 is accepted: ${JSON.stringify(c)}`);
        assert.ok((c['429/4291'] ?? 0) >= 1, `some are rate limited: ${JSON.stringify(c)}`);
        assert.equal((c['202/0'] ?? 0) + (c['429/4291'] ?? 0), 10, JSON.stringify(c));
        for (const r of burst) if (r.status === 429) expectError(r, 429, 4291);
        // Queries are another class: not limited by the order bucket.
        const orders = await s.ok<{ orders: Obj[] }>('/api/v1/orders', u.bearer);
        assert.equal(orders.orders.length, c['202/0']);
        // Another user has their own bucket.
        const v = await s.fundedUser({ USDT: '10' });
        expectOk(await s.post('/api/v1/create_order', limit('BUY', '1', '0.1'), v.bearer), 202);
        await sleep(1100);
        expectOk(await s.post('/api/v1/create_order', limit('BUY', '10', '0.1'), u.bearer), 202);
      });
    });

    describe('queue capacity 1', () => {
      test('5001: concurrent create_order beyond the queue answer 503, the others 202, none 500', async () => {
        const s = await lab.start({ queueCapacity: 1 });
        const users = [
          await s.fundedUser({ USDT: '1000' }),
          await s.fundedUser({ USDT: '1000' }),
          await s.fundedUser({ USDT: '1000' }),
        ];
        const all: Res[] = [];
        for (let round = 0; round < 5 && !all.some((r) => r.status === 503); round++) {
          all.push(
            ...(await Promise.all(
              Array.from({ length: 60 }, (_, i) =>
                s.post('/api/v1/create_order', limit('BUY', '10', '0.01'), (users[i % 3] as TestUser).bearer),
              ),
            )),
          );
        }
        const c = counts(all);
        assert.ok((c['503/5001'] ?? 0) >= 1, `some answer 503/5001: ${JSON.stringify(c)}`);
        assert.ok((c['202/0'] ?? 0) >= 1, `some are accepted: ${JSON.stringify(c)}`);
        assert.equal((c['503/5001'] ?? 0) + (c['202/0'] ?? 0), all.length, JSON.stringify(c));
        for (const r of all) if (r.status === 503) expectError(r, 503, 5001);
        // Exactly the accepted orders exist, with distinct ids; the refused ones froze nothing.
        const accepted = all.filter((r) => r.status === 202).map((r) => (r.body?.data as Obj).order_id as number);
        assert.equal(new Set(accepted).size, accepted.length);
        let listed = 0;
        for (const u of users) {
          const mine = (await s.ok<{ orders: Obj[] }>('/api/v1/orders?limit=1000', u.bearer)).orders;
          listed += mine.length;
          for (const o of mine) assert.ok(accepted.includes(o.order_id as number));
          const frozen = (mine.length * 0.1).toFixed(2);
          assert.deepEqual(await s.balances(u), [
            balance('USDT', (1000 - mine.length * 0.1).toFixed(2), frozen, '1000.00'),
          ]);
        }
        assert.equal(listed, accepted.length);
        const ready = await s.ok<Obj>('/readyz');
        assert.equal(ready.status, 'ready');
        const m = /^fillstream_engine_queue_full_total (\d+)$/m.exec(await s.metrics());
        assert.ok(m !== null && Number(m[1]) >= 1, 'queue_full_total counts the refusals');
        expectOk(await s.post('/api/v1/create_order', limit('BUY', '10', '0.01'), (users[0] as TestUser).bearer), 202);
      });
    });

    describe('no admin token configured', () => {
      test('2003: admin routes are disabled, whatever the request carries', async () => {
        const s = await lab.start({ admin: false });
        const body = { user_id: 1001, asset: 'BTC', qty: '1' };
        for (const [route, b] of [
          ['users', undefined],
          ['deposit', body],
          ['withdraw', body],
        ] as const) {
          expectError(await s.request('POST', `/api/v1/admin/${route}`, { body: b, as: ADMIN }), 403, 2003);
          expectError(await s.request('POST', `/api/v1/admin/${route}`, { body: b }), 403, 2003);
        }
        assert.deepEqual(await s.ok('/healthz'), { status: 'alive' });
      });
    });

    describe('restart persistence', () => {
      test('a graceful restart on the same database keeps orders, balances, events, books and ids', async () => {
        const db = await lab.database();
        const s1 = await lab.start({}, db);
        const a = await s1.fundedUser({ USDT: '1000' });
        const b = await s1.fundedUser({ BTC: '2' });
        const buy = await s1.place(a, limit('BUY', '100', '1', { cid: 'keep-me' }));
        await s1.place(b, limit('SELL', '100', '0.4'));
        const sell = await s1.place(b, limit('SELL', '95000', '0.5', { cid: 'ask' }));
        const before1 = {
          buy: await s1.order(a, buy),
          sell: await s1.order(b, sell),
          balancesA: await s1.balances(a),
          balancesB: await s1.balances(b),
          eventsA: await s1.events(a),
          eventsB: await s1.events(b),
          ordersA: await s1.ok('/api/v1/orders', a.bearer),
          tradesA: await s1.ok('/api/v1/trades', a.bearer),
          depth: await s1.ok<Obj>('/api/v1/depth?symbol=BTC_USDT'),
          marketTrades: await s1.ok('/api/v1/market/trades?symbol=BTC_USDT'),
        };
        assert.deepEqual(
          withoutTimes(before1.buy),
          limitOrder({
            order_id: buy,
            cid: 'keep-me',
            side: 'BUY',
            price: '100.00',
            qty: '1.000000',
            filled_qty: '0.400000',
            avg_price: '100.00',
            status: 'PARTIALLY_FILLED',
          }),
        );
        assert.deepEqual(before1.balancesA, [
          balance('BTC', '0.399600', '0.000000', '0.399600'),
          balance('USDT', '900.00', '60.00', '960.00'),
        ]);
        const maxOrderId = Math.max(buy, sell);
        await s1.close();

        const s2 = await lab.start({}, db);
        assert.equal((await s2.ok<Obj>('/readyz')).status, 'ready');
        assert.deepEqual(await s2.order(a, buy), before1.buy);
        assert.deepEqual(await s2.order(b, sell), before1.sell);
        assert.deepEqual(await s2.balances(a), before1.balancesA);
        assert.deepEqual(await s2.balances(b), before1.balancesB);
        assert.deepEqual(await s2.events(a), before1.eventsA);
        assert.deepEqual(await s2.events(b), before1.eventsB);
        assert.deepEqual(await s2.ok('/api/v1/orders', a.bearer), before1.ordersA);
        assert.deepEqual(await s2.ok('/api/v1/trades', a.bearer), before1.tradesA);
        assert.deepEqual(await s2.ok('/api/v1/market/trades?symbol=BTC_USDT'), before1.marketTrades);
        const depth = await s2.ok<Obj>('/api/v1/depth?symbol=BTC_USDT');
        assert.deepEqual([depth.bids, depth.asks], [before1.depth.bids, before1.depth.asks]);
        assert.deepEqual([depth.bids, depth.asks], [[['100.00', '0.600000']], [['95000.00', '0.500000']]]);
        // The API key (secret stored encrypted) and the token still work.
        expectOk(await s2.get('/api/v1/balances?after=restart', a.hmac));
        // The open order is still the user's: its cid is taken, it is matched and cancelled like before.
        expectError(
          await s2.post('/api/v1/create_order', limit('BUY', '10', '1', { cid: 'keep-me' }), a.bearer),
          409,
          1004,
        );
        const next = await s2.place(b, limit('SELL', '100', '0.1'));
        assert.ok(next > maxOrderId, `new order id ${next} must be above ${maxOrderId}`);
        const seen = new Set<number>();
        for (const u of [a, b]) {
          for (const o of (await s2.ok<{ orders: Obj[] }>('/api/v1/orders', u.bearer)).orders) {
            assert.ok(!seen.has(o.order_id as number), `order id ${String(o.order_id)} reused`);
            seen.add(o.order_id as number);
          }
        }
        const after1 = await s2.order(a, buy);
        assert.equal(after1.filled_qty, '0.500000');
        assert.equal(after1.status, 'PARTIALLY_FILLED');
        assert.equal(after1.created_at, before1.buy.created_at);
        const canceled = await s2.cancel(a, { order_id: buy });
        assert.deepEqual([canceled.order_id, canceled.order_status], [buy, 'CANCEL_PENDING']);
        assert.deepEqual(await s2.balances(a), [
          balance('BTC', '0.499500', '0.000000', '0.499500'),
          balance('USDT', '950.00', '0.00', '950.00'),
        ]);
        // Events continue the per-user seq across the restart.
        const eventsA = await s2.events(a);
        assertGapFree(eventsA);
        assert.deepEqual(eventsA.slice(0, before1.eventsA.length), before1.eventsA);
        assert.ok(eventsA.length > before1.eventsA.length);
        // New users continue the user ids.
        const c = await s2.createUser();
        assert.ok(c.userId > b.userId);
        await s2.close();
      });

      test('after a restart the ticker still knows the last price and the 24 h volume of persisted trades', async () => {
        const db = await lab.database();
        const s1 = await lab.start({}, db);
        const a = await s1.fundedUser({ USDT: '1000' });
        const b = await s1.fundedUser({ BTC: '1' });
        await s1.place(b, limit('SELL', '100', '0.3'));
        await s1.place(a, limit('BUY', '100', '0.3'));
        const before1 = withoutTimes(await s1.ok('/api/v1/ticker?symbol=BTC_USDT'));
        assert.deepEqual(before1, {
          symbol: 'BTC_USDT',
          last: '100.00',
          best_bid: null,
          best_ask: null,
          volume_24h: '0.300000',
          ts: 0,
        });
        await s1.close();
        const s2 = await lab.start({}, db);
        assert.deepEqual(withoutTimes(await s2.ok('/api/v1/ticker?symbol=BTC_USDT')), before1);
      });
    });

    test('no request of this suite was answered with a 500 / 5000', () => {
      assert.ok(lab.log.length > 100, `requests made: ${lab.log.length}`);
      assert.deepEqual(lab.serverErrors(), []);
    });
  });
}
