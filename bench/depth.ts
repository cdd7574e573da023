// bench:depth — what depth subscriptions cost the rest of the server (issue 9, depth amplification). Per run, one
// fresh server child process (embedded SQLite) with a book of --levels price levels a side, then --rate
// create_order/s from one user for --seconds, measuring create_order latency (p50, p99) and /healthz polled
// meanwhile (p99), in three phases on the same server: (a) no depth subscriber (the baseline), (b) --connections
// anonymous connections that each asked depth for --values distinct `levels` values (1..values, sent at 90 a
// second per connection: under the WebSocket limit of 100 messages/s) and keep reading, (a') the subscribers gone.
// Then, in this process, a microbenchmark of the public feed alone: its time and work per book change against
// the number of subscriptions (each with another `levels` value).
//
//   npm run bench:depth [-- --runs 3 --seconds 10 --levels 2000 --rate 10 --connections 5 --values 500]
//   npm run bench:depth -- --server /path/to/other/build/dist/src/cli/main.js --micro 0   # e.g. the code before

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { freePort } from '../test/support/net.js';
import { microFeed } from './depth-feed.js';
import { exitOnHelp } from './help.js';

exitOnHelp(`bench:depth: what depth subscriptions cost the rest of the server: create_order p50/p99 and /healthz p99 on a server
child without, with and after depth subscribers; then a microbenchmark of the public feed alone.

usage: npm run bench:depth [-- --runs 3 --seconds 10 --levels 2000 --rate 10 --connections 5 --values 500]
  --runs N          runs, each on a fresh server (default 3)
  --seconds S       seconds per phase (default 10)
  --levels N        price levels a side of the book (default 2000)
  --rate N          create_order per second (default 10)
  --connections N   depth-subscribing connections (default 5)
  --values N        distinct depth levels values, 1..N (default 500)
  --server PATH     the server's CLI to run (default dist/src/cli/main.js)
  --micro 0|1       run the feed microbenchmark (default 1)`);

interface Options {
  runs: number;
  seconds: number;
  levels: number;
  rate: number;
  connections: number;
  values: number;
  server: string;
  micro: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    runs: 3,
    seconds: 10,
    levels: 2000,
    rate: 10,
    connections: 5,
    values: 500,
    server: 'dist/src/cli/main.js',
    micro: true,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1] ?? '';
    if (k === '--server') o.server = v;
    else if (k === '--micro') o.micro = v !== '0';
    else if (k !== undefined && k.startsWith('--') && k.slice(2) in o)
      (o as unknown as Record<string, number>)[k.slice(2)] = Number(v);
  }
  return o;
}

const ADMIN = 'bench-depth-admin-token-0123456789';
const SUBSCRIBES_PER_SEC = 90;
const HEALTHZ_EVERY_MS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number);
};
const median = (xs: number[]) => pct(xs, 50);
const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));

