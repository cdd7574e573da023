// Order entry on /ws against real servers and real sockets (ws-protocol.md section 9): every order type and error
// through the socket agrees with create_order / cancel_order over HTTP for the same input (two fresh servers fed
// the same sequence, one per transport: same codes, messages, answers, events, orders and balances); an order's
// private events arrive before its result; batches; the TypeScript client's placeOrder / cancelOrder /
// batchPlaceOrders.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PushClient } from '../../src/client/ws-client.js';
import { OrderOutcomeUnknownError, OrderRejectedError } from '../../src/client/ws-orders.js';
import type { CreateOrderRequest, OrderUpdateMessage } from '../../src/client/types.js';
import { Lab, type TestServer, type TestUser, withoutTimes } from '../http/harness.js';
import { wsUrl } from './raw-client.js';
import { type Obj, batch, cancel, dataOf, isResult, limit, place, socketOf } from './ws-orders-helpers.js';

const lab = new Lab('sqlite');
after(() => lab.cleanup());

const FUNDS = { BTC: '2', USDT: '100000' };

/** The same inputs through both transports: [kind, body]. Orders interact (they trade against each other). */
const SEQUENCE: Array<['place' | 'cancel', unknown]> = [
  ['place', limit('SELL', '100.00', '0.5', { cid: 'maker-1' })],
  ['place', limit('SELL', '101.00', '0.5', { cid: 'maker-2', time_in_force: 'GTC' })],
  ['place', limit('BUY', '99.00', '0.1', { cid: 'bid-1' })],
  ['place', limit('BUY', '100.00', '0.2', { time_in_force: 'IOC', cid: 'ioc-1' })],
  ['place', limit('BUY', '101.00', '5', { time_in_force: 'FOK', cid: 'fok-1' })],
  ['place', limit('BUY', '100.50', '0.1', { time_in_force: 'POST_ONLY', cid: 'po-1' })],
  ['place', limit('BUY', '101.00', '0.1', { time_in_force: 'POST_ONLY', cid: 'po-2' })],
  ['place', { symbol: 'BTC_USDT', side: 'BUY', order_type: 'MARKET', qty: '0.1', cid: 'mkt-1' }],
  ['place', { symbol: 'BTC_USDT', side: 'BUY', order_type: 'MARKET', quote_qty: '20.00', cid: 'mkt-2' }],
  ['place', { symbol: 'BTC_USDT', side: 'SELL', type: 'MARKET', qty: '0.05' }],
  ['place', limit('BUY', '99.00', '0.1', { cid: 'bid-1' })],
  ['place', limit('BUY', '100', '100000')],
  ['place', limit('BUY', '0', '0.1')],
  ['place', limit('BUY', '100.001', '0.1')],
  ['place', limit('BUY', '100', '0.1', { price: 100 })],
  ['place', limit('BUY', '100', '0.1', { time_in_fore: 'IOC' })],
  ['place', limit('BUY', '100', '0.1', { symbol: 'DOGE_USDT' })],
  ['place', limit('BUY', '100', '0.1', { user_id: 999 })],
  ['place', { symbol: 'BTC_USDT', side: 'SELL', order_type: 'MARKET', quote_qty: '10' }],
  ['place', []],
  ['place', 'BTC_USDT'],
  ['cancel', { cid: 'bid-1' }],
  ['cancel', { cid: 'bid-1' }],
  ['cancel', { order_id: 1 }],
  ['cancel', { order_id: 999_999 }],
  ['cancel', { order_id: 1, cid: 'x' }],
  ['cancel', {}],
  ['cancel', { order_id: 'one' }],
];

async function twinServers(): Promise<Array<{ s: TestServer; u: TestUser }>> {
  const out = [];
  for (let i = 0; i < 2; i++) {
    const s = await lab.start();
    out.push({ s, u: await s.fundedUser(FUNDS) });
  }
  return out;
}

