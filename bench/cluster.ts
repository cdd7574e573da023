// bench:cluster — the cluster (one `engine`, several `gateway` processes, NATS + PostgreSQL) measured as child
// processes on a private prefix and fresh databases, against the all-in-one `serve` (same PostgreSQL) in the same run:
//  1. N concurrent authenticated connections spread over the gateways, held with heartbeats for --hold seconds:
//     gateways' RSS per connection and WebSocket ping -> pong round trip p50/p99 (client processes hold them);
//  2. create_order -> order.update push latency at --rate orders/s, cluster against serve, alternating rounds: from
//     the engine's commit of the order's batch (the issue's target), from the HTTP answer and from the request
//     (bench/cluster-latency.ts; serve's commits are read through bench/commit-tap.js, preloaded into it), and the
//     CPU per order of the engine, the gateways and serve;
//  3. one public trades stream fanned out to M subscribers across the gateways, against serve's fan-out to M.
// Prints medians over --runs rounds and ratios, and the client processes' CPU (a client near one core is the limit).
//
//   npm run bench:cluster [-- --connections 12000 --gateways 6 --per-client 6000 --hold 10 --rate 1000 --seconds 5
//                            --subscribers 6000 --fanout-trades 0 --runs 3]

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Readable } from 'node:stream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { clusterNames } from '../src/cluster/wire.js';
import { createDatabase, type TestDatabase } from '../test/http/harness.js';
import { freePort } from '../test/support/net.js';
import { exitOnHelp } from './help.js';
import { pct, post, pushLatency, tappedCommits, type Commits, type LatencyRound } from './cluster-latency.js';
import { runClients, type ClientResult } from './cluster-clients.js';

exitOnHelp(`bench:cluster: the cluster (engine + gateways over NATS and PostgreSQL) against the all-in-one serve in the
same run: memory per held connection and heartbeat round trip, create_order -> push latency (from the engine's
commit, the HTTP answer and the request), trades fan-out.
Needs DATABASE_URL (PostgreSQL) and NATS_URL (NATS with JetStream); exits 2 without them.

usage: npm run bench:cluster [-- --connections 12000 --gateways 6 --per-client 6000 --hold 10 --rate 1000
                                 --seconds 5 --subscribers 6000 --fanout-trades 0 --runs 3]
  --connections N   concurrent authenticated connections held over the gateways (default 12000; target 100000)
  --gateways N      gateway processes (default 6)
  --per-client N    connections per client process, at most ~19000 (default 6000)
  --hold S          seconds the connections are held with heartbeats (default 10)
  --rate R          offered create_order rate per second of the latency rounds (default 1000)
  --seconds S       seconds per latency round and per fan-out round (default 5)
  --subscribers M   trades subscribers of the fan-out (default 6000; serve's side is capped at 18,000, what one
                    process holds under the 20,000 open-files limit)
  --fanout-trades T stop a fan-out round's trades at T (multiples of 50; default 0: trade for --seconds); each
                    trade is one delivery per subscriber, so at 100,000 subscribers a cap keeps the round's tail short
  --runs N          rounds of the latency and fan-out comparisons, alternating cluster and serve (default 3)
serve runs under node --import <bench/commit-tap.js> (it reports its engine's commit instants to the latency rounds);
BENCH_CPU_PROF=<dir> makes every child (engine, gateways, serve) write a CPU profile there when it stops (node
--cpu-prof).`);

interface Options {
  connections: number;
  gateways: number;
  perClient: number;
  hold: number;
  rate: number;
  seconds: number;
  subscribers: number;
  fanoutTrades: number;
  runs: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    connections: 12_000,
    gateways: 6,
    perClient: 6000,
    hold: 10,
    rate: 1000,
    seconds: 5,
    subscribers: 6000,
    fanoutTrades: 0,
    runs: 3,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const v = Number(argv[i + 1]);
    if (argv[i] === '--connections') o.connections = v;
    else if (argv[i] === '--gateways') o.gateways = v;
    else if (argv[i] === '--per-client') o.perClient = v;
    else if (argv[i] === '--hold') o.hold = v;
    else if (argv[i] === '--rate') o.rate = v;
    else if (argv[i] === '--seconds') o.seconds = v;
    else if (argv[i] === '--subscribers') o.subscribers = v;
    else if (argv[i] === '--fanout-trades') o.fanoutTrades = v;
    else if (argv[i] === '--runs') o.runs = v;
  }
  return o;
}

