// The server restarts under two signed-in pages (real Chromium, a real server stopped and started again on the same
// database and port): both pages show that they lost the connection and are reconnecting, then that they resumed
// from the seq they had, and their event logs continue without a gap (each exactly its user's GET /events, seqs
// consecutive across the restart) as trading goes on.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Lab, type TestServer, type TestUser } from '../http/harness.js';
import { freePort } from '../support/net.js';
import {
  type ConsolePage,
  SKIP,
  eventually,
  launch,
  openConsole,
  orderIdOf,
  pageEvents,
  signIn,
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

/** What a page may log while its server is down: failed reconnects and requests, nothing else. */
const OUTAGE = /WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|Failed to fetch|status of 503/;

async function logMatches(s: TestServer, p: ConsolePage, u: TestUser): Promise<boolean> {
  const api = (await s.events(u, '?limit=1000')).map((e) => e.seq as number);
  const shown = (await pageEvents(p.page)).map((e) => e.seq);
  return JSON.stringify(shown) === JSON.stringify(api);
}

const state = (p: ConsolePage) => p.page.textContent('[data-testid=connection-state]');

test(
  'after a server restart both pages reconnect, resume from their seq and their logs go on gap-free',
  { skip: SKIP },
  async () => {
    const port = await freePort();
    const s1 = await lab.start({ flags: { port } });
    const seller = await s1.fundedUser({ BTC: '1' });
    const buyer = await s1.fundedUser({ USDT: '100000' });
    const sp = await openConsole(browser, `${s1.url}/#market`);
    const bp = await openConsole(browser, `${s1.url}/#market`);
    await signIn(sp, seller);
    await signIn(bp, buyer);
    const sellId = orderIdOf(await submitOrder(sp, { side: 'SELL', price: '50000.00', amount: '0.010000' }));
    orderIdOf(await submitOrder(bp, { side: 'BUY', price: '50000.00', amount: '0.004000' }));
    const pages = [
      [sp, seller],
      [bp, buyer],
    ] as const;
    for (const [p, u] of pages)
      await eventually(`user ${u.userId}: log before the restart`, () => logMatches(s1, p, u));
    const seqBefore = new Map<ConsolePage, number>();
    for (const [p] of pages) seqBefore.set(p, Math.max(...(await pageEvents(p.page)).map((e) => e.seq)));

    await s1.close();
    for (const [p, u] of pages) {
      await eventually(`user ${u.userId}: the page shows it is reconnecting`, async () =>
        /^reconnecting/.test((await state(p)) ?? ''),
      );
    }
    const s2 = await lab.start({ flags: { port } }, s1.db);
    for (const [p, u] of pages) {
      const want = `resumed from seq ${seqBefore.get(p)}`;
      await eventually(`user ${u.userId}: "${want}"`, async () => (await state(p)) === want, 30_000);
      await eventually(
        `user ${u.userId}: the market stream is back`,
        async () => (await p.page.textContent('[data-testid=market-connection]')) === 'market: connected',
        30_000,
      );
    }
    // Trading goes on: the rest of the SELL fills; both logs continue from where they were.
    orderIdOf(await submitOrder(bp, { side: 'BUY', price: '50000.00', amount: '0.006000' }));
    await eventually('the SELL is filled', async () => (await s2.order(seller, sellId))['status'] === 'FILLED');
    for (const [p, u] of pages) {
      await eventually(`user ${u.userId}: log after the restart`, () => logMatches(s2, p, u));
      const seqs = (await pageEvents(p.page)).map((e) => e.seq);
      const before = seqBefore.get(p) as number;
      assert.ok(seqs[seqs.length - 1]! > before, `new events after the restart: ${seqs.join(',')}`);
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i),
        'consecutive seqs',
      );
      const unexpected = p.errors.filter((e) => !OUTAGE.test(e));
      assert.deepEqual(unexpected, [], `errors besides the outage's:\n${unexpected.join('\n')}`);
    }
  },
);
