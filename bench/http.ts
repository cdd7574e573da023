// bench:http — sustained create_order throughput and latency through the real
// server (persistence on) on SQLite and, when DATABASE_URL is set, on
// PostgreSQL, against a bare Fastify hello-world route measured in the same
// run. Each server runs as a child process; autocannon drives it over loopback.
//
//   npm run bench:http [-- --duration 8 --rounds 3 --connections 64 --only sqlite --cpu-prof DIR]
//
// --only NAME runs the targets whose name contains NAME; --cpu-prof DIR writes V8 CPU profiles of the
// server's threads (main and engine worker) into DIR.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { freePort } from '../test/support/net.js';

interface Options {
  duration: number;
  rounds: number;
  connections: number;
  users: number;
  only: string | null;
  cpuProf: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { duration: 8, rounds: 3, connections: 64, users: 200, only: null, cpuProf: null };
  for (let i = 0; i < argv.length; i += 2) {
    const v = Number(argv[i + 1]);
    if (argv[i] === '--only') o.only = argv[i + 1] ?? null;
    else if (argv[i] === '--cpu-prof') o.cpuProf = argv[i + 1] ?? null;
    else if (argv[i] === '--duration') o.duration = v;
    else if (argv[i] === '--rounds') o.rounds = v;
    else if (argv[i] === '--connections') o.connections = v;
    else if (argv[i] === '--users') o.users = v;
  }
  return o;
}

const ADMIN = 'bench-http-admin-token-0123456789';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never became ready`);
}

interface Target {
  name: string;
  base: string;
  child: ChildProcess;
  /** Authorization header per request index (empty for hello). */
  auth: string[];
  cleanup: () => Promise<void>;
}

/** Node flags for the servers (CPU profiles when asked). */
let serverFlags: string[] = [];

async function startHello(): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, [...serverFlags, 'dist/bench/hello-server.js', String(port)], {
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`${base}/api/v1/create_order`, { method: 'POST' });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { name: 'fastify hello-world', base, child, auth: [''], cleanup: async () => undefined };
}

async function startExchange(name: string, databaseUrl: string, users: number, cleanup: () => Promise<void>) {
  const port = await freePort();
  const env = {
    PATH: process.env['PATH'] ?? '',
    FILLSTREAM_PORT: String(port),
    FILLSTREAM_HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    FILLSTREAM_ADMIN_TOKEN: ADMIN,
    FILLSTREAM_TOKEN_SECRET: 'bench-http-token-secret-0123456789abcdef',
    FILLSTREAM_ENCRYPTION_KEY: 'b'.repeat(64),
    FILLSTREAM_LOG_LEVEL: 'warn',
    FILLSTREAM_RATE_ORDERS: '1000000',
    FILLSTREAM_RATE_QUERIES: '1000000',
    FILLSTREAM_QUEUE_CAPACITY: '100000',
  };
  const child = spawn(process.execPath, [...serverFlags, 'dist/src/cli/main.js', 'serve'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/readyz`, child);
  const admin = { 'content-type': 'application/json', 'x-admin-token': ADMIN };
  const auth: string[] = [];
  for (let i = 0; i < users; i++) {
    const u = (await (
      await fetch(`${base}/api/v1/admin/users`, { method: 'POST', headers: admin, body: '{}' })
    ).json()) as {
      data: { user_id: number; token: string };
    };
    for (const [asset, qty] of [
      ['BTC', '100000'],
      ['USDT', '10000000000'],
    ]) {
      await fetch(`${base}/api/v1/admin/deposit`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ user_id: u.data.user_id, asset, qty }),
      });
    }
    auth.push(`Bearer ${u.data.token}`);
  }
  return { name, base, child, auth, cleanup } satisfies Target;
}

/** Orders around a mid: alternating sides, a few ticks apart, so about half of them trade. */
function orderBody(i: number): string {
  const side = i % 2 === 0 ? 'BUY' : 'SELL';
  const ticks = (i * 7919) % 21;
  const price = side === 'BUY' ? 30000 - 10 + ticks : 30000 + 10 - ticks;
  return `{"symbol":"BTC_USDT","side":"${side}","order_type":"LIMIT","price":"${price}.00","qty":"0.0${1 + (i % 9)}"}`;
}

/** CPU time (µs) the server process has used so far: its main thread, and all its other threads. */
function serverCpu(pid: number): { main: number; other: number } {
  const tick = 1e6 / 100; // USER_HZ is 100 on Linux
  let main = 0;
  let other = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const us = (Number(f[11]) + Number(f[12])) * tick; // utime + stime
      if (Number(tid) === pid) main += us;
      else other += us;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { main, other };
}

/** Busy and total jiffies of the whole machine (all CPUs), from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] as number) - (f[4] as number), total }; // minus idle and iowait
}

interface Measure {
  rps: number;
  /** Machine CPU busy during the run, % of all CPUs (the load generator included). */
  machineBusy: number;
  /** Server CPU per successful request, µs: main thread, and the other threads (engine worker, I/O pool, GC). */
  cpuMain: number;
  cpuOther: number;
  p50: number;
  p99: number;
  p999: number;
  non2xx: number;
  errors: number;
}

