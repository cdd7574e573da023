// WebSocket order entry under abuse and failure, on real servers and sockets: per-user rate limits shared with
// HTTP, the per-connection cap of orders in flight, request ids missing / of the wrong type or length / already in
// flight, malformed params, huge and empty batches, floods, anonymous connections (always answered with a code,
// never a crash, the connection stays usable), and a disconnect with requests in flight (each order committed and
// listed by GET /orders with its cid, or not placed at all, with the balances to match).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, expectError, expectOk, sleep } from '../http/harness.js';
import { RawClient, wsUrl } from './raw-client.js';
import { type Obj, batch, dataOf, freshId, isResult, limit, place, request, socketOf } from './ws-orders-helpers.js';

const lab = new Lab('sqlite');
after(() => lab.cleanup());

test('order rate limits are per user and shared by HTTP and the socket', async () => {
  const s = await lab.start({ rateLimits: { ordersPerSec: 1, cancelsPerSec: 1 } });
  const u = await s.fundedUser({ USDT: '1000' });
  const c = await socketOf(s, u);
  const order = limit('BUY', '1.00', '1');
  await s.place(u, order); // takes the one order token
  const refused = await place(c, order);
  assert.equal(refused['code'], 4291, JSON.stringify(refused));
  assert.equal(refused['msg'], 'rate limit exceeded for order requests (1 per second)');
  assert.ok(c.open, 'a refused order does not close the connection');
  await sleep(1100);
  const [first, second] = await batch(c, [order, order]);
  assert.equal(first?.['code'], 0, JSON.stringify(first));
  assert.equal(second?.['code'], 4291, JSON.stringify(second));
  expectError(await s.post('/api/v1/create_order', order, u.bearer), 429, 4291);
  // Cancels have their own bucket, shared the same way.
  const open = await s.ok<{ orders: Obj[] }>('/api/v1/orders?status=NEW', u.bearer);
  await s.cancel(u, { order_id: open.orders[0]?.['order_id'] });
  const cancelRefused = await request(c, { type: 'order.cancel', id: freshId(), params: { order_id: 1 } });
  assert.equal(cancelRefused['code'], 4291);
  // Another user's budget is untouched.
  const v = await s.fundedUser({ USDT: '1000' });
  const vc = await socketOf(s, v);
  assert.equal((await place(vc, order))['code'], 0);
  c.dispose();
  vc.dispose();
});

test('serve: the engine charges its bucket when the gateway did, so the limit is neither halved nor doubled', async () => {
  const rate = 5;
  const s = await lab.start({ rateLimits: { ordersPerSec: rate, cancelsPerSec: rate } });
  const u = await s.fundedUser({ USDT: '1000' });
  const c = await socketOf(s, u);
  const order = limit('BUY', '1.00', '0.1');
  // A steady stream at the rate, alternating HTTP and the socket: every order passes (charging the gateway's and the
  // engine's bucket as one would cost two tokens per order and refuse half of them).
  for (let i = 0; i < 3 * rate; i++) {
    if (i % 2 === 0) expectOk(await s.post('/api/v1/create_order', order, u.bearer), 202);
    else assert.equal((await place(c, order))['code'], 0, `order ${i} on the socket`);
    await sleep(1000 / rate + 10);
  }
  // A burst beyond it: the gateway refuses the excess, and the engine (charged at the same times) agrees with every
  // order the gateway let through: none is answered RATE_LIMITED by the engine.
  await sleep(1100);
  const burst = await Promise.all([
    ...Array.from({ length: 2 * rate }, () => s.post('/api/v1/create_order', order, u.bearer)),
    ...Array.from({ length: 2 * rate }, () => place(c, order)),
  ]);
  const passed = burst.filter((r) => ('status' in r ? r.status === 202 : r['code'] === 0)).length;
  assert.ok(passed >= rate && passed < 2 * rate, `${passed} of ${4 * rate} passed`);
  assert.doesNotMatch(await s.metrics(), /fillstream_orders_total\{result="RATE_LIMITED"\}/);
  const open = await s.ok<{ orders: Obj[] }>('/api/v1/orders?status=NEW&limit=1000', u.bearer);
  assert.equal(open.orders.length, 3 * rate + passed);
  c.dispose();
});

