// bench:orders — order entry over HTTP (create_order) against order entry over the WebSocket (order.place) on the
// same server (a child process, SQLite by default, PostgreSQL too with --postgres when DATABASE_URL is set), in one
// run: sustained orders/s at the same client concurrency, latency (sent → result read, sent → order.update read)
// p50/p99/p99.9 at half of each one's maximum, and order → push latency at fixed offered rates through the
// WebSocket. Rounds alternate the transports; medians over rounds, and WS/HTTP ratios taken within each round.
// The client is spread over --procs child processes whose CPU is measured: a figure taken while the client was
// saturated is flagged ("client-bound"), since it then measures the client, not the server.
//
// --compare-coalescing also runs a second server child with FILLSTREAM_WS_COALESCE_WRITES=false (on by default) and
// measures the WebSocket maximum and the order -> push latency at the fixed rates on both in each round, the two
// servers taking turns to go first (the effect of coalesced socket writes, a same-round ratio).
//
//   npm run bench:orders [-- --duration 5 --rounds 3 --concurrency 64,512 --rates 1000,10000 --procs 2 --users 64
//                            --postgres --compare-coalescing --cpu-prof DIR]

import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { exitOnHelp } from './help.js';
import {
  type Target,
  metricsText,
  quantiles,
  serverCpu,
  setServerFlags,
  stageQuantiles,
  startExchange,
  stop,
} from './http-servers.js';
import type { ClientReport, ClientSpec } from './orders-client.js';

exitOnHelp(`bench:orders: create_order over HTTP against order.place over the WebSocket on one server (a child process;
SQLite, and PostgreSQL with --postgres when DATABASE_URL is set): orders/s at equal client concurrency, latency at
half of each one's maximum (sent -> result, sent -> order.update), and order -> push latency at fixed rates offered
through the WebSocket. Medians over rounds; WS/HTTP ratios from the same round. The client runs in --procs child
processes; its CPU is measured and a client-bound figure is flagged. The server child gets raised limits
(FILLSTREAM_RATE_ORDERS 1000000, FILLSTREAM_WS_RATE_MESSAGES 1000000, FILLSTREAM_WS_MAX_ORDERS_IN_FLIGHT 100000,
FILLSTREAM_WS_MAX_CONNECTIONS_PER_USER 10000, queue 100000) so that no per-user or per-socket limit caps it.

usage: npm run bench:orders [-- --duration 5 --rounds 3 --concurrency 64,512 --rates 1000,10000 --procs 2 --users 64]
  --duration S        seconds per measurement (default 5)
  --rounds N          rounds (default 3)
  --concurrency LIST  requests in flight for the maximum-throughput runs (default 64,512)
  --rates LIST        orders/s offered through the WebSocket for order -> push latency (default 1000,10000)
  --procs N           client processes (default 2)
  --users N           funded users the orders come from (default 64)
  --postgres          also measure on PostgreSQL (needs DATABASE_URL)
  --compare-coalescing  also measure the WebSocket maximum and order -> push on a server with
                      FILLSTREAM_WS_COALESCE_WRITES=false (the default is true)
  --cpu-prof DIR      write V8 CPU profiles of the server's threads into DIR`);

interface Options {
  duration: number;
  rounds: number;
  concurrency: number[];
  rates: number[];
  procs: number;
  users: number;
  postgres: boolean;
  compareCoalescing: boolean;
  cpuProf: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    duration: 5,
    rounds: 3,
    concurrency: [64, 512],
    rates: [1000, 10000],
    procs: 2,
    users: 64,
    postgres: false,
    compareCoalescing: false,
    cpuProf: null,
  };
  const list = (v: string | undefined) =>
    (v ?? '')
      .split(',')
      .map(Number)
      .filter((x) => x > 0);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--postgres') o.postgres = true;
    else if (a === '--compare-coalescing') o.compareCoalescing = true;
    else if (a === '--cpu-prof') o.cpuProf = v ?? null;
    else if (a === '--duration') o.duration = Number(v);
    else if (a === '--rounds') o.rounds = Number(v);
    else if (a === '--concurrency') o.concurrency = list(v);
    else if (a === '--rates') o.rates = list(v);
    else if (a === '--procs') o.procs = Number(v);
    else if (a === '--users') o.users = Number(v);
    else continue;
    if (a !== '--postgres' && a !== '--compare-coalescing') i++;
  }
  return o;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
}
const ms = (x: number) => (Number.isNaN(x) ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(1));

