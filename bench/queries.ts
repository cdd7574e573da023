// bench:queries — does one user's heavy history slow everyone else? A server (child process) on a database holding
// one user with 500,000 orders (written with SQL before the server starts: test/support/heavy-user.ts), measured
// in rounds of two phases, in alternating order:
//  (a) baseline: a second user places create_order at a steady rate and /healthz is polled;
//  (b) the same, while the heavy user queries at its rate limit (GET /orders with status, symbol, time filters,
//      GET /trades, GET /events, GET /balances).
// It prints /healthz and create_order p50/p99 of both phases and their ratios (b / a), what the heavy user's
// queries got (they come from a client process of their own), and the server's and the machine's CPU per phase.
// SQLite always, PostgreSQL too when DATABASE_URL is set.
//
//   npm run bench:queries [-- --orders 500000 --seconds 10 --rounds 3 --query-rate 100 --order-rate 20 --only sqlite]

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../src/adapters/store/index.js';
import { issueToken } from '../src/auth/credentials.js';
import { HEAVY_USER, T0, USERS, heavyShape, heavyUserSql } from '../test/support/heavy-user.js';
import { freePort } from '../test/support/net.js';
import { exitOnHelp } from './help.js';
import { machineCpu, serverCpu } from './http-servers.js';

if (process.argv[2] !== '--heavy-child')
  exitOnHelp(`bench:queries: does one user's heavy history slow everyone else? A server child on a database with one user
holding --orders orders; rounds of two phases in alternating order: (a) a second user places create_order at
--order-rate and /healthz is polled at --health-rate; (b) the same while the heavy user queries at --query-rate.
Prints /healthz and create_order p50/p99 of both phases and their ratios (b / a), and CPU per phase.
SQLite always, PostgreSQL too when DATABASE_URL is set.

usage: npm run bench:queries [-- --orders 500000 --seconds 10 --rounds 3 --query-rate 100 --order-rate 20
                                 --health-rate 50 --only sqlite|postgres]
(--heavy-child is internal: the bench starts itself with it as the heavy user's client process.)
`);

interface Options {
  orders: number;
  seconds: number;
  rounds: number;
  queryRate: number;
  orderRate: number;
  healthRate: number;
  only: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    orders: 500_000,
    seconds: 10,
    rounds: 3,
    queryRate: 100,
    orderRate: 20,
    healthRate: 50,
    only: null,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const v = Number(argv[i + 1]);
    if (argv[i] === '--only') o.only = argv[i + 1] ?? null;
    else if (argv[i] === '--orders') o.orders = v;
    else if (argv[i] === '--seconds') o.seconds = v;
    else if (argv[i] === '--rounds') o.rounds = v;
    else if (argv[i] === '--query-rate') o.queryRate = v;
    else if (argv[i] === '--order-rate') o.orderRate = v;
    else if (argv[i] === '--health-rate') o.healthRate = v;
  }
  return o;
}

const SECRET = 'bench-queries-token-secret-0123456789abcdef';
/** A seeded user with funds (every seeded user has 10 BTC, 10 ETH and 10,000,000 USDT) and no orders. */
const TRADER = HEAVY_USER + USERS - 1;
const MAX_IN_FLIGHT = 64;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number);
};
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

interface Db {
  readonly name: string;
  readonly url: string;
  cleanup(): Promise<void>;
}

