// Part of the HTTP API contract suite (api-suite.ts): create_order validation and cancel_order. The tests run in
// order on the suite's main server and keep to its price bands (see api-suite.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Res, type TestUser, assertGapFree, expectError, limitOrder, withoutTimes } from './harness.js';
import { type MainServer, type Obj, balance, balanceUpdate, limit, orderUpdate } from './api-helpers.js';

export function orderTests(ctx: MainServer): void {
  test('create_order validation: 1001 shape, 1003 amounts, 1002 balance, 1004 duplicate cid; nothing frozen', async () => {
    const { s } = ctx;
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
    const { s } = ctx;
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
    const { s } = ctx;
    const u = await s.fundedUser({ USDT: '100' });
    const id = await s.place(u, limit('BUY', '10', '1', { cid: 'by-cid' }));
    const c = await s.cancel(u, { cid: 'by-cid' });
    assert.deepEqual(c, { order_id: id, cid: 'by-cid', order_status: 'CANCEL_PENDING' });
  });

  test('cancel of a filled order (200, FILLED), of unknown and of other users orders (404 4001)', async () => {
    const { s } = ctx;
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
    expectError(await s.request('POST', '/api/v1/cancel_order', { raw: '{"order_id":', as: buyer.bearer }), 400, 1001);
    // String ids are accepted too.
    assert.equal((await s.cancel(buyer, { order_id: String(open) })).order_status, 'CANCEL_PENDING');
    assert.deepEqual(await s.balances(buyer), [
      balance('BTC', '0.009980', '0.000000', '0.009980'),
      balance('USDT', '600.00', '0.00', '600.00'),
    ]);
  });
}