interface Measured {
  rate: number;
  toResult: number[];
  toPush: number[];
  errors: number;
  firstError: string | null;
  /** Highest CPU share of one client process (1 = one core busy the whole time). */
  clientCpu: number;
  serverCpu: number;
  /** Server CPU time (all threads) per answered order, µs: robust to a machine shared with other work. */
  cpuPerOrder: number;
  /** The server's own view: engine round trip and disk sync quantiles over the measurement. */
  server: string;
}

/** Runs the load over `procs` client processes; tokens and connections are split between them. */
async function measure(
  t: Target,
  o: Options,
  transport: 'http' | 'ws',
  inFlight: number,
  rate: number,
  tag: string,
): Promise<Measured> {
  const tokens = t.auth.map((a) => a.slice('Bearer '.length));
  // HTTP/1.1 has one request in flight per connection; a socket pipelines (at most 64 sockets, the rest in flight).
  const connections = transport === 'http' ? inFlight : Math.min(inFlight, 64);
  const procs = Math.max(1, Math.min(o.procs, connections));
  const specs: ClientSpec[] = Array.from({ length: procs }, (_, p) => ({
    transport,
    base: t.base,
    tokens: tokens.filter((_, i) => i % procs === p),
    connections: Math.floor(connections / procs) + (p < connections % procs ? 1 : 0),
    inFlightPerConnection: Math.max(1, Math.round(inFlight / connections)),
    rate: rate / procs,
    durationMs: o.duration * 1000,
    tag: `${tag}p${p}x`,
  }));
  const pid = t.child.pid as number;
  const metrics0 = await metricsText(t);
  const cpu0 = serverCpu(pid);
  const t0 = performance.now();
  const reports = await Promise.all(specs.map(runClient));
  const wall = performance.now() - t0;
  const cpu1 = serverCpu(pid);
  const metrics1 = await metricsText(t);
  const server =
    `engine round trip ${quantiles(metrics0, metrics1, 'fillstream_engine_roundtrip_seconds')}, ` +
    `disk sync ${quantiles(metrics0, metrics1, 'fillstream_commit_sync_seconds')}; ${stageQuantiles(metrics0, metrics1)}`;
  const done = reports.reduce((a, r) => a + r.done, 0);
  return {
    // Over the whole run, the drain of what was still in flight at the end included (an open loop the server
    // cannot keep up with shows here as less than offered).
    rate: done / (Math.max(...reports.map((r) => r.wallMs)) / 1000),
    toResult: reports.flatMap((r) => r.toResult),
    toPush: reports.flatMap((r) => r.toPush),
    errors: reports.reduce((a, r) => a + r.errors, 0),
    firstError: reports.find((r) => r.firstError !== null)?.firstError ?? null,
    clientCpu: Math.max(...reports.map((r) => r.cpuUs / 1000 / r.wallMs)),
    serverCpu: (cpu1.main + cpu1.other - cpu0.main - cpu0.other) / 1000 / wall,
    cpuPerOrder: (cpu1.main + cpu1.other - cpu0.main - cpu0.other) / Math.max(1, done),
    server,
  };
}

function runClient(spec: ClientSpec): Promise<ClientReport> {
  const child = fork(new URL('./orders-client.js', import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: ClientReport | { error: string }) =>
      'error' in m ? reject(new Error(m.error)) : resolve(m),
    );
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`client exited with ${code}`));
    });
    child.send(spec);
  });
}

const CLIENT_BOUND = 0.85;
const bound = (m: Measured) => (m.clientCpu >= CLIENT_BOUND ? ' CLIENT-BOUND' : '');
const cpuNote = (m: Measured) =>
  `client ${Math.round(m.clientCpu * 100)}%/proc, server ${Math.round(m.serverCpu * 100)}% of a core, ` +
  `${Math.round(m.cpuPerOrder)} µs/order${bound(m)}; ` +
  `server: ${m.server}`;
const errNote = (m: Measured) => (m.errors > 0 ? `, ${m.errors} errors (first: ${m.firstError})` : '');
const lat = (xs: number[]) => `p50 ${ms(pct(xs, 0.5))} / p99 ${ms(pct(xs, 0.99))} / p99.9 ${ms(pct(xs, 0.999))} ms`;

const RAISED_LIMITS = {
  FILLSTREAM_RATE_CANCELS: '1000000',
  FILLSTREAM_WS_RATE_MESSAGES: '1000000',
  FILLSTREAM_WS_MAX_ORDERS_IN_FLIGHT: '100000',
  FILLSTREAM_WS_MAX_CONNECTIONS_PER_USER: '10000',
  FILLSTREAM_WS_MAX_BACKLOG_MESSAGES: '1000000',
};

