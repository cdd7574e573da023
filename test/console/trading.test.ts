// Two people trade through the console in a real browser (Chromium, two contexts) against a real server: each signs
// in with an API key and secret (the page signs /auth/token itself), places an order with the order form, and sees
// its fill, its order's final status and balances equal to GET /balances; neither sees the other's private events
// (each log is exactly that user's GET /events). Bad input shows the server's own message and places nothing; the
// order form works from the keyboard alone. No page logs an error.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Lab, type TestServer, type TestUser } from '../http/harness.js';
import {
  type ConsolePage,
  SKIP,
  assertNoErrors,
  eventually,
  launch,
  openConsole,
  orderIdOf,
  pageBalances,
  pageEvents,
  resultText,
  rowAttributes,
  signIn,
  submitOrder,
  waitForResultChange,
} from './browser.js';

const lab = new Lab('sqlite');
let s: TestServer;
let browser: Browser;
before(async () => {
  if (SKIP !== false) return;
  s = await lab.start();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await lab.cleanup();
});

const SYMBOL = 'BTC_USDT';

async function balancesMatch(p: ConsolePage, u: TestUser): Promise<boolean> {
  const api = (await s.balances(u)).map((b) => ({ asset: b.asset, avail: b.avail, frozen: b.frozen, total: b.total }));
  return JSON.stringify(await pageBalances(p.page)) === JSON.stringify(api);
}

async function eventSeqs(u: TestUser): Promise<number[]> {
  return (await s.events(u, '?limit=1000')).map((e) => e.seq as number);
}

test(
  'two users trade through their order forms; each page shows its own fill, status, balances and events',
  { skip: SKIP },
  async () => {
    const seller = await s.fundedUser({ BTC: '1' });
    const buyer = await s.fundedUser({ USDT: '100000' });
    const sp = await openConsole(browser, `${s.url}/#market`);
    const bp = await openConsole(browser, `${s.url}/#market`);
    await signIn(sp, seller);
    await signIn(bp, buyer);

    const sellId = orderIdOf(await submitOrder(sp, { side: 'SELL', price: '50000.00', amount: '0.010000' }));
    await eventually("the resting SELL is in the seller's open orders", async () =>
      (await rowAttributes(sp.page, 'open-orders', 'data-order-id')).includes(String(sellId)),
    );
    const buyId = orderIdOf(await submitOrder(bp, { side: 'BUY', price: '50000.00', amount: '0.010000' }));

    for (const [p, u, id] of [
      [sp, seller, sellId],
      [bp, buyer, buyId],
    ] as const) {
      await eventually(`user ${u.userId}: the fill of order ${id} is shown`, async () =>
        (await rowAttributes(p.page, 'fills', 'data-order-id')).includes(String(id)),
      );
      await eventually(
        `user ${u.userId}: no open order left`,
        async () => (await rowAttributes(p.page, 'open-orders', 'data-order-id')).length === 0,
      );
      assert.equal((await s.order(u, id))['status'], 'FILLED');
      await eventually(`user ${u.userId}: the log shows order ${id} FILLED`, async () =>
        (await pageEvents(p.page)).some(
          (e) => e.type === 'order.update' && e.text.includes(`order ${id} ${SYMBOL}`) && e.text.includes('FILLED'),
        ),
      );
      await eventually(`user ${u.userId}: the page's balances equal GET /balances`, () => balancesMatch(p, u));
      // Exactly this user's private events, in order, gap-free: nothing of the other user's.
      await eventually(`user ${u.userId}: the log is exactly its GET /events`, async () => {
        const shown = (await pageEvents(p.page)).map((e) => e.seq);
        return JSON.stringify(shown) === JSON.stringify(await eventSeqs(u));
      });
      const other = id === sellId ? buyId : sellId;
      for (const e of await pageEvents(p.page))
        assert.ok(!e.text.includes(`order ${other} `), `foreign event: ${e.text}`);
    }
    const fills = await s.ok<{ trades: Array<{ order_id: number; price: string }> }>('/api/v1/trades', buyer.bearer);
    assert.deepEqual(
      fills.trades.map((t) => [t.order_id, t.price]),
      [[buyId, '50000.00']],
    );
    assertNoErrors(sp);
    assertNoErrors(bp);
    await sp.context.close();
    await bp.context.close();
  },
);