/** A migrated database with the heavy user's data written into it. */
async function prepare(kind: 'sqlite' | 'postgres', n: number): Promise<Db> {
  const t0 = performance.now();
  let db: Db;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'fs-bench-q-'));
    const path = join(dir, 'bench.db');
    await (await openStore(`sqlite:${path}`)).close();
    const c = new Database(path);
    for (const sql of heavyUserSql('sqlite', n)) c.exec(sql);
    c.close();
    db = { name: 'sqlite', url: `sqlite:${path}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  } else {
    const base = process.env['DATABASE_URL'] as string;
    const name = `fs_bench_q_${process.pid}`;
    const admin = async (sql: string) => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(sql).finally(() => c.end());
    };
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${name}`);
    const u = new URL(base);
    u.pathname = `/${name}`;
    await (await openStore(u.toString())).close();
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    for (const sql of heavyUserSql('pg', n)) await c.query(sql);
    // Vacuumed now, so that autovacuum does not walk the fresh million rows during the measured rounds.
    await c.query('VACUUM ANALYZE');
    await c.end();
    db = { name: 'postgres', url: u.toString(), cleanup: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
  }
  const s = heavyShape(n);
  console.log(
    `${kind}: ${s.orders} orders (${n} of user ${HEAVY_USER}), ${s.trades} trades, ${s.events} event rows, ` +
      `${USERS} users written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return db;
}

async function startServer(databaseUrl: string): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const env = {
    PATH: process.env['PATH'] ?? '',
    FILLSTREAM_PORT: String(port),
    FILLSTREAM_HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    FILLSTREAM_TOKEN_SECRET: SECRET,
    FILLSTREAM_ENCRYPTION_KEY: 'c'.repeat(64),
    FILLSTREAM_ADMIN_TOKEN: 'bench-queries-admin-token-0123456789',
    FILLSTREAM_LOG_LEVEL: 'warn',
    FILLSTREAM_RATE_ORDERS: '1000',
    // FILLSTREAM_RATE_QUERIES stays at its default (100/s): the heavy user queries at its limit.
  };
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (i > 1200) throw new Error('server never became ready');
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) break;
    } catch {
      // starting
    }
    await sleep(50);
  }
  return { child, base };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

interface Stream {
  readonly latencies: number[];
  /** Answers by HTTP status. */
  readonly statuses: Map<number, number>;
  /** Sends skipped because MAX_IN_FLIGHT were already waiting. */
  skipped: number;
}

/** Sends `next()` at `rate` per second, evenly, for `seconds`; records each answer's latency and status. */
async function paced(rate: number, seconds: number, next: (i: number) => Promise<Response>): Promise<Stream> {
  const s: Stream = { latencies: [], statuses: new Map(), skipped: 0 };
  const t0 = performance.now();
  const total = Math.round(rate * seconds);
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight.size >= MAX_IN_FLIGHT) {
      s.skipped++;
      continue;
    }
    const sent = performance.now();
    const p: Promise<void> = next(i)
      .then(async (r) => {
        await r.arrayBuffer();
        s.latencies.push(performance.now() - sent);
        s.statuses.set(r.status, (s.statuses.get(r.status) ?? 0) + 1);
      })
      .catch(() => {
        s.statuses.set(0, (s.statuses.get(0) ?? 0) + 1);
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  return s;
}

/** The heavy user's query mix: the issue's status filter first and most, then the other shapes. */
function heavyQueries(n: number): string[] {
  const { orders, events } = heavyShape(n);
  const mid = T0 + 10 * Math.floor(orders / 2);
  return [
    '/api/v1/orders?status=FILLED',
    '/api/v1/orders?status=EXPIRED',
    '/api/v1/orders?symbol=ETH_USDT',
    '/api/v1/orders?status=CANCELED&symbol=ETH_USDT',
    '/api/v1/orders?status=REJECTED',
    `/api/v1/orders?start_time=${mid}&end_time=${mid + 20_000}`,
    '/api/v1/orders?limit=1000',
    '/api/v1/trades',
    '/api/v1/trades?symbol=ETH_USDT',
    `/api/v1/trades?start_time=${mid}&limit=1000`,
    `/api/v1/events?after=${Math.floor(events / 2)}&limit=1000`,
    '/api/v1/balances',
  ];
}

/**
 * The heavy user's load comes from a process of its own, so that reading its large answers does not delay this
 * process's clock readings of the /healthz and create_order answers.
 */
function heavyChild(base: string, token: string, o: Options): Promise<Stream> {
  const args = ['--heavy-child', base, token, String(o.orders), String(o.queryRate), String(o.seconds)];
  const child = spawn(process.execPath, [process.argv[1] as string, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`heavy client exited with ${code}`));
      const r = JSON.parse(out) as { latencies: number[]; statuses: [number, number][]; skipped: number };
      resolve({ latencies: r.latencies, statuses: new Map(r.statuses), skipped: r.skipped });
    }),
  );
}

/** The heavy client process: paced queries of the mix, then its figures as JSON on stdout. */
async function heavyClientMain(argv: string[]): Promise<void> {
  const [base, token, orders, rate, seconds] = argv;
  const queries = heavyQueries(Number(orders));
  const s = await paced(Number(rate), Number(seconds), (i) =>
    fetch(`${base}${queries[i % queries.length]}`, { headers: { authorization: `Bearer ${token}` } }),
  );
  process.stdout.write(JSON.stringify({ latencies: s.latencies, statuses: [...s.statuses], skipped: s.skipped }));
}

interface Phase {
  readonly health: Stream;
  readonly create: Stream;
  readonly queries: Stream | null;
  /** Server CPU over the phase, % of one core: its main (gateway) thread, and all its other threads. */
  readonly cpuMain: number;
  readonly cpuOther: number;
  /** The whole machine's busy time, % of all its CPUs. */
  readonly machine: number;
}

async function phase(
  server: { base: string; pid: number },
  o: Options,
  heavy: boolean,
  tokens: { heavy: string; trader: string },
): Promise<Phase> {
  const base = server.base;
  const order = (i: number) =>
    JSON.stringify({
      symbol: 'BTC_USDT',
      side: 'BUY',
      order_type: 'LIMIT',
      price: `${1000 + (i % 50)}.00`,
      qty: '0.001',
    });
  const cpu0 = serverCpu(server.pid);
  const m0 = machineCpu();
  const t0 = performance.now();
  const [health, create, q] = await Promise.all([
    paced(o.healthRate, o.seconds, () => fetch(`${base}/healthz`)),
    paced(o.orderRate, o.seconds, (i) =>
      fetch(`${base}/api/v1/create_order`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.trader}` },
        body: order(i),
      }),
    ),
    heavy ? heavyChild(base, tokens.heavy, o) : Promise.resolve(null),
  ]);
  const wall = (performance.now() - t0) * 1000; // µs
  const cpu1 = serverCpu(server.pid);
  const m1 = machineCpu();
  return {
    health,
    create,
    queries: q,
    cpuMain: (100 * (cpu1.main - cpu0.main)) / wall,
    cpuOther: (100 * (cpu1.other - cpu0.other)) / wall,
    machine: (100 * (m1.busy - m0.busy)) / (m1.total - m0.total),
  };
}