async function benchStore(
  name: string,
  databaseUrl: string,
  o: Options,
  cleanup: () => Promise<void>,
  plainDb: { url: string; cleanup: () => Promise<void> } | null,
) {
  const t = await startExchange(name, databaseUrl, o.users, cleanup, RAISED_LIMITS);
  const plain =
    plainDb === null
      ? null
      : await startExchange(`${name}, writes not coalesced`, plainDb.url, o.users, plainDb.cleanup, {
          ...RAISED_LIMITS,
          FILLSTREAM_WS_COALESCE_WRITES: 'false',
        });
  const coalescing: Record<string, { rate: number[]; cpu: number[] }> = {};
  /** Order -> push at the fixed rates on the server whose writes are not coalesced (--compare-coalescing). */
  const plainFixed: Record<number, { push: number[][]; rate: number[] }> = {};
  console.log(`\n== ${name}: ${o.users} users, ${o.procs} client processes, ${o.duration} s per measurement ==`);
  let run = 0;
  const tag = () => `r${run++}`;
  await measure(t, { ...o, duration: 2 }, 'ws', 64, 0, tag()); // warm-up
  await measure(t, { ...o, duration: 2 }, 'http', 64, 0, tag());
  const max: Record<string, { http: number[]; ws: number[]; ratio: number[] }> = {};
  const cpu: Record<string, { http: number[]; ws: number[]; ratio: number[] }> = {};
  const half: Record<'http' | 'ws', { result: number[][]; push: number[][]; rate: number[] }> = {
    http: { result: [], push: [], rate: [] },
    ws: { result: [], push: [], rate: [] },
  };
  const fixed: Record<number, { push: number[][]; rate: number[] }> = {};
  for (let round = 1; round <= o.rounds; round++) {
    console.log(`-- round ${round}`);
    const maxOfRound: Record<string, number> = {};
    for (const c of o.concurrency) {
      const order: Array<'http' | 'ws'> = round % 2 === 1 ? ['http', 'ws'] : ['ws', 'http'];
      const got: Partial<Record<'http' | 'ws', number>> = {};
      const used: Partial<Record<'http' | 'ws', number>> = {};
      // The server whose writes are not coalesced goes first in even rounds, last in odd ones.
      const comparePlain = async () => {
        if (plain === null) return null;
        const m = await measure(plain, o, 'ws', c, 0, tag());
        console.log(
          `   max ws, writes not coalesced, ${c} in flight: ${Math.round(m.rate)} orders/s (${cpuNote(m)}${errNote(m)})`,
        );
        return m;
      };
      const plainFirst = round % 2 === 0 ? await comparePlain() : null;
      for (const tr of order) {
        const m = await measure(t, o, tr, c, 0, tag());
        got[tr] = m.rate;
        used[tr] = m.cpuPerOrder;
        console.log(
          `   max ${tr.padEnd(4)} ${c} in flight: ${Math.round(m.rate)} orders/s (${cpuNote(m)}${errNote(m)})`,
        );
      }
      const e = (max[c] ??= { http: [], ws: [], ratio: [] });
      e.http.push(got.http as number);
      e.ws.push(got.ws as number);
      e.ratio.push((got.ws as number) / (got.http as number));
      const u = (cpu[c] ??= { http: [], ws: [], ratio: [] });
      u.http.push(used.http as number);
      u.ws.push(used.ws as number);
      u.ratio.push((used.http as number) / (used.ws as number));
      const plainMax = plainFirst ?? (round % 2 === 1 ? await comparePlain() : null);
      if (plainMax !== null) {
        const { rate, cpuPerOrder } = plainMax;
        const e2 = (coalescing[c] ??= { rate: [], cpu: [] });
        e2.rate.push((got.ws as number) / rate);
        e2.cpu.push(cpuPerOrder / (used.ws as number));
      }
      maxOfRound[`${c}:http`] = got.http as number;
      maxOfRound[`${c}:ws`] = got.ws as number;
    }
    const c0 = o.concurrency[0] as number;
    for (const tr of ['http', 'ws'] as const) {
      const offered = Math.round((maxOfRound[`${c0}:${tr}`] as number) / 2);
      const m = await measure(t, o, tr, c0, offered, tag());
      half[tr].result.push(m.toResult);
      half[tr].push.push(m.toPush);
      half[tr].rate.push(offered);
      console.log(
        `   half ${tr.padEnd(4)} at ${offered}/s: result ${lat(m.toResult)}; push ${lat(m.toPush)} (${cpuNote(m)}${errNote(m)})`,
      );
    }
    for (const r of o.rates) {
      const servers = [
        { server: t, into: fixed, label: '' },
        ...(plain === null ? [] : [{ server: plain, into: plainFixed, label: ', writes not coalesced' }]),
      ];
      if (round % 2 === 0) servers.reverse();
      for (const { server, into, label } of servers) {
        const m = await measure(server, o, 'ws', c0, r, tag());
        const e = (into[r] ??= { push: [], rate: [] });
        e.push.push(m.toPush);
        e.rate.push(m.rate);
        console.log(
          `   ws offered ${r}/s${label}: achieved ${Math.round(m.rate)}/s, order -> push ${lat(m.toPush)} (${cpuNote(m)}${errNote(m)})`,
        );
      }
    }
  }
  console.log(`\n${name}: medians over ${o.rounds} rounds`);
  console.log('| measure | HTTP | WebSocket | WS/HTTP (rounds) |');
  console.log('|---|---|---|---|');
  for (const c of o.concurrency) {
    const e = max[c] as { http: number[]; ws: number[]; ratio: number[] };
    const rounds = e.ratio.map((x) => x.toFixed(2)).join(', ');
    console.log(
      `| orders/s, ${c} in flight | ${Math.round(median(e.http))} | ${Math.round(median(e.ws))} | ${median(e.ratio).toFixed(2)}× (${rounds}) |`,
    );
  }
  for (const c of o.concurrency) {
    const u = cpu[c] as { http: number[]; ws: number[]; ratio: number[] };
    const rounds = u.ratio.map((x) => x.toFixed(2)).join(', ');
    console.log(
      `| server CPU µs/order, ${c} in flight | ${Math.round(median(u.http))} | ${Math.round(median(u.ws))} | HTTP/WS ${median(u.ratio).toFixed(2)}× (${rounds}) |`,
    );
  }
  for (const [c, e] of Object.entries(coalescing)) {
    const rounds = e.rate.map((x) => x.toFixed(2)).join(', ');
    console.log(
      `| coalesced / not coalesced writes, WS ${c} in flight | orders/s ${median(e.rate).toFixed(2)}× (${rounds}) | µs/order ${median(e.cpu).toFixed(2)}× less | |`,
    );
  }
  const medLat = (runs: number[][], p: number) => ms(median(runs.map((xs) => pct(xs, p))));
  const latRow = (what: string, key: 'result' | 'push') =>
    console.log(
      `| ${what} at half rate (${Math.round(median(half.http.rate))}/s, ${Math.round(median(half.ws.rate))}/s) | ` +
        ['http', 'ws']
          .map((tr) => {
            const runs = half[tr as 'http' | 'ws'][key];
            return `${medLat(runs, 0.5)} / ${medLat(runs, 0.99)} / ${medLat(runs, 0.999)} ms`;
          })
          .join(' | ') +
        ' | |',
    );
  latRow('sent → result p50/p99/p99.9', 'result');
  latRow('sent → order.update p50/p99/p99.9', 'push');
  for (const [into, label] of [
    [fixed, ''],
    [plainFixed, ', writes not coalesced'],
  ] as const) {
    for (const r of o.rates) {
      const e = into[r];
      if (e === undefined) continue;
      console.log(
        `| order → push at ${r}/s offered${label} (achieved ${Math.round(median(e.rate))}/s) | | ${medLat(e.push, 0.5)} / ${medLat(e.push, 0.99)} / ${medLat(e.push, 0.999)} ms | |`,
      );
    }
  }
  if (plain !== null) await stop(plain);
  await stop(t);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.cpuProf !== null) setServerFlags(['--cpu-prof', `--cpu-prof-dir=${o.cpuProf}`]);
  const dir = mkdtempSync(join(tmpdir(), 'fs-bench-orders-'));
  const second = o.compareCoalescing
    ? { url: `sqlite:${join(dir, 'plain.db')}`, cleanup: async () => undefined }
    : null;
  await benchStore(
    'SQLite',
    `sqlite:${join(dir, 'bench.db')}`,
    o,
    async () => rmSync(dir, { recursive: true }),
    second,
  );
  const url = process.env['DATABASE_URL'];
  if (o.postgres) {
    if (url === undefined || url === '') {
      console.log('\nPostgreSQL: skipped (--postgres needs DATABASE_URL)');
      return;
    }
    const name = `fs_bench_orders_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(url);
    u.pathname = `/${name}`;
    let plain: { url: string; cleanup: () => Promise<void> } | null = null;
    if (o.compareCoalescing) {
      await admin.query(`CREATE DATABASE ${name}_plain`);
      const p = new URL(url);
      p.pathname = `/${name}_plain`;
      plain = {
        url: p.toString(),
        cleanup: async () => void (await admin.query(`DROP DATABASE ${name}_plain WITH (FORCE)`)),
      };
    }
    await benchStore(
      'PostgreSQL',
      u.toString(),
      o,
      async () => {
        await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      },
      plain,
    );
    await admin.end();
  }
}

await main();