test("bad input in the order form shows the server's message and places nothing", { skip: SKIP }, async () => {
  const u = await s.fundedUser({ USDT: '100.00' });
  const p = await openConsole(browser, `${s.url}/#market`);
  await signIn(p, u);
  await eventually('balances shown', async () => (await pageBalances(p.page)).length > 0);
  const balancesBefore = await s.balances(u);
  const cases = [
    { what: 'too many decimals', order: { side: 'BUY', price: '100.001', amount: '0.010000' }, code: 1003 },
    { what: 'zero quantity', order: { side: 'BUY', price: '100.00', amount: '0' }, code: 1003 },
    { what: 'insufficient balance', order: { side: 'BUY', price: '50000.00', amount: '1.000000' }, code: 1002 },
  ] as const;
  for (const c of cases) {
    const shown = await submitOrder(p, c.order);
    // The same request straight to the API: the page shows exactly the server's message and code.
    const r = await s.post(
      '/api/v1/create_order',
      {
        symbol: SYMBOL,
        side: c.order.side,
        order_type: 'LIMIT',
        time_in_force: 'GTC',
        price: c.order.price,
        qty: c.order.amount,
      },
      u.bearer,
    );
    assert.equal(r.body?.code, c.code, `${c.what}: ${r.text}`);
    assert.equal(shown, `${r.body?.msg} (code ${c.code})`, c.what);
    assert.equal(await p.page.getAttribute('[data-testid=order-result]', 'role'), 'alert', c.what);
  }
  const open = await s.ok<{ orders: unknown[] }>('/api/v1/orders?status=NEW', u.bearer);
  assert.deepEqual(open.orders, [], 'nothing was placed');
  assert.deepEqual(await rowAttributes(p.page, 'open-orders', 'data-order-id'), []);
  assert.deepEqual(await s.balances(u), balancesBefore);
  // A failed request is a 4xx answer, which Chromium reports on the console as a failed resource: only those.
  const unexpected = p.errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e));
  assert.deepEqual(unexpected, []);
  await p.context.close();
});

test('the order form works from the keyboard alone', { skip: SKIP }, async () => {
  const u = await s.fundedUser({ BTC: '1' });
  const p = await openConsole(browser, `${s.url}/#market`);
  await signIn(p, u);
  const { page } = p;
  // Tab from the side radios through every control, in order.
  await page.focus('input[name=side][value=BUY]');
  const order: string[] = [];
  for (let i = 0; i < 6; i++) {
    order.push(
      await page.evaluate<string>(`document.activeElement.getAttribute('name') ?? document.activeElement.type`),
    );
    await page.keyboard.press('Tab');
  }
  assert.deepEqual(order, ['side', 'order_type', 'time_in_force', 'price', 'amount', 'submit']);
  // Choose SELL with an arrow key, type the price and quantity, submit with Enter.
  await page.focus('input[name=side][value=BUY]');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.isChecked('input[name=side][value=SELL]'), true);
  await page.keyboard.press('Tab'); // order type
  await page.keyboard.press('Tab'); // time in force
  await page.keyboard.press('Tab'); // price
  await page.keyboard.type('70000.00');
  await page.keyboard.press('Tab');
  await page.keyboard.type('0.020000');
  const before = await resultText(page);
  await page.keyboard.press('Enter');
  const id = orderIdOf(await waitForResultChange(page, before));
  const o = await s.order(u, id);
  assert.deepEqual([o['side'], o['price'], o['qty'], o['status']], ['SELL', '70000.00', '0.020000', 'NEW']);
  assertNoErrors(p);
  await p.context.close();
});