test('request ids: missing, wrong type or length, or in flight are answered 1001, and the socket stays usable', async () => {
  const s = await lab.start();
  const u = await s.fundedUser({ USDT: '1000' });
  const c = await socketOf(s, u);
  const params = limit('BUY', '1.00', '0.1');
  const bad: unknown[] = [undefined, null, '', 'x'.repeat(65), 'tab\there', 'é', -1, 1.5, 2 ** 53, true, {}, ['a']];
  for (const id of bad) {
    const from = c.messages.length;
    c.send(JSON.stringify({ type: 'order.place', ...(id === undefined ? {} : { id }), params }));
    const r = await c.next((m) => m.type === 'order.result', `a result for id ${JSON.stringify(id)}`, from);
    assert.equal(r['code'], 1001, `id ${JSON.stringify(id)}: ${JSON.stringify(r)}`);
    assert.equal(r['id'], null, 'an invalid id is not echoed');
    assert.equal(r['data'], null);
  }
  // The same id twice in one burst: the second is refused while the first is in flight, the first succeeds.
  const from = c.messages.length;
  c.send({ type: 'order.place', id: 'dup', params: { ...params, cid: 'first' } });
  c.send({ type: 'order.place', id: 'dup', params: { ...params, cid: 'second' } });
  await c.until(() => c.messages.slice(from).filter(isResult('dup')).length === 2, 'both answers');
  const answers = c.messages.slice(from).filter(isResult('dup'));
  assert.deepEqual(answers.map((m) => m['code']).sort(), [0, 1001]);
  assert.match(String(answers.find((m) => m['code'] === 1001)?.['msg']), /already in flight/);
  // Once answered, the id may be used again.
  assert.equal((await place(c, { ...params, cid: 'third' }, 'dup'))['code'], 0);
  const open = await s.ok<{ orders: Obj[] }>('/api/v1/orders?status=NEW', u.bearer);
  assert.deepEqual(open.orders.map((o) => o['cid']).sort(), ['first', 'third']);
  assert.equal((await c.ping())['type'], 'pong');
  c.dispose();
});

test('malformed params, huge or empty batches and anonymous sockets get codes, never a crash', async () => {
  const s = await lab.start();
  const u = await s.fundedUser({ USDT: '1000' });
  const c = await socketOf(s, u);
  const order = limit('BUY', '1.00', '0.1');
  const cases: Array<[string, Obj, number]> = [
    ['no params', { type: 'order.place' }, 1001],
    ['params null', { type: 'order.place', params: null }, 1001],
    ['params a number', { type: 'order.place', params: 5 }, 1001],
    ['params an array', { type: 'order.place', params: [order] }, 1001],
    ['cancel without params', { type: 'order.cancel' }, 1001],
    ['cancel by both', { type: 'order.cancel', params: { order_id: 1, cid: 'a' } }, 1001],
    ['batch of 21', { type: 'order.batch_place', params: { orders: Array(21).fill(order) } }, 1001],
    ['empty batch', { type: 'order.batch_place', params: { orders: [] } }, 1001],
    ['batch not a list', { type: 'order.batch_place', params: { orders: order } }, 1001],
    ['batch as a list', { type: 'order.batch_place', params: [order] }, 1001],
    ['batch with extra keys', { type: 'order.batch_place', params: { orders: [order], symbol: 'BTC_USDT' } }, 1001],
    ['a qty of 10^30', { type: 'order.place', params: { ...order, qty: '1'.padEnd(31, '0') } }, 1003],
    ['price x qty beyond int64', { type: 'order.place', params: { ...order, price: '9'.repeat(17) } }, 1003],
  ];
  for (const [what, msg, code] of cases) {
    const r = await request(c, { ...msg, id: freshId() });
    assert.equal(r['code'], code, `${what}: ${JSON.stringify(r)}`);
    assert.equal(typeof r['msg'], 'string');
  }
  // Nothing was placed by any of them (a refused batch places none of its orders).
  assert.deepEqual((await s.ok<{ orders: Obj[] }>('/api/v1/orders', u.bearer)).orders, []);
  // Anonymous: 2001, the connection stays.
  const anon = await RawClient.connect(wsUrl(s.url));
  await anon.nextOfType('connected');
  for (const type of ['order.place', 'order.cancel', 'order.batch_place']) {
    const r = await request(anon, {
      type,
      id: 'a1',
      params: type === 'order.batch_place' ? { orders: [order] } : order,
    });
    assert.equal(r['code'], 2001, `${type}: ${JSON.stringify(r)}`);
    assert.match(String(r['msg']), /authenticated connection/);
  }
  assert.equal((await anon.ping())['type'], 'pong');
  assert.equal((await c.ping())['type'], 'pong');
  assert.deepEqual(lab.serverErrors(), []);
  anon.dispose();
  c.dispose();
});

