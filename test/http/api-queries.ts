// Part of the HTTP API contract suite (api-suite.ts): the query routes (/orders, /trades, /events: cursors,
// filters), the body limit, unknown routes. The tests run in order on the suite's main server and keep to its price
// bands (see api-suite.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertGapFree, expectError, expectOk, withoutTimes } from './harness.js';
import { BODY_LIMIT, type MainServer, type Obj, allPages, balance, limit } from './api-helpers.js';

export function queryTests(ctx: MainServer): void {
  test('/orders: newest first, next_cursor pages without gaps or duplicates, filters', async () => {
    const { s } = ctx;
    const u = await s.fundedUser({ USDT: '10000' });
    const ids: number[] = [];
    for (const price of ['101', '102', '103', '104', '105']) ids.push(await s.place(u, limit('BUY', price, '0.01')));
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
    const { s } = ctx;
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

    const sel = async (query: string) => (await s.ok<{ trades: Obj[] }>(`/api/v1/trades?${query}`, r.bearer)).trades;
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
    const { s } = ctx;
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
    const { s } = ctx;
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
    const { s } = ctx;
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

  test('GET /order?cid=: the newest of the own orders with that cid; 4001 for none or for another user', async () => {
    const { s } = ctx;
    const u = await s.fundedUser({ USDT: '10000' });
    const other = await s.fundedUser({ USDT: '10000' });
    const first = await s.place(u, limit('BUY', '10', '1', { cid: 'look-1' }));
    await s.cancel(u, { order_id: first });
    // A cid is unique among open orders only: once the first is canceled it may be used again.
    const second = await s.place(u, limit('BUY', '11', '1', { cid: 'look-1' }));
    const got = await s.ok<Obj>('/api/v1/order?cid=look-1', u.bearer);
    assert.equal(got.order_id, second);
    assert.equal(got.cid, 'look-1');
    assert.equal(got.status, 'NEW');
    assert.deepEqual(got, await s.ok<Obj>(`/api/v1/order/${second}`, u.bearer), 'the same view as GET /order/{id}');
    expectError(await s.get('/api/v1/order?cid=look-1', other.bearer), 404, 4001, /no order with cid "look-1"/);
    expectError(await s.get('/api/v1/order?cid=never-used', u.bearer), 404, 4001);
    expectError(await s.get('/api/v1/order', u.bearer), 400, 1001, /cid is required/);
    expectError(await s.get('/api/v1/order?cid=a%20b', u.bearer), 400, 1001);
    expectError(await s.get('/api/v1/order?cid=a&cid=b', u.bearer), 400, 1001);
    expectError(await s.get('/api/v1/order?cid=look-1'), 401, 2001);
    await s.cancel(u, { order_id: second });
  });

  test('unknown routes answer 404 / 4041 with the envelope, never a 500', async () => {
    const { s } = ctx;
    expectError(await s.get('/api/v1/nothing-here'), 404, 4041, /no route GET \/api\/v1\/nothing-here/);
    expectError(await s.request('DELETE', '/api/v1/order/1'), 404, 4041);
    expectError(await s.post('/api/v1/symbols', {}), 404, 4041);
    expectError(await s.get('/index.html'), 404, 4041); // `/` is the web console (test/console/static.test.ts)
    expectError(await s.get('/console/nothing.js'), 404, 4041);
  });
}
