// `fillstream serve --demo` as a user runs it: a real child process of the CLI on a fresh database (SQLite, and
// PostgreSQL when DATABASE_URL is set), read only through its stdout, the public API and the CLI. Within seconds both
// sides of every book have levels and trades keep coming; the bots' orders are in GET /orders of the bot users and
// arrived as create_order requests; the demo user printed can sign in and is funded; no secret reaches the logs. A
// restart on the same database keeps the same demo users and the bots resume; the same database served without
// --demo trades nothing over the same time. Afterwards the database holds conservation (every asset's balances sum
// to the journal's deposits) and frozen = the open orders' locks.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/adapters/store/index.js';
import { big } from '../../src/core/int64.js';
import { decodeCommand } from '../../src/pipeline/journal.js';
import { DEFAULT_MARKET_INPUT, loadConfig, marketIndex } from '../../src/config.js';
import { signRequest } from '../../src/auth/credentials.js';
import { type StoreKind, createDatabase, postgresUrl, sleep } from '../http/harness.js';
import { freePort } from '../support/net.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = promisify(execFile);
const SYMBOLS = DEFAULT_MARKET_INPUT.symbols.map((s) => s.name);
/** How long the demo may take to show a two-sided book and trades on a busy 2-core machine; not a speed figure. */
const DEADLINE_MS = 30_000;
/** The span over which trades must grow with --demo, and must not without it. */
const SPAN_MS = 4_000;

interface Served {
  readonly child: ChildProcess;
  readonly base: string;
  out: string;
}

/** Servers not stopped yet: a failing test kills them, so that none outlives it. */
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

async function serve(cwd: string, env: Record<string, string>, demo: boolean): Promise<Served> {
  const args = [MAIN, 'serve', ...(demo ? ['--demo'] : [])];
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const s: Served = { child, base: `http://127.0.0.1:${env['FILLSTREAM_PORT']}`, out: '' };
  child.stdout?.on('data', (d: Buffer) => (s.out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (s.out += d.toString()));
  const t0 = Date.now();
  const ready = demo ? /^ {2}a new token: /m : /^ {2}try: /m;
  while (!ready.test(s.out)) {
    if (child.exitCode !== null) assert.fail(`serve exited with ${child.exitCode}:\n${s.out}`);
    if (Date.now() - t0 > DEADLINE_MS) assert.fail(`no banner after ${DEADLINE_MS} ms:\n${s.out}`);
    await sleep(50);
  }
  return s;
}

async function stop(s: Served): Promise<void> {
  const exited = new Promise<number | null>((r) => s.child.once('exit', (code) => r(code)));
  s.child.kill('SIGTERM');
  assert.equal(await exited, 0, `graceful shutdown exits 0:\n${s.out.slice(-2000)}`);
}

async function get<T>(base: string, path: string, token?: string): Promise<T> {
  const r = await fetch(base + path, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  const body = (await r.json()) as { code: number; msg: string; data: T };
  assert.equal(body.code, 0, `${path}: ${body.msg}`);
  return body.data;
}

type Depth = { bids: unknown[]; asks: unknown[] };
const tradesOf = async (base: string, symbol: string) =>
  (await get<{ trades: Array<{ trade_id: number }> }>(base, `/api/v1/market/trades?symbol=${symbol}&limit=1000`)).trades
    .length;
const depthOf = (base: string, symbol: string) => get<Depth>(base, `/api/v1/depth?symbol=${symbol}&levels=50`);

/** The banner's demo block: the human user and the bots. */
function demoBanner(out: string) {
  const field = (name: string) => new RegExp(`^ {2}${name} +(\\S+)$`, 'm').exec(out)?.[1] as string;
  const bots = [...out.matchAll(/^ {2}(maker|taker) +([A-Z_]+) +user (\d+)$/gm)].map((m) => ({
    role: m[1] as string,
    symbol: m[2] as string,
    userId: Number(m[3]),
  }));
  return {
    userId: Number(field('user_id')),
    apiKey: field('api_key'),
    apiSecret: field('api_secret'),
    token: field('token'),
    bots,
  };
}

/** create_order requests the server answered, from its Prometheus counter. */
async function createOrderRequests(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^fillstream_http_requests_total\{([^}]*)\} (\d+)$/gm)) {
    if ((m[1] as string).includes('route="/api/v1/create_order"')) n += Number(m[2]);
  }
  return n;
}