const ms = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(1));
const statuses = (s: Stream) =>
  [...s.statuses]
    .sort((a, b) => a[0] - b[0])
    .map(([k, v]) => `${k === 0 ? 'failed' : k}: ${v}`)
    .join(', ') + (s.skipped > 0 ? `, skipped: ${s.skipped}` : '');

async function run(kind: 'sqlite' | 'postgres', o: Options): Promise<void> {
  const db = await prepare(kind, o.orders);
  const { child, base } = await startServer(db.url);
  const server = { base, pid: child.pid as number };
  try {
    const now = Date.now();
    const tokens = {
      heavy: (await issueToken(HEAVY_USER, 3600, SECRET, now)).token,
      trader: (await issueToken(TRADER, 3600, SECRET, now)).token,
    };
    // Warm-up (caches, JIT), not reported.
    await phase(server, { ...o, seconds: Math.min(3, o.seconds) }, true, tokens);
    const rows: Array<{ a: Phase; b: Phase }> = [];
    for (let r = 0; r < o.rounds; r++) {
      // Alternating order, so that a drift of the shared machine hits both phases alike.
      let a: Phase;
      let b: Phase;
      if (r % 2 === 0) {
        a = await phase(server, o, false, tokens);
        b = await phase(server, o, true, tokens);
      } else {
        b = await phase(server, o, true, tokens);
        a = await phase(server, o, false, tokens);
      }
      rows.push({ a, b });
      const q = b.queries as Stream;
      console.log(
        `${kind} round ${r + 1}: /healthz p50/p99 ${ms(pct(a.health.latencies, 50))}/${ms(pct(a.health.latencies, 99))} ` +
          `-> ${ms(pct(b.health.latencies, 50))}/${ms(pct(b.health.latencies, 99))} ms; create_order ` +
          `${ms(pct(a.create.latencies, 50))}/${ms(pct(a.create.latencies, 99))} -> ` +
          `${ms(pct(b.create.latencies, 50))}/${ms(pct(b.create.latencies, 99))} ms; heavy queries ` +
          `${(q.latencies.length / o.seconds).toFixed(0)}/s p50/p99 ${ms(pct(q.latencies, 50))}/${ms(pct(q.latencies, 99))} ms ` +
          `(${statuses(q)}); orders (${statuses(b.create)}); server CPU main/other ` +
          `${a.cpuMain.toFixed(0)}/${a.cpuOther.toFixed(0)}% -> ${b.cpuMain.toFixed(0)}/${b.cpuOther.toFixed(0)}%, ` +
          `machine ${a.machine.toFixed(0)}% -> ${b.machine.toFixed(0)}%`,
      );
    }
    const m = (f: (x: { a: Phase; b: Phase }) => number) => median(rows.map(f));
    const line = (what: string, get: (p: Phase) => Stream, p: number) => {
      const a = m((x) => pct(get(x.a).latencies, p));
      const b = m((x) => pct(get(x.b).latencies, p));
      const ratios = rows.map((x) => pct(get(x.b).latencies, p) / pct(get(x.a).latencies, p));
      console.log(
        `  ${what.padEnd(22)} ${ms(a).padStart(7)} ms ${ms(b).padStart(7)} ms   ${(b / a).toFixed(2)}x ` +
          `(rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')})`,
      );
    };
    console.log(
      `\n${kind}: medians of ${o.rounds} rounds of ${o.seconds} s — (a) without, (b) with the heavy user at ` +
        `${o.queryRate} queries/s; create_order at ${o.orderRate}/s, /healthz at ${o.healthRate}/s`,
    );
    console.log(`  ${''.padEnd(22)} ${'(a)'.padStart(10)} ${'(b)'.padStart(10)}   b/a`);
    line('/healthz p50', (p) => p.health, 50);
    line('/healthz p99', (p) => p.health, 99);
    line('create_order p50', (p) => p.create, 50);
    line('create_order p99', (p) => p.create, 99);
    const q = (x: { b: Phase }) => x.b.queries as Stream;
    console.log(
      `  heavy user's queries: ${m((x) => q(x).latencies.length / o.seconds).toFixed(0)}/s answered, ` +
        `p50 ${ms(m((x) => pct(q(x).latencies, 50)))} ms, p99 ${ms(m((x) => pct(q(x).latencies, 99)))} ms\n`,
    );
  } finally {
    await stop(child);
    await db.cleanup();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const kinds: Array<'sqlite' | 'postgres'> = ['sqlite'];
  if (process.env['DATABASE_URL']) kinds.push('postgres');
  else console.log('PostgreSQL: skipped (set DATABASE_URL to include it)');
  for (const k of kinds) if (o.only === null || k.includes(o.only)) await run(k, o);
}

if (process.argv[2] === '--heavy-child') await heavyClientMain(process.argv.slice(3));
else await main();