test('a flood beyond the orders in flight cap is refused with 4291 and the socket stays usable', async () => {
  const s = await lab.start({ flags: { ws: { maxOrdersInFlight: 5, messagesPerSec: 10_000 } } });
  const u = await s.fundedUser({ USDT: '100000' });
  const c = await socketOf(s, u);
  const from = c.messages.length;
  const ids = Array.from({ length: 200 }, (_, i) => `f-${i}`);
  for (const id of ids) c.send({ type: 'order.place', id, params: limit('BUY', '1.00', '0.1', { cid: id }) });
  await c.until(
    () => c.messages.slice(from).filter((m) => m.type === 'order.result').length === ids.length,
    'an answer to every order',
    20_000,
  );
  const results = c.messages.slice(from).filter((m) => m.type === 'order.result');
  const byCode = new Map<unknown, number>();
  for (const r of results) byCode.set(r['code'], (byCode.get(r['code']) ?? 0) + 1);
  assert.ok((byCode.get(0) ?? 0) >= 5, `at least the first five were placed: ${JSON.stringify([...byCode])}`);
  assert.ok((byCode.get(4291) ?? 0) > 0, `the rest of the burst was refused: ${JSON.stringify([...byCode])}`);
  assert.deepEqual([...byCode.keys()].sort(), [0, 4291]);
  assert.match(
    String(results.find((r) => r['code'] === 4291)?.['msg']),
    /too many orders in flight on this connection \(max 5\)/,
  );
  // Exactly the accepted ones are open.
  const accepted = results.filter((r) => r['code'] === 0).map((r) => dataOf(r)['cid']);
  const open = await s.ok<{ orders: Obj[] }>('/api/v1/orders?status=NEW&limit=1000', u.bearer);
  assert.deepEqual(open.orders.map((o) => o['cid']).sort(), accepted.sort());
  // A batch larger than the cap is refused whole.
  const big = await request(c, {
    type: 'order.batch_place',
    id: freshId(),
    params: { orders: Array(6).fill(limit('BUY', '1.00', '0.1')) },
  });
  assert.equal(big?.['index'], undefined, 'one answer for the refused batch');
  assert.equal((await place(c, limit('BUY', '1.00', '0.1')))['code'], 0);
  c.dispose();
});

test('a disconnect with requests in flight: each order is committed and listed by its cid, or not placed', async (t) => {
  const s = await lab.start({ flags: { ws: { messagesPerSec: 10_000 } } });
  const u = await s.fundedUser({ USDT: '100000' });
  let answered = 0;
  for (let round = 0; round < 3; round++) {
    const c = await socketOf(s, u);
    const cids = Array.from({ length: 100 }, (_, i) => `gone-${round}-${i}`);
    // Half single orders, half batches of 10; the socket is then cut without a close handshake.
    for (let i = 0; i < 50; i++) {
      c.send({ type: 'order.place', id: cids[i], params: limit('BUY', '1.00', '1', { cid: cids[i] }) });
    }
    // Last round: a frame over the size limit makes the server close (1009) and read nothing after it.
    if (round === 2) c.send('x'.repeat(20_000));
    for (let b = 0; b < 5; b++) {
      const orders = cids.slice(50 + b * 10, 60 + b * 10).map((cid) => limit('BUY', '1.00', '1', { cid }));
      c.send({ type: 'order.batch_place', id: `batch-${b}`, params: { orders } });
    }
    await sleep(round * 3);
    if (round < 2) c.ws.terminate();
    else assert.equal((await c.waitClose()).code, 1009);
    answered += c.messages.filter((m) => m.type === 'order.result').length;
  }
  // Let whatever reached the server commit, then compare the listed orders with the balance they froze.
  let previous = -1;
  let listed: Obj[] = [];
  for (;;) {
    await sleep(300);
    listed = (await s.ok<{ orders: Obj[] }>('/api/v1/orders?limit=1000', u.bearer)).orders;
    if (listed.length === previous) break;
    previous = listed.length;
  }
  for (const o of listed) {
    assert.match(String(o['cid']), /^gone-\d-\d+$/);
    assert.equal(o['status'], 'NEW', JSON.stringify(o));
    assert.equal(o['qty'], '1.000000');
  }
  assert.equal(new Set(listed.map((o) => o['cid'])).size, listed.length, 'no order placed twice');
  t.diagnostic(`${listed.length} of 300 orders sent were placed; ${answered} results read before the cuts`);
  assert.ok(answered < listed.length, 'some requests were still in flight at a cut');
  const cids = new Set(listed.map((o) => o['cid']));
  // Sent before the oversized frame: read and committed; after it: never read, never placed.
  for (let i = 0; i < 100; i++) assert.equal(cids.has(`gone-2-${i}`), i < 50, `gone-2-${i}`);
  const usdt = (await s.balances(u)).find((b) => b['asset'] === 'USDT');
  assert.equal(usdt?.['frozen'], `${listed.length}.00`, 'the listed orders are exactly what is frozen');
  // Events agree: one NEW per listed order, none for anything else.
  const news = (await s.events(u, '?limit=1000')).filter((e) => e['type'] === 'order.update');
  assert.deepEqual(news.map((e) => (e['data'] as Obj)['cid']).sort(), listed.map((o) => o['cid']).sort());
  assert.deepEqual(lab.serverErrors(), []);
  // The server is fine afterwards.
  const c = await socketOf(s, u);
  assert.equal((await place(c, limit('BUY', '1.00', '1', { cid: 'after' })))['code'], 0);
  c.dispose();
});