function demoTest(kind: StoreKind): void {
  test(
    `serve --demo (${kind}): a live market within seconds, same demo users after a restart, none without --demo`,
    {
      timeout: 240_000,
    },
    async () => {
      const db = await createDatabase(kind);
      // The data directory (secrets.json, demo-users.json) is the SQLite file's folder, else ./data of the cwd.
      const cwd = mkdtempSync(join(tmpdir(), 'fs-demo-cwd-'));
      const dataDir = kind === 'sqlite' ? dirname(db.url.slice('sqlite:'.length)) : join(cwd, 'data');
      const env = {
        PATH: process.env['PATH'] ?? '',
        FILLSTREAM_PORT: String(await freePort()),
        FILLSTREAM_HOST: '127.0.0.1',
        DATABASE_URL: db.url,
        FILLSTREAM_LOG_LEVEL: 'info',
      };
      // Asynchronous on purpose: a synchronous spawn stalls this process's event loop for seconds on a loaded
      // machine, so the server's idle keep-alive close goes unseen and the next fetch reuses a closed socket.
      const token = async (userId: number): Promise<string> => {
        const r = await run(process.execPath, [MAIN, 'token', '--user', String(userId)], {
          cwd,
          env,
          encoding: 'utf8',
        });
        return r.stdout.trim();
      };
      try {
        // ---- first start: a live market ----
        const a = await serve(cwd, env, true);
        const first = demoBanner(a.out);
        assert.match(a.out, new RegExp(`^ {2}console: +${a.base}/$`, 'm'));
        assert.match(a.out, new RegExp(`^ {2}docs: +${a.base}/docs$`, 'm'));
        assert.ok(first.userId > 0 && first.apiKey.startsWith('ak_') && first.apiSecret.length >= 32, a.out);
        assert.deepEqual(
          first.bots.map((b) => `${b.role} ${b.symbol}`).sort(),
          SYMBOLS.flatMap((s) => [`maker ${s}`, `taker ${s}`]).sort(),
        );
        const t0 = Date.now();
        for (;;) {
          const books = await Promise.all(SYMBOLS.map((s) => depthOf(a.base, s)));
          const trades = await Promise.all(SYMBOLS.map((s) => tradesOf(a.base, s)));
          if (books.every((b) => b.bids.length >= 2 && b.asks.length >= 2) && trades.every((n) => n >= 2)) break;
          assert.ok(
            Date.now() - t0 < DEADLINE_MS,
            `no two-sided books and trades yet: ${JSON.stringify({ books, trades })}`,
          );
          await sleep(200);
        }
        const before = await Promise.all(SYMBOLS.map((s) => tradesOf(a.base, s)));
        await sleep(SPAN_MS);
        const after = await Promise.all(SYMBOLS.map((s) => tradesOf(a.base, s)));
        for (const [i, s] of SYMBOLS.entries()) {
          assert.ok((after[i] as number) > (before[i] as number), `${s}: trades grow (${before[i]} -> ${after[i]})`);
        }

        // The bots' orders are theirs (GET /orders as each bot, with a token from the CLI) and came as create_order.
        let botOrders = 0;
        for (const b of first.bots) {
          const { orders } = await get<{ orders: Array<{ symbol: string; order_type: string }> }>(
            a.base,
            '/api/v1/orders?limit=1000',
            await token(b.userId),
          );
          assert.ok(orders.length > 0, `bot ${b.role} ${b.symbol} has orders`);
          assert.ok(orders.every((o) => o.symbol === b.symbol));
          assert.ok(orders.every((o) => o.order_type === (b.role === 'maker' ? 'LIMIT' : 'MARKET')));
          botOrders += orders.length;
        }
        assert.ok(
          (await createOrderRequests(a.base)) >= botOrders,
          'every bot order arrived as a create_order request',
        );

        // The demo user signs in with the printed credentials and is funded.
        const balances = await get<{ balances: Array<{ asset: string; total: string }> }>(
          a.base,
          '/api/v1/balances',
          first.token,
        );
        assert.deepEqual(balances.balances.map((b) => b.asset).sort(), ['BTC', 'ETH', 'USDT']);
        assert.ok(balances.balances.every((b) => Number(b.total) > 0));
        const ts = String(Date.now());
        const signed = await fetch(`${a.base}/api/v1/auth/token`, {
          method: 'POST',
          headers: {
            'x-api-key': first.apiKey,
            'x-timestamp': ts,
            'x-signature': signRequest(first.apiSecret, ts, 'POST', '/api/v1/auth/token', ''),
          },
        });
        assert.equal(signed.status, 200);
        assert.equal(statSync(join(dataDir, 'demo-users.json')).mode & 0o777, 0o600);
        await stop(a);
        const logs = a.out.split('\n').filter((l) => l.startsWith('{'));
        assert.ok(logs.length > 0, 'the server logged (info)');
        for (const l of logs) {
          assert.ok(!l.includes(first.apiSecret) && !l.includes(first.token), `a secret in a log line: ${l}`);
        }

        // ---- restart on the same database: the same demo users, and the bots resume ----
        const b = await serve(cwd, env, true);
        const second = demoBanner(b.out);
        assert.equal(second.userId, first.userId);
        assert.equal(second.apiKey, first.apiKey);
        assert.equal(second.apiSecret, first.apiSecret);
        assert.deepEqual(second.bots, first.bots);
        const resumed = await Promise.all(SYMBOLS.map((s) => tradesOf(b.base, s)));
        const t1 = Date.now();
        while (
          (await Promise.all(SYMBOLS.map((s) => tradesOf(b.base, s)))).some((n, i) => n <= (resumed[i] as number))
        ) {
          assert.ok(Date.now() - t1 < DEADLINE_MS, 'the bots trade again after a restart');
          await sleep(200);
        }
        await stop(b);

        // ---- the same database without --demo: nothing trades by itself ----
        const c = await serve(cwd, env, false);
        const books = await Promise.all(SYMBOLS.map((s) => depthOf(c.base, s)));
        const trades = await Promise.all(SYMBOLS.map((s) => tradesOf(c.base, s)));
        const requests = await createOrderRequests(c.base);
        await sleep(SPAN_MS);
        assert.deepEqual(await Promise.all(SYMBOLS.map((s) => tradesOf(c.base, s))), trades);
        assert.deepEqual(
          await Promise.all(SYMBOLS.map((s) => depthOf(c.base, s))),
          books,
          'the books stay as they were',
        );
        assert.equal(await createOrderRequests(c.base), requests);
        assert.equal(requests, 0);
        assert.doesNotMatch(c.out, /api_secret|demo market/);
        await stop(c);

        // ---- the database: no new users, conservation, frozen = locks ----
        await checkDatabase(db.url, Math.max(first.userId, ...first.bots.map((x) => x.userId)));
      } finally {
        await db.drop();
        rmSync(cwd, { recursive: true, force: true });
      }
    },
  );
}

