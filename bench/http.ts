// bench:http — sustained create_order throughput and latency through the real
// server (persistence on) on SQLite and, when DATABASE_URL is set, on
// PostgreSQL, against a bare Fastify hello-world route measured in the same
// run. Each server runs as a child process; each store is measured in rounds
// that alternate with hello-world's, so that a drift of the shared machine
// hits both sides of the ratio alike. wrk drives them over loopback
// (autocannon when wrk is not installed, or with --client autocannon).
//
//   npm run bench:http [-- --duration 8 --rounds 3 --connections 64 --only sqlite --cpu-prof DIR --client wrk]
//
// --only NAME runs the stores whose name contains NAME (hello-world always runs, for the ratio);
// --cpu-prof DIR writes V8 CPU profiles of the servers' threads (main and engine worker) into DIR.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import {
  machineCpu,
  metricsText,
  quantiles,
  serverCpu,
  setServerFlags,
  startExchange,
  startHello,
  stop,
  type Target,
} from './http-servers.js';
import { orderBody, runWrk, wrkAvailable, writeWrkScript } from './wrk.js';
import { exitOnHelp } from './help.js';

exitOnHelp(`bench:http: create_order throughput and latency of the real server on SQLite (and PostgreSQL when DATABASE_URL is
set) against a bare Fastify hello-world measured in alternating rounds; servers run as child processes.

usage: npm run bench:http [-- --duration 8 --rounds 3 --connections 64 --only sqlite --cpu-prof DIR --client wrk]
  --duration S      seconds per measured round (default 8)
  --rounds N        alternating rounds per store (default 3)
  --connections N   client connections (default 64)
  --users N         funded users the orders come from (default 200)
  --only NAME       run only the stores whose name contains NAME (hello-world always runs)
  --cpu-prof DIR    write V8 CPU profiles of the servers' threads into DIR
  --client NAME     wrk (default when installed) or autocannon`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;

interface Options {
  duration: number;
  rounds: number;
  connections: number;
  users: number;
  only: string | null;
  cpuProf: string | null;
  client: 'wrk' | 'autocannon';
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    duration: 8,
    rounds: 3,
    connections: 64,
    users: 200,
    only: null,
    cpuProf: null,
    client: wrkAvailable() ? 'wrk' : 'autocannon',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const v = Number(argv[i + 1]);
    if (argv[i] === '--only') o.only = argv[i + 1] ?? null;
    else if (argv[i] === '--client') {
      if (argv[i + 1] !== 'wrk' && argv[i + 1] !== 'autocannon') throw new Error('--client is wrk or autocannon');
      o.client = argv[i + 1] as Options['client'];
    } else if (argv[i] === '--cpu-prof') o.cpuProf = argv[i + 1] ?? null;
    else if (argv[i] === '--duration') o.duration = v;
    else if (argv[i] === '--rounds') o.rounds = v;
    else if (argv[i] === '--connections') o.connections = v;
    else if (argv[i] === '--users') o.users = v;
  }
  return o;
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

interface Driven {
  ok: number;
  seconds: number;
  p50: number;
  p99: number;
  p999: number;
  non2xx: number;
  errors: number;
}

/** Drives create_order on `t` for o.duration seconds, as fast as it answers or at `rate` per second. */
async function drive(t: Target, o: Options, dir: string, rate?: number): Promise<Driven> {
  if (o.client === 'wrk') {
    const name = t.name.replace(/[^a-z]+/g, '-');
    const script = writeWrkScript(dir, name, '/api/v1/create_order', t.auth, rate ?? 0);
    const r = await runWrk(t.base, script, o.connections, o.duration);
    return { ...r, ok: r.requests - r.non2xx };
  }
  let i = 0;
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
  return {
    ok: result['2xx'],
    seconds: o.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    p999: result.latency.p99_9,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function load(t: Target, o: Options, dir: string, rate?: number): Promise<Measure> {
  const cpu0 = serverCpu(t.child.pid as number);
  const m0 = machineCpu();
  const r = await drive(t, o, dir, rate);
  const cpu1 = serverCpu(t.child.pid as number);
  const m1 = machineCpu();
  const ok = Math.max(1, r.ok);
  return {
    rps: r.ok / r.seconds,
    machineBusy: (100 * (m1.busy - m0.busy)) / Math.max(1, m1.total - m0.total),
    cpuMain: (cpu1.main - cpu0.main) / ok,
    cpuOther: (cpu1.other - cpu0.other) / ok,
    p50: r.p50,
    p99: r.p99,
    p999: r.p999,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  console.log(
    `bench:http  ${o.rounds} rounds x ${o.duration} s, ${o.connections} connections, ${o.users} users, client ${o.client}`,
  );
  if (o.client === 'autocannon' && !wrkAvailable()) {
    console.log('  (wrk not found: using autocannon, which takes much more of the machine; apt-get install wrk)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'fs-bench-http-'));
  if (o.cpuProf !== null) setServerFlags(['--cpu-prof', `--cpu-prof-dir=${o.cpuProf}`]);
  const targets: Array<{ name: string; make: () => Promise<Target> }> = [
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

  // One store at a time (PostgreSQL's background writes after its own load would slow the SQLite commits'
  // disk syncs), each measured in rounds that alternate with the hello-world server, which stays up throughout:
  // a drift of the shared machine then hits both sides of the ratio alike.
  const hello = await startHello();
  const rows: Row[] = [];
  try {
    for (const { name, make } of targets) {
      if (o.only !== null && !name.includes(o.only)) continue;
      const t = await make();
      try {
        rows.push(...(await measurePair(hello, t, o, dir)));
      } finally {
        await stop(t);
      }
    }
  } finally {
    await stop(hello);
  }
  report(rows, o);
  rmSync(dir, { recursive: true, force: true });
}

interface Row {
  name: string;
  /** The hello-world figure measured in the same alternating rounds (the ratio's baseline). */
  baseline: number;
  max: Measure;
  half: Measure;
  health: number;
}

/** Alternating rounds on hello-world and `t`: saturation first, then both at half of `t`'s median rate. */
async function measurePair(hello: Target, t: Target, o: Options, dir: string): Promise<Row[]> {
  const pair = [hello, t];
  const max = new Map<Target, Measure[]>(pair.map((x) => [x, []]));
  const half = new Map<Target, Measure[]>(pair.map((x) => [x, []]));
  const health = new Map<Target, number[]>(pair.map((x) => [x, []]));
  for (const x of pair) await load(x, { ...o, duration: Math.min(3, o.duration) }, dir); // warm-up, not reported
  for (let r = 0; r < o.rounds; r++) {
    for (const x of pair) {
      // While create_order saturates the server, a single client polls /healthz: its latency shows
      // whether the gateway's event loop stays free (the core and the commits run in the worker).
      const probe = autocannon({ url: `${x.base}/healthz`, connections: 1, duration: o.duration, overallRate: 200 });
      const m = await load(x, o, dir);
      const h = await probe;
      health.get(x)?.push(h.latency.p99);
      max.get(x)?.push(m);
      console.log(
        `  ${x.name} round ${r + 1}: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ` +
          `server CPU/request ${Math.round(m.cpuMain)} µs main + ${Math.round(m.cpuOther)} µs other threads, ` +
          `machine ${Math.round(m.machineBusy)}% busy; GET /healthz meanwhile p50 ${h.latency.p50} ms, p99 ${h.latency.p99} ms` +
          (m.non2xx + m.errors > 0 ? `; ${m.non2xx} non-2xx, ${m.errors} errors` : ''),
      );
    }
  }
  // The latency target is at half the store's rate; hello-world runs at that same rate, so the two p99s
  // compare what each server adds over the machine and the load generator at equal load.
  const rate = Math.max(1, Math.round(median((max.get(t) ?? []).map((m) => m.rps)) / 2));
  const before = await metricsText(t);
  for (let r = 0; r < o.rounds; r++) {
    for (const x of pair) {
      const m = await load(x, o, dir, rate);
      half.get(x)?.push(m);
      console.log(
        `  ${x.name} at ${rate}/s: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, p99.9 ${m.p999} ms`,
      );
    }
  }
  // The server's own view of the same rounds, from its Prometheus histograms (coarse: bucket upper bounds).
  const after = await metricsText(t);
  console.log(
    `  ${t.name} at ${rate}/s, server side: create_order request ` +
      `${quantiles(before, after, 'fillstream_http_request_seconds', ',route="/api/v1/create_order"')}; ` +
      `of which the engine round trip ${quantiles(before, after, 'fillstream_engine_roundtrip_seconds')}; ` +
      `settlement transaction ${quantiles(before, after, 'fillstream_commit_seconds')}; ` +
      `disk sync after it ${quantiles(before, after, 'fillstream_commit_sync_seconds')}`,
  );
  const med = (xs: Measure[]): Measure => {
    const keys = Object.keys(xs[0] as Measure) as Array<keyof Measure>;
    return Object.fromEntries(keys.map((k) => [k, median(xs.map((m) => m[k]))])) as unknown as Measure;
  };
  const baseline = med(max.get(hello) ?? []).rps;
  const ratios = (max.get(t) ?? []).map((m, r) => m.rps / ((max.get(hello) ?? [])[r]?.rps ?? NaN));
  console.log(
    `  ${t.name} / hello-world per alternating round: ${ratios.map((x) => x.toFixed(2)).join(', ')}; ` +
      `median ${median(ratios).toFixed(2)}`,
  );
  return pair.map((x) => ({
    name: x === hello ? `  ${hello.name}` : x.name,
    baseline,
    max: med(max.get(x) ?? []),
    half: med(half.get(x) ?? []),
    health: median(health.get(x) ?? []),
  }));
}

function report(rows: Row[], o: Options): void {
  console.log(`\nmedians of ${o.rounds} rounds, client ${o.client}, ${o.connections} connections`);
  console.log(
    'server                  max req/s  vs hello   p50/p99 at max    p50/p99/p99.9 at the store half rate  /healthz p99 under load' +
      '   server CPU µs/request (main + other threads) at max',
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(22)} ${String(Math.round(r.max.rps)).padStart(10)}  ${(r.max.rps / r.baseline).toFixed(2).padStart(7)}x` +
        `   ${r.max.p50}/${r.max.p99} ms`.padEnd(18) +
        `   ${r.half.p50}/${r.half.p99}/${r.half.p999} ms at ${Math.round(r.half.rps)}/s`.padEnd(38) +
        `${r.health} ms`.padEnd(26) +
        `${Math.round(r.max.cpuMain)} + ${Math.round(r.max.cpuOther)} = ${Math.round(r.max.cpuMain + r.max.cpuOther)}`,
    );
  }
}

await main();
