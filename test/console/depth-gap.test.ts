// A lost depth update in the browser: the page's WebSocket goes through a relay in the browser (playwright's
// routeWebSocket, connected to the real server) that drops one `depth.update` frame, as a lossy network would.
// The page notices the gap (a visible notice naming the seqs), re-snapshots (its client unsubscribes and subscribes
// again), says at which seq the fresh snapshot put the book back, and its ladder again equals GET /depth.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Lab, type TestServer } from '../http/harness.js';
import { SKIP, eventually, launch } from './browser.js';

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

test(
  'a dropped depth update shows a gap notice, a re-snapshot, and the ladder equals GET /depth again',
  { skip: SKIP },
  async () => {
    const maker = await s.fundedUser({ BTC: '10', USDT: '1000000' });
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => errors.push(e.message));
    const snapshots: number[] = [];
    let updates = 0;
    let dropped: number | null = null;
    await page.routeWebSocket(/\/ws$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        const msg = JSON.parse(String(m)) as { type: string; seq?: number };
        if (msg.type === 'depth.snapshot') snapshots.push(msg.seq as number);
        if (msg.type === 'depth.update' && ++updates === 2) {
          dropped = msg.seq as number;
          return; // lost on the way
        }
        ws.send(m);
      });
    });
    await page.goto(`${s.url}/#market`);
    await page.waitForSelector('[data-testid=depth-seq][data-synced=true]');
    for (let i = 0; i < 4; i++) {
      await s.place(maker, {
        symbol: 'BTC_USDT',
        side: 'BUY',
        order_type: 'LIMIT',
        price: `${40_000 + i}.00`,
        qty: '0.010000',
      });
    }
    await eventually(
      'the gap is counted',
      async () => (await page.getAttribute('[data-testid=depth-seq]', 'data-gaps')) === '1',
    );
    await eventually('the notice names the gap and the re-snapshot', async () => {
      const text = (await page.textContent('[data-testid=depth-gap]')) ?? '';
      return text.includes(`got ${(dropped as unknown as number) + 1}`) && /re-snapshot at seq \d+$/.test(text);
    });
    assert.equal(snapshots.length, 2, `a second snapshot was sent: ${snapshots.join(',')}`);
    const notice = (await page.textContent('[data-testid=depth-gap]')) as string;
    assert.ok(notice.endsWith(`re-snapshot at seq ${snapshots[1]}`), notice);
    await eventually('the ladder equals GET /depth', async () => {
      const d = await s.ok<{ seq: number; bids: string[][] }>('/api/v1/depth?symbol=BTC_USDT&levels=20');
      const seq = await page.getAttribute('[data-testid=depth-seq]', 'data-seq');
      const bids: string[][] = await page.evaluate(
        `[...document.querySelectorAll('[data-testid=ladder-bids] tr')].map((tr) => [tr.dataset.price, tr.dataset.qty])`,
      );
      return seq === String(d.seq) && JSON.stringify(bids) === JSON.stringify(d.bids);
    });
    assert.deepEqual(errors, []);
    await context.close();
  },
);