async function startServer(main: string, dir: string): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const env = {
    PATH: process.env['PATH'] ?? '',
    FILLSTREAM_PORT: String(port),
    FILLSTREAM_HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(dir, `depth-${port}.db`)}`,
    FILLSTREAM_ADMIN_TOKEN: ADMIN,
    FILLSTREAM_TOKEN_SECRET: 'bench-depth-token-secret-0123456789abcdef',
    FILLSTREAM_ENCRYPTION_KEY: 'e'.repeat(64),
    FILLSTREAM_LOG_LEVEL: 'error',
    // Building the book needs a high order rate; the measured user sends --rate orders a second.
    FILLSTREAM_RATE_ORDERS: '1000000',
    FILLSTREAM_RATE_QUERIES: '1000000',
    FILLSTREAM_QUEUE_CAPACITY: '1000000',
  };
  const child = spawn(process.execPath, [resolve(main), 'serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return { child, base };
    } catch {
      // starting
    }
    await sleep(50);
  }
  throw new Error('the server never became ready');
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function post(base: string, path: string, body: unknown, headers: Record<string, string>) {
  const r = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as { code: number; data: Record<string, unknown> } };
}

async function newUser(base: string, funds: Record<string, string>): Promise<string> {
  const u = (await post(base, '/api/v1/admin/users', {}, { 'x-admin-token': ADMIN })).body.data;
  for (const [asset, qty] of Object.entries(funds)) {
    await post(base, '/api/v1/admin/deposit', { user_id: u['user_id'], asset, qty }, { 'x-admin-token': ADMIN });
  }
  return `Bearer ${u['token'] as string}`;
}

const order = (side: 'BUY' | 'SELL', price: string, qty: string) => ({
  symbol: 'BTC_USDT',
  side,
  order_type: 'LIMIT',
  price,
  qty,
});

/** Bids at 29,999, 29,998, ... and asks at 30,001, 30,002, ...: `levels` a side, 64 requests in flight. */
async function buildBook(base: string, levels: number): Promise<void> {
  const auth = await newUser(base, { BTC: '1000000', USDT: '100000000000' });
  const todo: Array<ReturnType<typeof order>> = [];
  for (let i = 0; i < levels; i++) {
    todo.push(order('BUY', `${29_999 - i}.00`, '0.01'), order('SELL', `${30_001 + i}.00`, '0.01'));
  }
  const worker = async () => {
    for (let o = todo.pop(); o !== undefined; o = todo.pop()) {
      const r = await post(base, '/api/v1/create_order', o, { authorization: auth });
      if (r.status !== 202) throw new Error(`book order refused: ${JSON.stringify(r.body)}`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  const d = (await (await fetch(`${base}/api/v1/depth?symbol=BTC_USDT&levels=1000`)).json()) as {
    data: { bids: unknown[]; asks: unknown[] };
  };
  if (d.data.bids.length < Math.min(levels, 1000)) throw new Error('the book was not built');
}

interface Phase {
  orderP50: number;
  orderP99: number;
  healthP99: number;
  orders: number;
}

/**
 * `rate` create_order/s for `seconds` from one user, each inside the spread (alternately a bid at 29,999.xx and an
 * ask at 30,000.xx, never crossing): every order changes a level in every depth size's top N. /healthz is polled
 * meanwhile, one request at a time every 20 ms.
 */
async function measure(base: string, auth: string, rate: number, seconds: number, counter: { i: number }) {
  const lat: number[] = [];
  const health: number[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const t = performance.now();
      await fetch(`${base}/healthz`).then((r) => r.arrayBuffer());
      health.push(performance.now() - t);
      await sleep(HEALTHZ_EVERY_MS);
    }
  })();
  const inflight: Array<Promise<void>> = [];
  for (let k = 0; ; k++) {
    const due = t0 + (k * 1000) / rate;
    if (due >= end) break;
    await sleep(due - performance.now());
    const i = counter.i++;
    const cents = String(1 + (Math.floor(i / 2) % 99)).padStart(2, '0');
    const o = i % 2 === 0 ? order('BUY', `29999.${cents}`, '0.001') : order('SELL', `30000.${cents}`, '0.001');
    const t = performance.now();
    inflight.push(
      post(base, '/api/v1/create_order', o, { authorization: auth }).then((r) => {
        if (r.status !== 202) throw new Error(`create_order answered ${r.status}: ${JSON.stringify(r.body)}`);
        lat.push(performance.now() - t);
      }),
    );
  }
  await Promise.all(inflight);
  polling = false;
  await poller;
  return { orderP50: pct(lat, 50), orderP99: pct(lat, 99), healthP99: pct(health, 99), orders: lat.length };
}

interface Subscribers {
  sockets: WebSocket[];
  received: { messages: number; bytes: number };
}

/** `connections` anonymous sockets, each subscribing depth with levels 1..values at 90 a second; they keep reading. */
async function subscribe(base: string, connections: number, values: number): Promise<Subscribers> {
  const received = { messages: 0, bytes: 0 };
  const answered: number[] = [];
  const sockets = await Promise.all(
    Array.from(
      { length: connections },
      (_, i) =>
        new Promise<WebSocket>((resolveWs, reject) => {
          const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, { perMessageDeflate: false });
          answered[i] = 0;
          ws.on('message', (d: Buffer) => {
            received.messages++;
            received.bytes += d.length;
            // `subscribed` or `error` answers a subscribe (the text is not parsed: the bench must stay light).
            if (d.subarray(0, 24).includes('"subscribed"') || d.subarray(0, 24).includes('"error"')) answered[i]!++;
          });
          ws.once('open', () => resolveWs(ws));
          ws.once('error', reject);
        }),
    ),
  );
  const t0 = performance.now();
  for (let v = 1; v <= values; v++) {
    await sleep(t0 + (v * 1000) / SUBSCRIBES_PER_SEC - performance.now());
    for (const ws of sockets)
      ws.send(JSON.stringify({ type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels: v }));
  }
  for (let t = 0; answered.some((n) => n < values) && t < 600; t++) await sleep(100);
  if (answered.some((n) => n < values)) throw new Error(`subscribe answers: ${answered.join(', ')} of ${values}`);
  return { sockets, received };
}

interface RunResult {
  a: Phase;
  b: Phase & { pushedPerSec: number; mibPerSec: number };
  a2: Phase;
}

async function run(o: Options, dir: string): Promise<RunResult> {
  const { child, base } = await startServer(o.server, dir);
  try {
    await buildBook(base, o.levels);
    const auth = await newUser(base, { BTC: '1000', USDT: '100000000' });
    const counter = { i: 0 };
    await measure(base, auth, o.rate, 2, counter); // warm-up, not reported
    const a = await measure(base, auth, o.rate, o.seconds, counter);
    const subs = await subscribe(base, o.connections, o.values);
    const before = { ...subs.received };
    const t = performance.now();
    const b = await measure(base, auth, o.rate, o.seconds, counter);
    const secs = (performance.now() - t) / 1000;
    const pushedPerSec = (subs.received.messages - before.messages) / secs;
    const mibPerSec = (subs.received.bytes - before.bytes) / secs / 2 ** 20;
    for (const ws of subs.sockets) ws.terminate();
    await sleep(500);
    const a2 = await measure(base, auth, o.rate, o.seconds, counter);
    return { a, b: { ...b, pushedPerSec, mibPerSec }, a2 };
  } finally {
    await stop(child);
  }
}

function row(name: string, p: Phase, base?: Phase): string {
  const r = (x: number, y: number | undefined) => (y === undefined ? '' : ` (${(x / y).toFixed(1)}x)`);
  return (
    `  ${name.padEnd(34)} create_order p50 ${ms(p.orderP50)}${r(p.orderP50, base?.orderP50)} ms, ` +
    `p99 ${ms(p.orderP99)}${r(p.orderP99, base?.orderP99)} ms; /healthz p99 ${ms(p.healthP99)}` +
    `${r(p.healthP99, base?.healthP99)} ms; ${p.orders} orders`
  );
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  console.log(
    `bench:depth: server ${o.server}; book ${o.levels} levels a side; ${o.rate} create_order/s for ${o.seconds} s ` +
      `per phase; ${o.connections} connections x ${o.values} depth levels values; ${o.runs} runs`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'fs-bench-depth-'));
  const results: RunResult[] = [];
  try {
    for (let i = 0; i < o.runs; i++) {
      const r = await run(o, dir);
      results.push(r);
      console.log(`run ${i + 1}:`);
      console.log(row('(a) no depth subscriber', r.a));
      console.log(
        row(`(b) ${o.connections} x ${o.values} depth subscribes`, r.b, r.a) +
          `; ${Math.round(r.b.pushedPerSec)} msgs/s, ${r.b.mibPerSec.toFixed(2)} MiB/s to the subscribers`,
      );
      console.log(row("(a') subscribers gone", r.a2, r.a));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = (f: (r: RunResult) => number) => median(results.map(f));
  const ratio = (f: (r: RunResult) => number, g: (r: RunResult) => number) => median(results.map((r) => f(r) / g(r)));
  console.log(`medians of ${results.length} runs (ratio: median of the per-run ratios (b)/(a)):`);
  console.log(
    `  create_order p50: (a) ${ms(med((r) => r.a.orderP50))} ms, (b) ${ms(med((r) => r.b.orderP50))} ms, ` +
      `${ratio(
        (r) => r.b.orderP50,
        (r) => r.a.orderP50,
      ).toFixed(2)}x`,
  );
  console.log(
    `  create_order p99: (a) ${ms(med((r) => r.a.orderP99))} ms, (b) ${ms(med((r) => r.b.orderP99))} ms, ` +
      `${ratio(
        (r) => r.b.orderP99,
        (r) => r.a.orderP99,
      ).toFixed(2)}x`,
  );
  console.log(
    `  /healthz p99:     (a) ${ms(med((r) => r.a.healthP99))} ms, (b) ${ms(med((r) => r.b.healthP99))} ms, ` +
      `${ratio(
        (r) => r.b.healthP99,
        (r) => r.a.healthP99,
      ).toFixed(2)}x`,
  );
  console.log(
    `  (a') after:       create_order p50 ${ms(med((r) => r.a2.orderP50))} ms, /healthz p99 ` +
      `${ms(med((r) => r.a2.healthP99))} ms; pushed to the subscribers in (b): ` +
      `${Math.round(med((r) => r.b.pushedPerSec))} msgs/s`,
  );
  if (o.micro) microFeed(o.levels, o.runs);
}

await main();
