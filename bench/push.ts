// bench:push — the WebSocket push, measured against a real server child:
//  1. latency from create_order's 202 to the owner's order.update push, at
//     fixed offered rates (default 1,000 and 10,000 orders/s; the achieved
//     rate is printed, since HTTP throughput may cap it);
//  2. N concurrent authenticated connections held with heartbeats, spread
//     over 127.0.0.x source addresses: server RSS per connection;
//  3. fan-out: one public trade stream to M subscribers, deliveries per
//     second, against a bare `ws` broadcast server measured in the same run.
//
//   npm run bench:push [-- --connections 100000 --subscribers 10000 --rates 1000,10000 --seconds 5 --rounds 3]

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort } from '../test/support/net.js';
import { exitOnHelp } from './help.js';

exitOnHelp(`bench:push: the WebSocket push against a real server child: create_order 202 -> order.update latency at offered
rates, server memory per authenticated connection, and trades fan-out against a bare ws broadcast server.

usage: npm run bench:push [-- --connections 15000 --subscribers 10000 --rates 1000,10000 --seconds 5 --rounds 3]
  --connections N   concurrent authenticated connections held (default 15000)
  --subscribers N   trades subscribers of the fan-out (default 10000)
  --rates LIST      offered create_order rates per second, comma-separated (default 1000,10000)
  --seconds S       seconds per rate and per fan-out round (default 5)
  --rounds N        fan-out rounds, alternating with the bare ws server (default 3)`);

interface Options {
  connections: number;
  subscribers: number;
  rates: number[];
  seconds: number;
  /** Rounds of the fan-out comparison (alternating with the bare ws baseline). */
  rounds: number;
}

function parseArgs(argv: string[]): Options {
  // 15,000 connections by default: this machine's hard RLIMIT_NOFILE is 20,000 per process and cannot be raised.
  const o: Options = { connections: 15_000, subscribers: 10_000, rates: [1000, 10_000], seconds: 5, rounds: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1] ?? '';
    if (argv[i] === '--connections') o.connections = Number(v);
    else if (argv[i] === '--subscribers') o.subscribers = Number(v);
    else if (argv[i] === '--rates') o.rates = v.split(',').map(Number);
    else if (argv[i] === '--seconds') o.seconds = Number(v);
    else if (argv[i] === '--rounds') o.rounds = Number(v);
  }
  return o;
}

const ADMIN = 'bench-push-admin-token-0123456789';
const MAX_INFLIGHT = 256;
const SLOW_READERS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number);
};

async function startServer(dir: string, extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const env = {
    PATH: process.env['PATH'] ?? '',
    FILLSTREAM_PORT: String(port),
    FILLSTREAM_HOST: '0.0.0.0',
    DATABASE_URL: `sqlite:${join(dir, `push-${port}.db`)}`,
    FILLSTREAM_ADMIN_TOKEN: ADMIN,
    FILLSTREAM_TOKEN_SECRET: 'bench-push-token-secret-0123456789abcdef',
    FILLSTREAM_ENCRYPTION_KEY: 'e'.repeat(64),
    FILLSTREAM_LOG_LEVEL: 'error',
    FILLSTREAM_RATE_ORDERS: '1000000',
    FILLSTREAM_RATE_QUERIES: '1000000',
    FILLSTREAM_QUEUE_CAPACITY: '1000000',
    FILLSTREAM_WS_MAX_CONNECTIONS_PER_USER: '10000',
    // As many connections as this machine's open-files limit lets one process hold (the server lowers it to fit).
    FILLSTREAM_MAX_CONNECTIONS: '100000',
    FILLSTREAM_MAX_CONNECTIONS_PER_IP: '100000',
    FILLSTREAM_WS_MAX_ANONYMOUS_CONNECTIONS: '100000',
    ...extraEnv,
  };
  const child = spawn(process.execPath, ['--max-old-space-size=8192', 'dist/src/cli/main.js', 'serve'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) break;
    } catch {
      // starting
    }
    await sleep(50);
  }
  return { child, base, port };
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
  return (await r.json()) as { code: number; data: Record<string, unknown> };
}