test('every order type and error through the socket agrees with HTTP for the same input', async () => {
  const [viaHttp, viaWs] = (await twinServers()) as [{ s: TestServer; u: TestUser }, { s: TestServer; u: TestUser }];
  assert.equal(viaHttp.u.userId, viaWs.u.userId, 'the twins start equal');
  // Resuming from 0: the replay of the deposits races the first orders (their results wait behind it).
  const c = await socketOf(viaWs.s, viaWs.u, '&resume_from=0');
  const codes = new Set<number>();
  for (const [kind, body] of SEQUENCE) {
    const path = kind === 'place' ? '/api/v1/create_order' : '/api/v1/cancel_order';
    const h = await viaHttp.s.post(path, body, viaHttp.u.bearer);
    const w = kind === 'place' ? await place(c, body) : await cancel(c, body);
    const what = `${kind} ${JSON.stringify(body)}`;
    assert.equal(w['code'], h.body?.code, `${what}: code (HTTP ${h.text})`);
    codes.add(w['code'] as number);
    if (w['code'] === 0) assert.deepEqual(withoutTimes(w['data']), withoutTimes(h.body?.data), `${what}: data`);
    else assert.equal(w['msg'], h.body?.msg, `${what}: msg`);
  }
  // Success, shape, amount, balance, duplicate cid, forbidden, not found: the sequence covers the catalogue's
  // order codes.
  assert.deepEqual([...codes].sort(), [0, 1001, 1002, 1003, 1004, 2003, 4001]);
  // The same state behind both: orders, balances, and the private event log.
  const state = async ({ s, u }: { s: TestServer; u: TestUser }) => ({
    orders: withoutTimes(await s.ok('/api/v1/orders?limit=1000', u.bearer)),
    balances: await s.balances(u),
    events: withoutTimes(await s.events(u, '?limit=1000')),
  });
  const [a, b] = [await state(viaHttp), await state(viaWs)];
  assert.ok((a.orders as { orders: unknown[] }).orders.length >= 10);
  assert.deepEqual(b, a);
  // What the socket was pushed is the log, in order, with every result after its order's events.
  await c.until(() => c.messages.filter((m) => typeof m['seq'] === 'number').length >= b.events.length, 'events');
  const pushed = c.messages.filter((m) => typeof m['seq'] === 'number');
  assert.deepEqual(withoutTimes(pushed), b.events);
  for (const r of c.messages.filter((m) => m.type === 'order.result' && typeof dataOf(m)['order_id'] === 'number')) {
    const at = c.messages.indexOf(r);
    const id = dataOf(r)['order_id'];
    const later = c.messages.slice(at).filter((e) => e.type === 'order.update' && dataOf(e)['order_id'] === id);
    const status = later.map((e) => dataOf(e)['status']);
    // After its result, an order can only still change by a later event (a fill by a later order, a cancel).
    assert.ok(!status.includes('NEW') && !status.includes('REJECTED'), `order ${String(id)}: ${status.join(',')}`);
  }
  c.dispose();
});

for (const coalesceWrites of [false, true]) {
  test(`on the same connection an order's events (NEW, fills, balances) arrive before its result (ws.coalesceWrites ${coalesceWrites})`, async () => {
    const s = await lab.start({ flags: { ws: { coalesceWrites } } });
    const maker = await s.fundedUser(FUNDS);
    const taker = await s.fundedUser(FUNDS);
    const mc = await socketOf(s, maker);
    const tc = await socketOf(s, taker);
    for (let round = 0; round < 20; round++) {
      const price = `${100 + round}.00`;
      const m = await place(mc, limit('SELL', price, '0.01', { cid: `m-${round}` }));
      assert.equal(m['code'], 0, JSON.stringify(m));
      const from = tc.messages.length;
      const t = await place(tc, limit('BUY', price, '0.01', { cid: `t-${round}` }));
      assert.equal(t['code'], 0, JSON.stringify(t));
      const orderId = dataOf(t)['order_id'];
      const before = tc.messages.slice(from, tc.messages.indexOf(t));
      const mine = before.filter((e) => dataOf(e)['order_id'] === orderId);
      const statuses = mine.filter((e) => e.type === 'order.update').map((e) => dataOf(e)['status']);
      assert.deepEqual(statuses, ['NEW', 'FILLED'], `round ${round}: the taker's order.updates before its result`);
      assert.equal(mine.filter((e) => e.type === 'trade').length, 1, `round ${round}: its fill before its result`);
      assert.ok(
        before.filter((e) => e.type === 'balance.update').length >= 2,
        `round ${round}: the balances before the result`,
      );
    }
    // Batches too: every order's NEW before its own result.
    const orders = Array.from({ length: 20 }, (_, i) => limit('BUY', '50.00', '0.01', { cid: `b-${i}` }));
    const results = await batch(tc, orders);
    assert.deepEqual(
      results.map((r) => [r['index'], r['code'], dataOf(r)['cid']]),
      orders.map((o, i) => [i, 0, o['cid']]),
    );
    for (const r of results) {
      const at = tc.messages.indexOf(r);
      const news = tc.messages.findIndex(
        (e) => e.type === 'order.update' && dataOf(e)['order_id'] === dataOf(r)['order_id'],
      );
      assert.ok(news >= 0 && news < at, `order ${String(dataOf(r)['order_id'])}: NEW before its result`);
    }
    mc.dispose();
    tc.dispose();
  });
}

