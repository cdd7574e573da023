// The market view in a real browser against a real server, after 500 random orders from a script (four users,
// LIMIT GTC/IOC and MARKET, both sides, around one price): the page's ladder equals GET /depth at the same seq and
// its last candle equals the last of GET /klines. Then what a person sees: screenshots of the market view, the
// account view and a phone-width view are written (screenshotDir()), both themes are readable (text contrast), the
// phone width needs no horizontal scrolling, and no page logged an error.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Prng } from '../../src/replay/prng.js';
import { Lab, type TestServer, type TestUser } from '../http/harness.js';
import {
  type ConsolePage,
  SKIP,
  assertNoErrors,
  eventually,
  launch,
  openConsole,
  orderIdOf,
  screenshotDir,
  signIn,
  submitOrder,
} from './browser.js';

const lab = new Lab('sqlite');
let s: TestServer;
let browser: Browser;
let traders: TestUser[] = [];
let market: ConsolePage;
before(async () => {
  if (SKIP !== false) return;
  s = await lab.start();
  browser = await launch();
  traders = [];
  for (let i = 0; i < 4; i++) traders.push(await s.fundedUser({ BTC: '50', USDT: '5000000' }));
});
after(async () => {
  await browser?.close();
  await lab.cleanup();
});

const SYMBOL = 'BTC_USDT';
const ORDERS = 500;

/** 500 random orders, a few at a time, from the seeded generator: every one accepted or refused with a 4xx. */
async function randomOrders(seed: number): Promise<void> {
  const rnd = new Prng(seed);
  let placed = 0;
  const one = async () => {
    const u = traders[rnd.int(traders.length)] as TestUser;
    const side = rnd.int(2) === 0 ? 'BUY' : 'SELL';
    const qty = `0.${String(1 + rnd.int(50)).padStart(3, '0')}000`;
    const kind = rnd.int(10);
    const body: Record<string, unknown> =
      kind === 0
        ? { symbol: SYMBOL, side, order_type: 'MARKET', qty }
        : {
            symbol: SYMBOL,
            side,
            order_type: 'LIMIT',
            time_in_force: kind === 1 ? 'IOC' : 'GTC',
            // 49 900.00 .. 50 100.00 in steps of 5: books that cross and levels that fill up.
            price: `${49_900 + 5 * rnd.int(41)}.00`,
            qty,
          };
    const r = await s.post('/api/v1/create_order', body, u.bearer);
    assert.ok(r.status === 202 || (r.status >= 400 && r.status < 500), `${r.status} ${r.text}`);
    placed++;
  };
  while (placed < ORDERS) await Promise.all(Array.from({ length: Math.min(8, ORDERS - placed) }, one));
}

interface Ladder {
  seq: number | null;
  bids: string[][];
  asks: string[][];
}

async function pageLadder(page: Page): Promise<Ladder> {
  const l: Ladder = await page.evaluate(`(() => {
    const rows = (side) => [...document.querySelectorAll('[data-testid=ladder-' + side + '] tr')].map((tr) => [
      tr.dataset.price, tr.dataset.qty]);
    const seq = document.querySelector('[data-testid=depth-seq]').dataset.seq;
    return { seq: seq === '' ? null : Number(seq), bids: rows('bids'), asks: rows('asks') };
  })()`);
  return { ...l, asks: l.asks.reverse() }; // shown best ask at the bottom, next to the spread
}

test(
  'after 500 random orders the ladder equals GET /depth and the last candle equals GET /klines',
  { skip: SKIP },
  async () => {
    market = await openConsole(browser, `${s.url}/#market`);
    await market.page.waitForSelector('[data-testid=depth-seq][data-synced=true]');
    await randomOrders(13);
    const trades = await s.ok<{ trades: unknown[] }>(`/api/v1/market/trades?symbol=${SYMBOL}&limit=1000`);
    assert.ok(trades.trades.length > 50, `the orders traded (${trades.trades.length} trades)`);
    let last: { rest: unknown; page: unknown } = { rest: null, page: null };
    await eventually('the ladder equals GET /depth at the same seq', async () => {
      const d = await s.ok<{ seq: number; bids: string[][]; asks: string[][] }>(
        `/api/v1/depth?symbol=${SYMBOL}&levels=20`,
      );
      const shown = await pageLadder(market.page);
      last = { rest: d, page: shown };
      return shown.seq === d.seq && JSON.stringify([shown.bids, shown.asks]) === JSON.stringify([d.bids, d.asks]);
    }).catch((e: Error) => assert.fail(`${e.message}\n${JSON.stringify(last)}`));
    const ladder = await pageLadder(market.page);
    assert.ok(ladder.bids.length > 0 && ladder.asks.length > 0, 'both sides have levels');
    await eventually('the last candle equals the last of GET /klines', async () => {
      const k = await s.ok<unknown[]>(`/api/v1/klines?symbol=${SYMBOL}&interval=1m`);
      const shown = await market.page.getAttribute('[data-testid=last-candle]', 'data-candle');
      last = { rest: k[k.length - 1], page: shown };
      return shown !== null && shown !== '' && JSON.stringify(JSON.parse(shown)) === JSON.stringify(k[k.length - 1]);
    }).catch((e: Error) => assert.fail(`${e.message}\n${JSON.stringify(last)}`));
    // The interval selector reloads history for the new interval and still agrees with the API.
    await market.page.click('[data-interval="1s"]');
    await eventually('the 1s candles agree too', async () => {
      const k = await s.ok<unknown[]>(`/api/v1/klines?symbol=${SYMBOL}&interval=1s`);
      const shown = await market.page.getAttribute('[data-testid=last-candle]', 'data-candle');
      return shown !== null && shown !== '' && JSON.stringify(JSON.parse(shown)) === JSON.stringify(k[k.length - 1]);
    });
    await market.page.click('[data-interval="1m"]');
    await market.page.screenshot({ path: join(screenshotDir(), 'console-market.png') });
    assertNoErrors(market);
  },
);