async function newUser(base: string, funds: Record<string, string>) {
  const u = (await post(base, '/api/v1/admin/users', {}, { 'x-admin-token': ADMIN })).data;
  for (const [asset, qty] of Object.entries(funds)) {
    await post(base, '/api/v1/admin/deposit', { user_id: u['user_id'], asset, qty }, { 'x-admin-token': ADMIN });
  }
  return { id: u['user_id'] as number, token: u['token'] as string };
}

function connect(url: string, localAddress?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
    ws.once('open', () => {
      ws.on('error', () => undefined); // a reset after the benchmark phase is not a failure
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

async function rss(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = /^fillstream_process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(text);
  return m ? Number(m[1]) : NaN;
}

/** 1. create_order 202 -> order.update NEW on the owner's socket, at an offered rate. */
async function latency(dir: string, rates: number[], seconds: number): Promise<void> {
  const { child, base } = await startServer(dir);
  try {
    const users = await Promise.all(
      Array.from({ length: 20 }, () => newUser(base, { USDT: '1000000000', BTC: '100000' })),
    );
    // Per order id: when its HTTP answer was read (with when the request left) and when its push was read.
    const acked = new Map<number, { sentAt: number; at: number }>();
    const pushedAt = new Map<number, number>();
    const lat: number[] = []; // ack read -> push read, 0 when the push was read first
    const e2e: number[] = []; // request sent -> push read
    let pushFirst = 0;
    const record = (id: number): void => {
      const a = acked.get(id);
      const p = pushedAt.get(id);
      if (a === undefined || p === undefined) return;
      lat.push(Math.max(0, p - a.at));
      e2e.push(p - a.sentAt);
      if (p <= a.at) pushFirst++;
      acked.delete(id);
      pushedAt.delete(id);
    };
    for (const u of users) {
      const ws = await connect(base.replace('http', 'ws') + '/ws');
      ws.send(JSON.stringify({ type: 'auth', token: u.token }));
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { type: string; data?: { order_id: number; status: string } };
        if (m.type !== 'order.update' || m.data?.status !== 'NEW') return;
        pushedAt.set(m.data.order_id, performance.now());
        record(m.data.order_id);
      });
    }
    await sleep(300);
    // A first, unreported pass warms the JIT, the page cache and SQLite's cache (its p99 is an order of
    // magnitude above the steady state's: start-up compilation, not the push path).
    const phases = [
      { rate: rates[0] ?? 1000, secs: 2, warmup: true },
      ...rates.map((r) => ({ rate: r, secs: seconds, warmup: false })),
      // The first rate again with SLOW_READERS connections that subscribe to every public channel and then stop
      // reading: the owners' latency should not move, and the server's memory stays within the backlog limits.
      { rate: rates[0] ?? 1000, secs: seconds, warmup: false, slow: true },
    ];
    for (const { rate, secs, warmup, slow } of phases) {
      lat.length = 0;
      e2e.length = 0;
      pushFirst = 0;
      let slowReaders: WebSocket[] = [];
      let rssBefore = 0;
      if (slow === true) {
        rssBefore = await rss(base);
        slowReaders = await Promise.all(
          Array.from({ length: SLOW_READERS }, () => connect(base.replace('http', 'ws') + '/ws')),
        );
        for (const ws of slowReaders) {
          for (const channel of ['trades', 'depth', 'ticker']) {
            ws.send(JSON.stringify({ type: 'subscribe', channel, symbol: 'BTC_USDT', levels: 100 }));
          }
        }
        await sleep(300);
        for (const ws of slowReaders) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
      }
      let sent = 0;
      let done = 0;
      let open = 0;
      const t0 = performance.now();
      const end = t0 + secs * 1000;
      const inflight: Array<Promise<void>> = [];
      while (performance.now() < end) {
        const due = Math.floor(((performance.now() - t0) / 1000) * rate);
        // At most MAX_INFLIGHT requests open: past what the server takes, offered load is dropped, not queued.
        for (; sent < due; sent++) {
          if (open >= MAX_INFLIGHT) continue;
          open++;
          const u = users[sent % users.length] as { token: string };
          const side = sent % 2 ? 'SELL' : 'BUY';
          const price = side === 'BUY' ? '29990.00' : '30010.00';
          const sentAt = performance.now();
          inflight.push(
            post(
              base,
              '/api/v1/create_order',
              { symbol: 'BTC_USDT', side, order_type: 'LIMIT', price, qty: '0.001' },
              {
                authorization: `Bearer ${u.token}`,
              },
            ).then((r) => {
              done++;
              open--;
              const id = r.data?.['order_id'] as number | undefined;
              if (id === undefined) return;
              acked.set(id, { sentAt, at: performance.now() });
              record(id);
            }),
          );
        }
        await sleep(1);
      }
      await Promise.all(inflight);
      await sleep(500);
      const achieved = done / secs;
      console.log(
        `  ${warmup ? '(warm-up, not counted) ' : ''}offered ${rate}/s, achieved ${Math.round(achieved)}/s: ack -> push p50 ${pct(lat, 50).toFixed(2)} ms, ` +
          `p99 ${pct(lat, 99).toFixed(2)} ms, p99.9 ${pct(lat, 99.9).toFixed(2)} ms (${lat.length} samples, ` +
          `${((100 * pushFirst) / Math.max(1, lat.length)).toFixed(1)}% pushed before the answer was read); ` +
          `request sent -> push p50 ${pct(e2e, 50).toFixed(2)} ms, p99 ${pct(e2e, 99).toFixed(2)} ms, ` +
          `p99.9 ${pct(e2e, 99.9).toFixed(2)} ms` +
          (slow === true ? `, with ${SLOW_READERS} readers that stopped reading` : ''),
      );
      if (slow === true) {
        const text = await (await fetch(`${base}/metrics`)).text();
        const closes = /^fillstream_ws_slow_consumer_closes_total (\d+)/m.exec(text)?.[1] ?? '?';
        const after = await rss(base);
        console.log(
          `    server RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(after / 2 ** 20).toFixed(0)} MiB, ` +
            `slow-consumer closes ${closes} (backlog limit per connection: 4 MiB or 10,000 messages)`,
        );
        slowReaders.forEach((ws) => ws.terminate());
      }
    }
  } finally {
    await stop(child);
  }
}

/** 2. N authenticated connections with heartbeats: server memory per connection. */
async function connections(dir: string, n: number): Promise<void> {
  const { child, base, port } = await startServer(dir, { FILLSTREAM_WS_PING_INTERVAL_MS: '30000' });
  const sockets: WebSocket[] = [];
  try {
    const users = await Promise.all(Array.from({ length: Math.ceil(n / 10_000) }, () => newUser(base, {})));
    await sleep(500);
    const before = await rss(base);
    const t0 = performance.now();
    const batch = 500;
    for (let i = 0; i < n; i += batch) {
      const opened = await Promise.all(
        Array.from({ length: Math.min(batch, n - i) }, (_, k) => {
          const j = i + k;
          const local = `127.0.${1 + Math.floor(j / 50_000)}.${1 + (Math.floor(j / 250) % 250)}`;
          const token = (users[Math.floor(j / 10_000)] as { token: string }).token;
          return connect(`ws://127.0.0.1:${port}/ws?token=${token}`, local);
        }),
      );
      sockets.push(...opened);
    }
    await sleep(2000);
    const after = await rss(base);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const open = /^fillstream_ws_connections (\d+)/m.exec(metrics)?.[1];
    console.log(
      `  ${n} connections open on the server (${open}) in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `RSS ${(before / 1048576).toFixed(0)} -> ${(after / 1048576).toFixed(0)} MiB = ` +
        `${((after - before) / n / 1024).toFixed(2)} KiB per connection`,
    );
  } finally {
    for (const s of sockets) s.terminate();
    await stop(child);
  }
}

/** 3. One public trade stream to M subscribers, against a bare ws broadcast of the same messages. */
async function fanout(dir: string, m: number, seconds: number, rounds: number): Promise<void> {
  const count = { n: 0, first: 0, last: 0 };
  const subscribe = async (url: string, onOpen?: (ws: WebSocket) => void) => {
    const sockets: WebSocket[] = [];
    for (let i = 0; i < m; i += 500) {
      const opened = await Promise.all(
        Array.from({ length: Math.min(500, m - i) }, (_, k) =>
          connect(url, `127.0.${10 + Math.floor((i + k) / 50_000)}.${1 + (Math.floor((i + k) / 250) % 250)}`),
        ),
      );
      for (const ws of opened) {
        ws.on('message', () => {
          const now = performance.now();
          if (count.n++ === 0) count.first = now;
          count.last = now;
        });
        onOpen?.(ws);
      }
      sockets.push(...opened);
    }
    return sockets;
  };

  // Baseline: a bare ws server in its own process (one process may not hold both ends of 10k sockets here).
  // Rounds alternate between it and fillstream; both are read by this one process, so the ratio of medians
  // is what counts.
  const bareRound = async (): Promise<number> => {
    const port = await freePort();
    const bareChild = spawn(
      process.execPath,
      ['dist/bench/bare-broadcast.js', String(port), String(m), String(seconds)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise((r) => bareChild.stdout?.once('data', r));
    const exited = new Promise((r) => bareChild.once('exit', r));
    const bare = await subscribe(`ws://127.0.0.1:${port}`);
    count.n = 0;
    await exited;
    await sleep(500);
    // Both rates run from the first delivery to the last one seen.
    const bareRate = count.n / ((count.last - count.first) / 1000);
    bare.forEach((s) => s.terminate());
    console.log(`  bare ws broadcast: ${Math.round(bareRate).toLocaleString('en-US')} deliveries/s to ${m} sockets`);
    return bareRate;
  };

  // fillstream: subscribers on `trades`, trades generated over HTTP as fast as the server takes them.
  const { child, base } = await startServer(dir);
  const ours: number[] = [];
  const theirs: number[] = [];
  try {
    const [a, b] = [
      await newUser(base, { USDT: '1000000000', BTC: '100000' }),
      await newUser(base, { USDT: '1000000000', BTC: '100000' }),
    ];
    const order = (side: string, token: string) =>
      post(
        base,
        '/api/v1/create_order',
        { symbol: 'BTC_USDT', side, order_type: 'LIMIT', price: '30000.00', qty: '0.001' },
        {
          authorization: `Bearer ${token}`,
        },
      );
    for (let round = 0; round < rounds; round++) {
      theirs.push(await bareRound());
      const subs = await subscribe(base.replace('http', 'ws') + '/ws', (ws) =>
        ws.send(JSON.stringify({ type: 'subscribe', channel: 'trades', symbol: 'BTC_USDT' })),
      );
      await sleep(1000);
      count.n = 0;
      const t0 = performance.now();
      const end = t0 + seconds * 1000;
      let trades = 0;
      while (performance.now() < end) {
        await Promise.all(Array.from({ length: 100 }, () => order('SELL', b.token)));
        await Promise.all(Array.from({ length: 100 }, () => order('BUY', a.token)));
        trades += 100;
      }
      await sleep(1000); // let the last deliveries land; the rate runs to the last one, not to here
      const rate = count.n / ((count.last - count.first) / 1000);
      ours.push(rate);
      console.log(
        `  fillstream trades channel: ${Math.round(rate).toLocaleString('en-US')} deliveries/s to ${m} subscribers ` +
          `(${trades} trades; ${count.n} of ${trades * m} expected deliveries)`,
      );
      subs.forEach((s) => s.terminate());
      await sleep(500);
    }
  } finally {
    await stop(child);
  }
  const med = (xs: number[]) => pct(xs, 50);
  console.log(
    `  medians of ${rounds} rounds: fillstream ${Math.round(med(ours)).toLocaleString('en-US')} / bare ws ` +
      `${Math.round(med(theirs)).toLocaleString('en-US')} deliveries/s = ${(med(ours) / med(theirs)).toFixed(2)}x`,
  );
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'fs-bench-push-'));
  try {
    console.log('1. create_order ack -> order.update push');
    await latency(dir, o.rates, o.seconds);
    console.log(`2. ${o.connections} concurrent authenticated connections`);
    await connections(dir, o.connections);
    console.log(`3. fan-out of the trades channel to ${o.subscribers} subscribers`);
    await fanout(dir, o.subscribers, o.seconds, o.rounds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