async function load(t: Target, o: Options, rate?: number): Promise<Measure> {
  let i = 0;
  const cpu0 = serverCpu(t.child.pid as number);
  const m0 = machineCpu();
  const result = await autocannon({
    url: `${t.base}/api/v1/create_order`,
    connections: o.connections,
    duration: o.duration,
    ...(rate !== undefined ? { overallRate: rate } : {}),
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const n = i++;
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          const a = t.auth[n % t.auth.length] as string;
          if (a !== '') headers['authorization'] = a;
          return { ...req, method: 'POST', headers, body: orderBody(n) };
        },
      },
    ],
  });
  const cpu1 = serverCpu(t.child.pid as number);
  const m1 = machineCpu();
  const ok = Math.max(1, result['2xx']);
  return {
    rps: result['2xx'] / o.duration,
    machineBusy: (100 * (m1.busy - m0.busy)) / Math.max(1, m1.total - m0.total),
    cpuMain: (cpu1.main - cpu0.main) / ok,
    cpuOther: (cpu1.other - cpu0.other) / ok,
    p50: result.latency.p50,
    p99: result.latency.p99,
    p999: result.latency.p99_9,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function stop(t: Target): Promise<void> {
  const exited = new Promise((r) => t.child.once('exit', r));
  t.child.kill('SIGTERM');
  await exited;
  await t.cleanup();
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  console.log(`bench:http  ${o.rounds} rounds x ${o.duration} s, ${o.connections} connections, ${o.users} users`);
  const dir = mkdtempSync(join(tmpdir(), 'fs-bench-http-'));
  if (o.cpuProf !== null) serverFlags = ['--cpu-prof', `--cpu-prof-dir=${o.cpuProf}`];
  const targets: Array<{ name: string; make: () => Promise<Target> }> = [
    { name: 'fastify hello-world', make: startHello },
    {
      name: 'fillstream sqlite',
      make: () => startExchange('fillstream sqlite', `sqlite:${join(dir, 'bench.db')}`, o.users, async () => undefined),
    },
  ];
  const pgUrl = process.env['DATABASE_URL'];
  if (pgUrl !== undefined && pgUrl !== '') {
    targets.push({
      name: 'fillstream postgres',
      make: async () => {
        const db = `fs_bench_${process.pid}`;
        const admin = new pg.Client({ connectionString: pgUrl });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${db}`);
        await admin.end();
        const url = new URL(pgUrl);
        url.pathname = `/${db}`;
        return startExchange('fillstream postgres', url.toString(), o.users, async () => {
          const c = new pg.Client({ connectionString: pgUrl });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
          await c.end();
        });
      },
    });
  } else {
    console.log('PostgreSQL: skipped (set DATABASE_URL to include it)');
  }

  const rows: Array<{ name: string; max: Measure; half: Measure; health: number }> = [];
  for (const { name, make } of targets) {
    if (o.only !== null && !name.includes(o.only)) continue;
    const t = await make();
    try {
      const max: Measure[] = [];
      const half: Measure[] = [];
      const healthP99: number[] = [];
      for (let r = 0; r < o.rounds; r++) {
        // While create_order saturates the server, a single client polls /healthz: its latency shows
        // whether the gateway's event loop stays free (the core and the commits run in the worker).
        const probe = autocannon({ url: `${t.base}/healthz`, connections: 1, duration: o.duration, overallRate: 200 });
        const m = await load(t, o);
        const h = await probe;
        healthP99.push(h.latency.p99);
        console.log(
          `  ${t.name} round ${r + 1}: GET /healthz under load p50 ${h.latency.p50} ms, p99 ${h.latency.p99} ms`,
        );
        max.push(m);
        console.log(
          `  ${t.name} round ${r + 1}: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ` +
            `server CPU/request ${Math.round(m.cpuMain)} µs main + ${Math.round(m.cpuOther)} µs other threads, ` +
            `machine ${Math.round(m.machineBusy)}% busy` +
            (m.non2xx + m.errors > 0 ? `, ${m.non2xx} non-2xx, ${m.errors} errors` : ''),
        );
      }
      const rate = Math.max(1, Math.round(median(max.map((m) => m.rps)) / 2));
      for (let r = 0; r < o.rounds; r++) {
        const m = await load(t, o, rate);
        half.push(m);
        console.log(`  ${t.name} at ${rate}/s: p50 ${m.p50} ms, p99 ${m.p99} ms, p99.9 ${m.p999} ms`);
      }
      const med = (xs: Measure[]): Measure => {
        const keys = Object.keys(xs[0] as Measure) as Array<keyof Measure>;
        return Object.fromEntries(keys.map((k) => [k, median(xs.map((m) => m[k]))])) as unknown as Measure;
      };
      rows.push({ health: median(healthP99), name: t.name, max: med(max), half: med(half) });
    } finally {
      await stop(t);
    }
  }
  rmSync(dir, { recursive: true, force: true });

  const hello = rows.find((r) => r.name === 'fastify hello-world')?.max.rps ?? NaN;
  console.log(
    '\nmedians                 max req/s  vs hello   p50/p99 at max    p50/p99/p99.9 at half rate       /healthz p99 under load' +
      '   server CPU µs/request (main + other threads) at max',
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(22)} ${String(Math.round(r.max.rps)).padStart(10)}  ${(r.max.rps / hello).toFixed(2).padStart(7)}x` +
        `   ${r.max.p50}/${r.max.p99} ms`.padEnd(18) +
        `   ${r.half.p50}/${r.half.p99}/${r.half.p999} ms at ${Math.round(r.half.rps)}/s`.padEnd(34) +
        `${r.health} ms`.padEnd(26) +
        `${Math.round(r.max.cpuMain)} + ${Math.round(r.max.cpuOther)} = ${Math.round(r.max.cpuMain + r.max.cpuOther)}`,
    );
  }
}

await main();