const ADMIN = 'bench-cluster-admin-token-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const med = (xs: number[]) => pct(xs, 50);
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

interface Proc {
  child: ChildProcess;
  out(): string;
  /** Log lines at warn or above so far, by message (pino's JSON "msg"). */
  warnings(): Record<string, number>;
}

/** BENCH_CPU_PROF=<dir>: every child writes a CPU profile there when it stops (node --cpu-prof). */
const CPU_PROF = process.env['BENCH_CPU_PROF'];

/** `preload`: a module node imports first (serve's gets bench/commit-tap.js, which writes on fd 3, a pipe here). */
function spawnMain(args: string[], env: Record<string, string>, preload?: string): Proc {
  const node = [
    '--max-old-space-size=4096',
    ...(preload === undefined ? [] : ['--import', preload]),
    ...(CPU_PROF === undefined || CPU_PROF === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`]),
  ];
  const child = spawn(process.execPath, [...node, 'dist/src/cli/main.js', ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', preload === undefined ? 'ignore' : 'pipe'],
  });
  let out = '';
  let partial = '';
  const warnings: Record<string, number> = {};
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /"level":(\d+).*?"msg":"([^"]*)"/.exec(line);
      if (m && Number(m[1]) >= 40) warnings[m[2] as string] = (warnings[m[2] as string] ?? 0) + 1;
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, out: () => out, warnings: () => ({ ...warnings }) };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const ready = (base: string) => async () => (await fetch(`${base}/readyz`).catch(() => null))?.status === 200;

function rssBytes(child: ChildProcess): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (p.child.exitCode === null) p.child.kill('SIGKILL');
}

async function newUser(base: string, funds: Record<string, string> = {}) {
  const u = (await post(base, '/api/v1/admin/users', {}, { 'x-admin-token': ADMIN })).data;
  for (const [asset, qty] of Object.entries(funds)) {
    await post(base, '/api/v1/admin/deposit', { user_id: u['user_id'], asset, qty }, { 'x-admin-token': ADMIN });
  }
  return { id: u['user_id'] as number, token: u['token'] as string };
}

/** ", 120 closed by the server (1013: 120)" when any connection was closed during the round, else "". */
function serverCloses(results: ClientResult[]): string {
  const byCode: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.closes)) byCode[code] = (byCode[code] ?? 0) + n;
  const total = Object.values(byCode).reduce((s, n) => s + n, 0);
  if (total === 0) return '';
  const codes = Object.entries(byCode).map(([c, n]) => `${c}: ${fmt(n)}`);
  return `; ${fmt(total)} closed by the server (${codes.join(', ')}${byCode['1013'] ? '; 1013 = slow consumer' : ''})`;
}

/** The newest public trade id of BTC_USDT (0: none yet); trade ids only grow. */
async function lastTradeId(base: string): Promise<number> {
  const r = await fetch(`${base}/api/v1/market/trades?symbol=BTC_USDT&limit=1`);
  const body = (await r.json()) as { data: { trades: Array<{ trade_id: number }> } };
  return body.data.trades[0]?.trade_id ?? 0;
}

/** Where a fan-out round's missing deliveries were: per server, its sockets, confirmations, silent sockets, what
 * else they received, and the server's warnings during the round (a market-data gap, a NATS reconnect). */
function shortfall(
  results: ClientResult[],
  bases: string[],
  servers: Proc[],
  warnedBefore: Array<Record<string, number>>,
  trades: number,
): string {
  return bases
    .map((base, i) => {
      const per = results.map((r) => r.perServer[i]).filter((x) => x !== undefined);
      const sum = (k: 'open' | 'subscribed' | 'noTrade' | 'deliveries') => per.reduce((s, x) => s + x[k], 0);
      const other: Record<string, number> = {};
      for (const x of per) for (const [t, n] of Object.entries(x.other)) other[t] = (other[t] ?? 0) + n;
      const before = warnedBefore[i] ?? {};
      const warned = Object.entries(servers[i]?.warnings() ?? {})
        .map(([msg, n]) => [msg, n - (before[msg] ?? 0)] as const)
        .filter(([, n]) => n > 0)
        .map(([msg, n]) => `"${msg}" x${n}`);
      const others = Object.entries(other).map(([t, n]) => `${t}: ${fmt(n)}`);
      return (
        `      ${base}: ${fmt(sum('open'))} open, ${fmt(sum('subscribed'))} confirmed, ${fmt(sum('noTrade'))} got no ` +
        `trade, ${fmt(sum('deliveries'))} of ${fmt(trades * sum('open'))} deliveries` +
        (others.length > 0 ? `; other messages ${others.join(', ')}` : '') +
        (warned.length > 0 ? `; server warnings ${warned.join(', ')}` : '')
      );
    })
    .join('\n');
}

function connectErrors(results: ClientResult[]): string {
  const why: Record<string, number> = {};
  for (const r of results) for (const [e, n] of Object.entries(r.connectErrors ?? {})) why[e] = (why[e] ?? 0) + n;
  const list = Object.entries(why).map(([e, n]) => `${e}: ${fmt(n)}`);
  return list.length === 0 ? '' : ` (${list.join(', ')})`;
}

function clientCpu(results: ClientResult[]): string {
  const busiest = Math.max(...results.map((r) => r.cpuMs / r.wallMs));
  return (
    `client processes' CPU: busiest ${(100 * busiest).toFixed(0)}% of a core` +
    (busiest > 0.85 ? ' (the client was the limit)' : '')
  );
}

/** 1. N connections with heartbeats over the gateways: RSS per connection, ping -> pong round trip. */
async function holdConnections(o: Options, gateways: Proc[], bases: string[]): Promise<void> {
  const clients = Math.ceil(o.connections / o.perClient);
  const tokens = await Promise.all(Array.from({ length: clients }, () => newUser(bases[0] as string)));
  await sleep(1000);
  const before = gateways.map((g) => rssBytes(g.child));
  const t0 = performance.now();
  const results = await runClients(
    Array.from({ length: clients }, (_, k) => ({
      mode: 'hold' as const,
      urls: bases.map((b) => `${b.replace('http', 'ws')}/ws?token=${(tokens[k] as { token: string }).token}`),
      count: Math.min(o.perClient, o.connections - k * o.perClient),
      subnet: 10 + k,
      seconds: o.hold,
      pingEveryMs: 1000,
    })),
    async (opened) => {
      await sleep(2000);
      const after = gateways.map((g) => rssBytes(g.child));
      const grew = after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0);
      console.log(
        `  ${fmt(opened)} of ${fmt(o.connections)} connections open over ${gateways.length} gateways in ` +
          `${((performance.now() - t0) / 1000).toFixed(1)} s; gateways' RSS ` +
          `${(before.reduce((a, b) => a + b, 0) / 2 ** 20).toFixed(0)} -> ` +
          `${(after.reduce((a, b) => a + b, 0) / 2 ** 20).toFixed(0)} MiB = ` +
          `${(grew / Math.max(1, opened) / 1024).toFixed(2)} KiB per connection (target <= 10 KiB)`,
      );
    },
  );
  const rtts = results.flatMap((r) => r.rtts);
  console.log(
    `  held ${o.hold} s, a protocol ping per connection per second: ping -> pong p50 ${pct(rtts, 50).toFixed(2)} ms, ` +
      `p99 ${pct(rtts, 99).toFixed(2)} ms (${fmt(rtts.length)} round trips)${serverCloses(results)}; ${clientCpu(results)}`,
  );
}