test('a batch answers each order on its own: accepted, refused by validation, refused by the core', async () => {
  const s = await lab.start();
  const u = await s.fundedUser({ USDT: '100' });
  const c = await socketOf(s, u);
  const results = await batch(c, [
    limit('BUY', '10.00', '1', { cid: 'ok-1' }),
    limit('BUY', '10.00', '0', { cid: 'zero' }),
    limit('BUY', '10.00', '100', { cid: 'too-big' }),
    { bogus: true },
    limit('BUY', '10.00', '1', { cid: 'ok-1' }),
    limit('BUY', '10.00', '1', { cid: 'ok-2' }),
  ]);
  assert.deepEqual(
    results.map((r) => [r['index'], r['code'], dataOf(r)['cid'] ?? null]),
    [
      [0, 0, 'ok-1'],
      [1, 1003, 'zero'],
      [2, 1002, 'too-big'],
      [3, 1001, null],
      [4, 1004, 'ok-1'],
      [5, 0, 'ok-2'],
    ],
  );
  // A core rejection names the REJECTED order it logged.
  const rejected = dataOf(results[2] as Obj as never);
  const o = await s.order(u, rejected['order_id'] as number);
  assert.equal(o['status'], 'REJECTED');
  assert.equal(o['cid'], 'too-big');
  const open = await s.ok<{ orders: Obj[] }>('/api/v1/orders?status=NEW', u.bearer);
  assert.deepEqual(open.orders.map((x) => x['cid']).sort(), ['ok-1', 'ok-2']);
  const metrics = await s.metrics();
  assert.match(metrics, /^fillstream_ws_order_results_total\{type="order.batch_place",code="0"\} 2$/m);
  assert.match(metrics, /^fillstream_ws_order_results_total\{type="order.batch_place",code="1002"\} 1$/m);
  c.dispose();
});

test('the TypeScript client places, cancels and batch-places over its socket', async () => {
  const s = await lab.start();
  const u = await s.fundedUser({ USDT: '1000' });
  const client = new PushClient({ url: wsUrl(s.url), token: u.token, reconnect: false, heartbeatIntervalMs: 0 });
  await client.whenAuthenticated();
  const updates: OrderUpdateMessage[] = [];
  client.on('order.update', (m) => updates.push(m));
  const order: CreateOrderRequest = { symbol: 'BTC_USDT', side: 'BUY', order_type: 'LIMIT', price: '10.00', qty: '1' };
  const placed = await client.placeOrder({ ...order, cid: 'c-1' });
  assert.equal(placed.cid, 'c-1');
  assert.equal(placed.order_status, 'ACCEPTED');
  // Its NEW was received before the promise resolved.
  assert.ok(updates.some((m) => m.data.order_id === placed.order_id && m.data.status === 'NEW'));
  const canceled = await client.cancelOrder({ cid: 'c-1' });
  assert.deepEqual(canceled, { order_id: placed.order_id, cid: 'c-1', order_status: 'CANCEL_PENDING' });
  await assert.rejects(
    client.cancelOrder({ cid: 'c-1' }),
    (e: unknown) => e instanceof OrderRejectedError && e.code === 4001,
  );
  await assert.rejects(
    client.placeOrder({ ...order, qty: '1000' }),
    (e: unknown) => e instanceof OrderRejectedError && e.code === 1002 && typeof e.data?.order_id === 'number',
  );
  const outcomes = await client.batchPlaceOrders([
    { ...order, cid: 'b-1' },
    { ...order, price: '-1' },
  ]);
  assert.equal(outcomes[0]?.status, 'fulfilled');
  assert.equal(outcomes[0]?.status === 'fulfilled' && outcomes[0].value.cid, 'b-1');
  assert.equal(outcomes[1]?.status === 'rejected' && (outcomes[1].reason as OrderRejectedError).code, 1003);
  // A batch refused whole (21 orders): every one of its outcomes is that refusal, at once.
  const tooMany = await client.batchPlaceOrders(Array.from({ length: 21 }, () => order));
  assert.equal(tooMany.length, 21);
  for (const o of tooMany) assert.equal(o.status === 'rejected' && (o.reason as OrderRejectedError).code, 1001);
  // Requests in flight when the socket closes: outcome unknown (the order may or may not have been placed).
  const inFlight = client.placeOrder({ ...order, cid: 'lost-1' });
  const closing = client.close();
  await assert.rejects(inFlight, OrderOutcomeUnknownError);
  await closing;
});

test('results carry the echoed request id: strings and integers alike', async () => {
  const s = await lab.start();
  const u = await s.fundedUser({ USDT: '1000' });
  const c = await socketOf(s, u);
  for (const id of [0, 7, Number.MAX_SAFE_INTEGER, 'a', 'x'.repeat(64), '~!#$%&()*+,-./:;<=>?@[]^_`{|}']) {
    const from = c.messages.length;
    c.send({ type: 'order.place', id, params: limit('BUY', '1.00', '0.1') });
    const r = await c.next(isResult(id), `result of id ${JSON.stringify(id)}`, from);
    assert.equal(r['code'], 0, JSON.stringify(r));
  }
  c.dispose();
});
