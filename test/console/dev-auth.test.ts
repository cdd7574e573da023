// Signing in with a user id in the console (real Chromium, real servers): accepted when the server runs in
// development-auth mode (balances equal GET /balances, private events arrive), refused with the server's own
// message when it does not (and the page stays signed out). A wrong API secret is refused the same way.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Lab } from '../http/harness.js';
import {
  SKIP,
  assertNoErrors,
  eventually,
  launch,
  openConsole,
  orderIdOf,
  pageBalances,
  pageEvents,
  submitOrder,
} from './browser.js';

const lab = new Lab('sqlite');
let browser: Browser;
before(async () => {
  if (SKIP === false) browser = await launch();
});
after(async () => {
  await browser?.close();
  await lab.cleanup();
});

async function signInWithUserId(url: string, userId: number) {
  const p = await openConsole(browser, `${url}/#account`);
  await p.page.click('text=User id (development auth)');
  await p.page.fill('input[name=user_id]', String(userId));
  await p.page.click('[data-testid=sign-in-form] button[type=submit]');
  return p;
}

test('development auth: sign in with a user id, see balances and live events', { skip: SKIP }, async () => {
  const s = await lab.start({ devAuth: true });
  const u = await s.fundedUser({ BTC: '2' });
  const p = await signInWithUserId(s.url, u.userId);
  await p.page.waitForSelector('[data-testid=connection-state]:text("connected")');
  await eventually('balances equal GET /balances', async () => {
    const api = (await s.balances(u)).map((b) => ({
      asset: b.asset,
      avail: b.avail,
      frozen: b.frozen,
      total: b.total,
    }));
    return JSON.stringify(await pageBalances(p.page)) === JSON.stringify(api);
  });
  const id = orderIdOf(await submitOrder(p, { side: 'SELL', price: '60000.00', amount: '0.500000' }));
  await eventually('the order.update of the new order is logged', async () =>
    (await pageEvents(p.page)).some(
      (e) => e.type === 'order.update' && e.text.includes(`order.update order ${id} BTC_USDT`),
    ),
  );
  assertNoErrors(p);
  await p.context.close();
});

test(
  "without development auth a user id is refused with the server's message; so is a wrong secret",
  { skip: SKIP },
  async () => {
    const s = await lab.start({ devAuth: false });
    const u = await s.fundedUser({ BTC: '1' });
    const p = await signInWithUserId(s.url, u.userId);
    const shown = await p.page.textContent('[data-testid=sign-in-error]');
    const r = await s.get('/api/v1/balances', { kind: 'dev', userId: u.userId });
    assert.equal(shown, `${r.body?.msg} (code ${r.body?.code})`);
    assert.equal(await p.page.$('[data-testid=connection-state]'), null, 'still signed out');

    await p.page.click('text=API key');
    await p.page.fill('input[name=api_key]', u.apiKey);
    await p.page.fill('input[name=api_secret]', `${u.apiSecret}x`);
    await p.page.click('[data-testid=sign-in-form] button[type=submit]');
    await eventually('the bad signature is refused', async () =>
      /\(code 2002\)$/.test((await p.page.textContent('[data-testid=sign-in-error]')) ?? ''),
    );
    assert.equal(await p.page.$('[data-testid=connection-state]'), null, 'still signed out');
    // Both refusals are 4xx answers, which Chromium reports on the console as failed resources: only those.
    assert.deepEqual(
      p.errors.filter((e) => !/status of 40[13]/.test(e)),
      [],
    );
    await p.context.close();
  },
);
