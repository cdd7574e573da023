// Browser harness of the console tests: Debian's Chromium driven by playwright-core (never a downloaded browser),
// one page per user with every console error and uncaught page error recorded, and the page actions a person does
// (sign in with an API key and secret, fill the order form). Tables are read from the DOM as rendered.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import type { TestUser } from '../http/harness.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Chromium's path: $CHROMIUM_PATH, else Debian's; null when there is none (the tests then skip, visibly). */
export function chromiumPath(): string | null {
  const given = process.env['CHROMIUM_PATH'];
  if (given !== undefined && given !== '') return given;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export const CHROMIUM = chromiumPath();
export const SKIP = CHROMIUM === null ? 'SKIPPED (needs chromium: apt-get install chromium)' : false;
if (CHROMIUM === null) console.log('console browser tests SKIPPED (needs chromium: apt-get install chromium)');

/** Where the test run writes its screenshots ($CONSOLE_SCREENSHOTS, else a folder in the temp dir). */
export function screenshotDir(): string {
  const dir = process.env['CONSOLE_SCREENSHOTS'] ?? join(tmpdir(), 'fillstream-console-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM as string,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

export interface ConsolePage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console errors and uncaught exceptions of the page so far. */
  readonly errors: string[];
}

export async function openConsole(
  browser: Browser,
  url: string,
  opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.goto(url);
  return { page, context, errors };
}

export function assertNoErrors(p: ConsolePage): void {
  assert.deepEqual(p.errors, [], `the page logged errors:\n${p.errors.join('\n')}`);
}

/** Signs in on the account view with the user's API key and secret; waits for the private stream. */
export async function signIn(p: ConsolePage, user: TestUser): Promise<void> {
  const { page } = p;
  await page.click('nav >> text=Account');
  await page.fill('input[name=api_key]', user.apiKey);
  await page.fill('input[name=api_secret]', user.apiSecret);
  await page.click('[data-testid=sign-in-form] button[type=submit]');
  await page.waitForSelector('[data-testid=connection-state]:text("connected")');
}

export interface OrderInput {
  side: 'BUY' | 'SELL';
  type?: 'LIMIT' | 'MARKET';
  tif?: 'GTC' | 'IOC' | 'FOK' | 'POST_ONLY';
  price?: string;
  amount: string;
  by?: 'qty' | 'quote_qty';
}

/** Fills and submits the order form; answers what the page shows as the result (after it changed). */
export async function submitOrder(p: ConsolePage, o: OrderInput): Promise<string> {
  const { page } = p;
  const before = await resultText(page);
  await page.check(`input[name=side][value=${o.side}]`);
  await page.selectOption('select[name=order_type]', o.type ?? 'LIMIT');
  if ((o.type ?? 'LIMIT') === 'LIMIT') {
    await page.selectOption('select[name=time_in_force]', o.tif ?? 'GTC');
    await page.fill('input[name=price]', o.price ?? '');
  } else {
    await page.selectOption('select[name=amount_by]', o.by ?? 'qty');
  }
  await page.fill('input[name=amount]', o.amount);
  await page.click('[data-testid=order-form] button[type=submit]');
  return waitForResultChange(page, before);
}

export async function resultText(page: Page): Promise<string | null> {
  const el = await page.$('[data-testid=order-result]');
  return el === null ? null : el.textContent();
}

/** The order form's result once it differs from `before` (a new answer, even if the same text: see the id). */
export async function waitForResultChange(page: Page, before: string | null): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await resultText(page);
    if (now !== null && now !== before) return now;
    if (Date.now() > deadline) assert.fail(`no new order result (still ${JSON.stringify(before)})`);
    await page.waitForTimeout(50);
  }
}

export const orderIdOf = (result: string): number => {
  const m = /^order (\d+) accepted$/.exec(result);
  assert.ok(m !== null, `not an accepted order: ${result}`);
  return Number(m[1]);
};

export interface PageBalance {
  asset: string;
  avail: string;
  frozen: string;
  total: string;
}

export function pageBalances(page: Page): Promise<PageBalance[]> {
  return page.evaluate(`[...document.querySelectorAll('[data-testid=balances] tbody tr')].map((tr) => ({
    asset: tr.dataset.asset,
    avail: tr.querySelector('[data-field=avail]').textContent,
    frozen: tr.querySelector('[data-field=frozen]').textContent,
    total: tr.querySelector('[data-field=total]').textContent,
  }))`);
}

export interface PageEvent {
  seq: number;
  type: string;
  text: string;
}

/** The live event log, oldest first. */
export async function pageEvents(page: Page): Promise<PageEvent[]> {
  const rows: PageEvent[] = await page.evaluate(`[...document.querySelectorAll('[data-testid=event-log] li')].map(
    (li) => ({ seq: Number(li.dataset.seq), type: li.dataset.type, text: li.textContent }))`);
  return rows.reverse();
}

/** Rows of a table as [data-* attribute values] (e.g. the fills' order ids). */
export function rowAttributes(page: Page, table: string, attr: string): Promise<string[]> {
  return page.evaluate(
    `[...document.querySelectorAll('[data-testid=${table}] tbody tr')].map((tr) => tr.getAttribute('${attr}'))`,
  );
}

/** Polls `f` until it answers true (or fails with `what` after `ms`). */
export async function eventually(what: string, f: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > deadline) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