test(
  'screenshots of the account view and a phone-width view; no horizontal scrolling on a phone',
  { skip: SKIP },
  async () => {
    const p = await openConsole(browser, `${s.url}/#market`);
    await signIn(p, traders[0] as TestUser);
    const id = orderIdOf(await submitOrder(p, { side: 'BUY', price: '49000.00', amount: '0.010000' }));
    await p.page.waitForSelector(`[data-testid=open-orders] tr[data-order-id="${id}"]`);
    await p.page.screenshot({ path: join(screenshotDir(), 'console-account.png') });
    assertNoErrors(p);
    await p.context.close();

    const phone = await openConsole(browser, `${s.url}/#market`, { width: 390, height: 844, colorScheme: 'dark' });
    await phone.page.waitForSelector('[data-testid=ladder-bids] tr');
    const widths: number[] = await phone.page.evaluate('[document.documentElement.scrollWidth, innerWidth]');
    assert.ok(widths[0]! <= widths[1]!, `page wider than the phone: ${widths.join(' > ')}`);
    for (const sel of ['[data-testid=ladder-bids]', '[data-testid=symbol-select]', '.candles .chart']) {
      const box = await phone.page.locator(sel).boundingBox();
      assert.ok(
        box !== null && box.x >= 0 && box.x + box.width <= 390 + 1,
        `${sel} fits the width: ${JSON.stringify(box)}`,
      );
    }
    await phone.page.screenshot({ path: join(screenshotDir(), 'console-phone.png') });
    await phone.page.click('nav >> text=Account');
    await phone.page.waitForSelector('[data-testid=sign-in-form]');
    const w2: number[] = await phone.page.evaluate('[document.documentElement.scrollWidth, innerWidth]');
    assert.ok(w2[0]! <= w2[1]!, `account view wider than the phone: ${w2.join(' > ')}`);
    assertNoErrors(phone);
    await phone.context.close();
  },
);

/** WCAG contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

test('light and dark themes are both readable, by the system setting and by the toggle', { skip: SKIP }, async () => {
  const seen = new Set<string>();
  for (const scheme of ['light', 'dark'] as const) {
    const p = await openConsole(browser, `${s.url}/#market`, { colorScheme: scheme });
    await p.page.waitForSelector('[data-testid=depth-seq][data-synced=true]');
    for (const flip of [false, true]) {
      const expected = flip ? (scheme === 'light' ? 'dark' : 'light') : scheme;
      if (flip) await p.page.click('.theme-toggle');
      await p.page.waitForSelector(`html[data-theme=${expected}]`);
      const c: Record<string, string> = await p.page.evaluate(`(() => {
        const css = (sel, prop) => getComputedStyle(document.querySelector(sel))[prop];
        return { theme: document.documentElement.dataset.theme, bg: css('body', 'backgroundColor'),
          panel: css('.panel', 'backgroundColor'), text: css('.panel h2', 'color'),
          muted: css('.panel th', 'color'), bid: css('.ticker .bid', 'color'),
          ask: css('.ticker .ask', 'color') };
      })()`);
      const theme = c['theme'] as string;
      assert.equal(theme, expected);
      seen.add(`${theme}:${c['panel']}`);
      assert.ok(contrast(c['text']!, c['panel']!) >= 7, `${theme}: text ${JSON.stringify(c)}`);
      for (const k of ['muted', 'bid', 'ask']) {
        assert.ok(contrast(c[k]!, c['panel']!) >= 4.5, `${theme}: ${k} ${c[k]} on ${c['panel']}`);
      }
    }
    assertNoErrors(p);
    await p.context.close();
  }
  assert.equal(new Set([...seen].map((x) => x.split(':')[1])).size, 2, `two different themes: ${[...seen].join(' ')}`);
});