/**
 * One process holds at most ~18,900 sockets under the 20,000 open-files limit (src/gateway/connection-guard.ts
 * keeps a reserve and a refusal headroom), so serve's side of the fan-out is capped here; the line says so.
 */
const SERVE_MAX_SUBSCRIBERS = 18_000;

/** 3. One round of the trades fan-out to M subscribers spread over `bases`, trades made through bases[0]. */
async function fanoutRound(
  o: Options,
  bases: string[],
  servers: Proc[],
  traders: Array<{ token: string }>,
  subscribers: number,
): Promise<number> {
  const warned = servers.map((p) => p.warnings());
  const clients = Math.ceil(subscribers / o.perClient);
  let trades = 0;
  /** Subscribers whose socket opened (a refused or failed connect is not one). */
  let open = 0;
  /** Orders of the trade generator answered with an error, by code. */
  const refused: Record<string, number> = {};
  const results = await runClients(
    Array.from({ length: clients }, (_, k) => ({
      mode: 'fanout' as const,
      urls: bases.map((b) => `${b.replace('http', 'ws')}/ws`),
      count: Math.min(o.perClient, subscribers - k * o.perClient),
      subnet: 100 + k,
      seconds: o.seconds,
      pingEveryMs: 1000,
    })),
    async (opened, delivered) => {
      open = opened;
      const base = bases[0] as string;
      const order = (side: string, token: string) =>
        post(
          base,
          '/api/v1/create_order',
          { symbol: 'BTC_USDT', side, order_type: 'LIMIT', price: '30000.00', qty: '0.001' },
          { authorization: `Bearer ${token}` },
        );
      const [a, b] = traders as [{ token: string }, { token: string }];
      const tradeIdBefore = await lastTradeId(base);
      const end = performance.now() + o.seconds * 1000;
      let made = 0;
      while (performance.now() < end && (o.fanoutTrades <= 0 || made < o.fanoutTrades)) {
        for (const [side, token] of [
          ['SELL', b.token],
          ['BUY', a.token],
        ] as const) {
          for (const r of await Promise.all(Array.from({ length: 50 }, () => order(side, token))))
            if (r.code !== 0) refused[r.code] = (refused[r.code] ?? 0) + 1;
        }
        made += 50;
      }
      // The trades that happened (an order refused under load, 5001 say, makes one fewer), not the pairs sent.
      trades = (await lastTradeId(base)) - tradeIdBefore;
      // The last deliveries land: wait until all expected arrived, or none arrived for TAIL_IDLE_MS (then the line
      // says how many are missing); the rate runs from the first delivery to the last one seen.
      let seen = -1;
      let idleSince = performance.now();
      while (delivered() < trades * open && performance.now() - idleSince < TAIL_IDLE_MS) {
        await sleep(250);
        if (delivered() !== seen) [seen, idleSince] = [delivered(), performance.now()];
      }
    },
  );
  const n = results.reduce((s, r) => s + r.deliveries, 0);
  const first = Math.min(...results.filter((r) => r.deliveries > 0).map((r) => r.first));
  const last = Math.max(...results.map((r) => r.last));
  const rate = n > 0 && last > first ? n / ((last - first) / 1000) : 0;
  console.log(
    `    ${fmt(rate)} deliveries/s to ${fmt(subscribers)} subscribers over ${bases.length} server(s) ` +
      `(${fmt(trades)} trades; ${fmt(n)} of ${fmt(trades * open)} expected deliveries` +
      `${open < subscribers ? `; only ${fmt(open)} of the ${fmt(subscribers)} subscribers' sockets opened${connectErrors(results)}` : ''})` +
      `${serverCloses(results)}; ${clientCpu(results)}` +
      (Object.keys(refused).length > 0
        ? `; orders refused ${Object.entries(refused)
            .map(([c, k]) => `${c}: ${k}`)
            .join(', ')}`
        : '') +
      (n === 0 ? ' (no delivery arrived: were the subscribers refused?)' : ''),
  );
  if (n < trades * open) console.log(shortfall(results, bases, servers, warned, trades));
  return rate;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const nats = process.env['NATS_URL'];
  const pgUrl = process.env['DATABASE_URL'];
  if (nats === undefined || nats === '' || pgUrl === undefined || !pgUrl.startsWith('postgres')) {
    process.stderr.write('bench:cluster needs DATABASE_URL (postgres://...) and NATS_URL (NATS with JetStream)\n');
    process.exit(2);
  }
  const prefix = `fs_bench_${process.pid}`;
  const dbs: TestDatabase[] = [await createDatabase('postgres'), await createDatabase('postgres')];
  const procs: Proc[] = [];
  const env = (db: TestDatabase): Record<string, string> => ({
    DATABASE_URL: db.url,
    FILLSTREAM_NATS_URL: nats,
    FILLSTREAM_CLUSTER_PREFIX: prefix,
    FILLSTREAM_HOST: '0.0.0.0',
    FILLSTREAM_ADMIN_TOKEN: ADMIN,
    FILLSTREAM_TOKEN_SECRET: 'bench-cluster-token-secret-0123456789abcdef',
    FILLSTREAM_ENCRYPTION_KEY: 'c'.repeat(64),
    FILLSTREAM_LOG_LEVEL: 'error',
    FILLSTREAM_RATE_ORDERS: '1000000',
    FILLSTREAM_RATE_QUERIES: '1000000',
    FILLSTREAM_QUEUE_CAPACITY: '1000000',
    FILLSTREAM_WS_MAX_CONNECTIONS_PER_USER: '10000',
    FILLSTREAM_MAX_CONNECTIONS: '100000',
    FILLSTREAM_MAX_CONNECTIONS_PER_IP: '100000',
    FILLSTREAM_WS_MAX_ANONYMOUS_CONNECTIONS: '100000',
  });
  try {
    const [clusterDb, serveDb] = dbs as [TestDatabase, TestDatabase];
    const engine = spawnMain(['engine'], env(clusterDb));
    procs.push(engine);
    await until('engine ready', () => engine.out().includes('engine ready'));
    const gateways: Proc[] = [];
    const bases: string[] = [];
    for (let i = 0; i < o.gateways; i++) {
      const port = await freePort();
      // At warn, so a fan-out round that lost deliveries can name what the gateway saw (counted, not printed).
      const g = spawnMain(['gateway'], {
        ...env(clusterDb),
        FILLSTREAM_PORT: String(port),
        FILLSTREAM_LOG_LEVEL: 'warn',
      });
      procs.push(g);
      gateways.push(g);
      bases.push(`http://127.0.0.1:${port}`);
    }
    for (const [i, b] of bases.entries())
      await until(`gateway ${b} ready`, ready(b), 60_000).catch((e) => {
        throw new Error(`${String(e)}: ${(gateways[i] as Proc).out()}`);
      });
    const servePort = await freePort();
    const tap = new URL('./commit-tap.js', import.meta.url).href;
    const serve = spawnMain(['serve'], { ...env(serveDb), FILLSTREAM_PORT: String(servePort) }, tap);
    procs.push(serve);
    const serveBase = `http://127.0.0.1:${servePort}`;
    await until('serve ready', ready(serveBase));
    console.log(`cluster: 1 engine + ${o.gateways} gateways (prefix ${prefix}); serve on the same PostgreSQL server`);
    if (CPU_PROF !== undefined && CPU_PROF !== '') {
      const pids = `engine ${engine.child.pid}, gateways ${gateways.map((g) => g.child.pid).join(' ')}, serve ${serve.child.pid}`;
      console.log(`CPU profiles to ${CPU_PROF} (${pids})`);
    }
    const load = () => `(machine load average ${loadavg()[0]?.toFixed(1)})`;

    console.log(
      `1. ${fmt(o.connections)} concurrent authenticated connections over the gateways, with heartbeats ${load()}`,
    );
    await holdConnections(o, gateways, bases);

    console.log(`2. create_order -> order.update push at ${o.rate}/s offered, ${o.runs} rounds alternating ${load()}`);
    const cluster: LatencyRound[] = [];
    const single: LatencyRound[] = [];
    const clusterUsers = await Promise.all(Array.from({ length: 20 }, () => newUser(bases[0] as string, FUNDS)));
    const serveUsers = await Promise.all(Array.from({ length: 20 }, () => newUser(serveBase, FUNDS)));
    const clusterCommits: Commits = { nats: { servers: nats, subject: clusterNames(prefix).committedSubject } };
    const serveCommits: Commits = { tap: tappedCommits(serve.child.stdio[3] as Readable) };
    const pid = (p: Proc) => p.child.pid as number;
    const clusterCpu = { engine: [pid(engine)], gateways: gateways.map(pid) };
    const serveCpu = { serve: [pid(serve)] };
    const clusterRound = (s: number, label: string) =>
      pushLatency(bases, clusterUsers, o.rate, s, label, clusterCommits, clusterCpu);
    const serveRound = (s: number, label: string) =>
      pushLatency([serveBase], serveUsers, o.rate, s, label, serveCommits, serveCpu);
    await clusterRound(2, 'cluster (warm-up, not counted)');
    await serveRound(2, 'serve (warm-up, not counted)');
    for (let r = 0; r < o.runs; r++) {
      cluster.push(await clusterRound(o.seconds, 'cluster'));
      single.push(await serveRound(o.seconds, 'serve'));
    }
    const m = (xs: LatencyRound[], k: Exclude<keyof LatencyRound, 'cpuPerOrder'>) => med(xs.map((x) => x[k]));
    const cores = (xs: LatencyRound[]) =>
      `load generator ${m(xs, 'loadCpu').toFixed(2)}, push receiver ${m(xs, 'receiverCpu').toFixed(2)} of a core`;
    console.log(
      `  medians of ${o.runs} rounds: the engine's transaction ${m(cluster, 'commitMs').toFixed(2)} ms (mean of a ` +
        `round) for ${m(cluster, 'batchCommands').toFixed(1)} commands, serve's ${m(single, 'commitMs').toFixed(2)} ms ` +
        `for ${m(single, 'batchCommands').toFixed(1)}`,
    );
    const cpuOf = (xs: LatencyRound[], g: string) => med(xs.map((x) => x.cpuPerOrder[g] as number));
    const clusterCpuMs = cpuOf(cluster, 'engine') + cpuOf(cluster, 'gateways');
    console.log(
      `  medians of ${o.runs} rounds: CPU ms per order engine ${cpuOf(cluster, 'engine').toFixed(2)} + gateways ` +
        `${cpuOf(cluster, 'gateways').toFixed(2)} = ${clusterCpuMs.toFixed(2)}, serve ${cpuOf(single, 'serve').toFixed(2)} ` +
        `(${(clusterCpuMs / cpuOf(single, 'serve')).toFixed(2)}x; PostgreSQL and NATS not counted)`,
    );
    console.log(
      `  medians of ${o.runs} rounds: commit -> push received p50/p99 cluster ${m(cluster, 'commitP50').toFixed(2)}/` +
        `${m(cluster, 'commitP99').toFixed(2)} ms, serve ${m(single, 'commitP50').toFixed(2)}/` +
        `${m(single, 'commitP99').toFixed(2)} ms (target p99 < 10 ms; p99 ratio ` +
        `${(m(cluster, 'commitP99') / m(single, 'commitP99')).toFixed(2)}x; the cluster's commit -> batch heard on ` +
        `NATS p50/p99 ${m(cluster, 'natsP50').toFixed(2)}/${m(cluster, 'natsP99').toFixed(2)} ms)`,
    );
    console.log(
      `  medians of ${o.runs} rounds: ack -> push p50/p99 cluster ${m(cluster, 'p50').toFixed(2)}/` +
        `${m(cluster, 'p99').toFixed(2)} ms, serve ${m(single, 'p50').toFixed(2)}/${m(single, 'p99').toFixed(2)} ms ` +
        `(serve's push mostly leaves before its answer, so 0); request -> push p50/p99 ` +
        `cluster ${m(cluster, 'e2eP50').toFixed(2)}/${m(cluster, 'e2eP99').toFixed(2)} ms, serve ` +
        `${m(single, 'e2eP50').toFixed(2)}/${m(single, 'e2eP99').toFixed(2)} ms (p99 ratio ` +
        `${(m(cluster, 'e2eP99') / m(single, 'e2eP99')).toFixed(2)}x); achieved ${fmt(m(cluster, 'achieved'))}/s ` +
        `and ${fmt(m(single, 'achieved'))}/s`,
    );
    console.log(
      `  medians of ${o.runs} rounds: client CPU, cluster rounds ${cores(cluster)}; serve rounds ${cores(single)}`,
    );

    console.log(`3. trades fan-out to ${fmt(o.subscribers)} subscribers, ${o.runs} rounds alternating ${load()}`);
    const ours: number[] = [];
    const theirs: number[] = [];
    const clusterTraders = clusterUsers.slice(0, 2);
    const serveTraders = serveUsers.slice(0, 2);
    for (let r = 0; r < o.runs; r++) {
      console.log('  cluster:');
      ours.push(await fanoutRound(o, bases, gateways, clusterTraders, o.subscribers));
      console.log('  serve:');
      theirs.push(
        await fanoutRound(o, [serveBase], [serve], serveTraders, Math.min(o.subscribers, SERVE_MAX_SUBSCRIBERS)),
      );
    }
    console.log(
      `  medians of ${o.runs} rounds: cluster ${fmt(med(ours))} / serve ${fmt(med(theirs))} deliveries/s = ` +
        `${(med(ours) / med(theirs)).toFixed(2)}x`,
    );
  } finally {
    for (const p of procs.reverse()) await stop(p);
    const nc = await natsConnect({ servers: nats });
    await (await jetstreamManager(nc)).streams.delete(clusterNames(prefix).commandStream).catch(() => undefined);
    await nc.close();
    for (const db of dbs) await db.drop().catch(() => undefined);
  }
}

/** The fan-out round waits this long without a new delivery before it stops waiting for the rest. */
const TAIL_IDLE_MS = 5000;

const FUNDS = { USDT: '1000000000', BTC: '100000' };

await main();