async function checkDatabase(url: string, lastDemoUser: number): Promise<void> {
  const market = marketIndex(loadConfig({}));
  const store = await openStore(url);
  try {
    const st = await store.recover();
    assert.equal(st.lastUserId, lastDemoUser, 'no user was created after the first start');
    const deposited = new Map<number, bigint>();
    for (let after = 0; ;) {
      const page = await store.readJournal(after, 1000);
      if (page.length === 0) break;
      for (const e of page) {
        const cmd = decodeCommand(e.command);
        if (cmd.type === 'deposit' || cmd.type === 'withdraw') {
          const sign = cmd.type === 'deposit' ? 1n : -1n;
          deposited.set(cmd.assetId, (deposited.get(cmd.assetId) ?? 0n) + sign * big(cmd.amount));
        }
      }
      after = (page[page.length - 1] as { seq: number }).seq;
    }
    for (const a of market.assets) {
      const sum = st.balances.filter((b) => b.assetId === a.id).reduce((t, b) => t + big(b.avail) + big(b.frozen), 0n);
      assert.ok(sum > 0n, `${a.name} was deposited`);
      assert.equal(sum, deposited.get(a.id) ?? 0n, `conservation of ${a.name}`);
    }
    const locks = new Map<string, bigint>();
    for (const o of st.openOrders) {
      const sym = market.symbol(o.symbolId);
      const asset = o.side === 'BUY' ? market.quoteOf(sym).id : market.baseOf(sym).id;
      locks.set(`${o.userId}:${asset}`, (locks.get(`${o.userId}:${asset}`) ?? 0n) + big(o.lock));
    }
    assert.ok(st.openOrders.length > 0, 'the makers left their ladders resting');
    for (const b of st.balances) {
      assert.ok(big(b.avail) >= 0n && big(b.frozen) >= 0n, `nothing negative: ${JSON.stringify(b)}`);
      assert.equal(
        big(b.frozen),
        locks.get(`${b.userId}:${b.assetId}`) ?? 0n,
        `frozen = locks of ${b.userId}:${b.assetId}`,
      );
    }
  } finally {
    await store.close();
  }
}

demoTest('sqlite');
if (postgresUrl() === undefined) {
  console.log('serve --demo postgres test SKIPPED (needs DATABASE_URL)');
  test('serve --demo (postgres)', { skip: 'SKIPPED (needs DATABASE_URL)' }, () => {});
} else {
  demoTest('postgres');
}
