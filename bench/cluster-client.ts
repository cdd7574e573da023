// Client process of bench:cluster (started by bench/cluster.ts, one per slice of connections, since one process may
// hold at most 20,000 open files here). Its job, as JSON in argv[2]:
//  - "hold": open `urls.length`-spread authenticated connections, print "open <n>", then for `seconds` send a
//    WebSocket protocol ping on every connection every `pingEveryMs` and time each pong;
//  - "fanout": open subscribers to the trades channel, print "open <n>", count every trade until a stdin line,
//    printing "count <n>" every 250 ms so the parent can wait for the last deliveries instead of guessing a tail,
//    and per server (index in `urls`): sockets opened, subscriptions confirmed, sockets that got no trade, and
//    messages other than trades by type (an error answer, say), so a shortfall can be traced to a server.
// It ends by printing one JSON line: what it reached, the round trips or the deliveries (with epoch-ms first/last
// times, comparable across processes), and its own CPU time, so the parent can tell when the client was the limit.

import WebSocket from 'ws';

interface Job {
  mode: 'hold' | 'fanout';
  /** ws:// URLs (with ?token= for "hold"), used round-robin. */
  urls: string[];
  count: number;
  /** Third octet of this process's 127.x.y.z source addresses (250 connections per address). */
  subnet: number;
  seconds: number;
  pingEveryMs: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const now = (): number => performance.timeOrigin + performance.now();

/** Fan-out sockets per server (index in `urls`), and what each received. */
interface PerServer {
  open: number;
  subscribed: number;
  noTrade: number;
  deliveries: number;
  /** Messages that are neither a trade nor the subscription's answer, by type (and code, for an error). */
  other: Record<string, number>;
}
const perServer: PerServer[] = job.urls.map(() => ({ open: 0, subscribed: 0, noTrade: 0, deliveries: 0, other: {} }));
const serverOf = new Map<WebSocket, number>();
/** Fan-out sockets whose subscription the server confirmed (`subscribed`). */
const confirmed = new Set<WebSocket>();

function open(url: string, localAddress: string): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress });
    ws.once('open', () => {
      ws.on('error', () => undefined);
      // Subscribed at once: an anonymous connection without a subscription is closed after ws.authTimeoutMs (4008),
      // and opening thousands on a busy machine can take longer than that.
      if (job.mode === 'fanout') {
        ws.send(JSON.stringify({ type: 'subscribe', channel: 'trades', symbol: 'BTC_USDT' }));
        const confirm = (d: Buffer) => {
          if (!d.toString('latin1', 0, 40).includes('"subscribed"')) return;
          confirmed.add(ws);
          ws.off('message', confirm);
        };
        ws.on('message', confirm);
      }
      resolve(ws);
    });
    ws.once('error', (e: Error & { code?: string }) => {
      const why = e.code ?? e.message.slice(0, 60);
      connectErrors[why] = (connectErrors[why] ?? 0) + 1;
      resolve(null);
    });
  });
}

/** Sockets that did not open, by error (a refused upgrade, a connect that failed). */
const connectErrors: Record<string, number> = {};

async function openAll(): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < job.count; i += 250) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(250, job.count - i) }, (_, k) => {
        const j = i + k;
        const local = `127.${job.subnet}.${1 + Math.floor(j / 250)}.${1 + (j % 250)}`;
        return open(job.urls[j % job.urls.length] as string, local).then((ws) => {
          if (ws !== null) serverOf.set(ws, j % job.urls.length);
          return ws;
        });
      }),
    );
    for (const ws of batch) if (ws !== null) sockets.push(ws);
  }
  return sockets;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const sockets = await openAll();
  let deliveries = 0;
  let first = 0;
  let last = 0;
  const rtts: number[] = [];
  /** Connections the server closed during the round, by close code (a slow consumer is closed 1013). */
  const closes: Record<string, number> = {};
  for (const ws of sockets) ws.once('close', (code) => (closes[code] = (closes[code] ?? 0) + 1));
  const trades = new Map<WebSocket, number>();
  if (job.mode === 'fanout') {
    for (const ws of sockets) {
      const server = perServer[serverOf.get(ws) as number] as PerServer;
      server.open++;
      trades.set(ws, 0);
      ws.on('message', (d: Buffer) => {
        // Trades only: a subscription's answer read late (a busy machine) is not a delivery.
        const head = d.toString('latin1', 0, 40);
        if (!head.includes('"market.trade"')) {
          const m = JSON.parse(d.toString()) as { type?: string; code?: number };
          if (m.type !== 'subscribed') {
            const what = `${m.type}${m.code === undefined ? '' : ` ${m.code}`}`;
            server.other[what] = (server.other[what] ?? 0) + 1;
          }
          return;
        }
        trades.set(ws, (trades.get(ws) as number) + 1);
        const t = now();
        if (deliveries++ === 0) first = t;
        last = t;
      });
    }
  }
  await sleep(500);
  deliveries = 0;
  for (const ws of sockets) trades.set(ws, 0);
  process.stdout.write(`open ${sockets.length}\n`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + job.seconds * 1000;
  if (job.mode === 'hold') {
    const sentAt = new Map<WebSocket, number>();
    for (const ws of sockets) {
      ws.on('pong', () => {
        const s = sentAt.get(ws);
        if (s !== undefined) rtts.push(performance.now() - s);
        sentAt.delete(ws);
      });
    }
    // Pings spread evenly over each interval, not in one burst, as independent clients' heartbeats would be.
    const slice = Math.max(1, Math.ceil(sockets.length / (job.pingEveryMs / 10)));
    while (performance.now() < end) {
      for (let i = 0; i < sockets.length && performance.now() < end; i += slice) {
        for (const ws of sockets.slice(i, i + slice)) {
          sentAt.set(ws, performance.now());
          ws.ping();
        }
        await sleep(10);
      }
    }
    await sleep(500);
  } else {
    // Counts until the parent, done generating trades and seeing the counts settle, writes a line on stdin.
    const progress = setInterval(() => process.stdout.write(`count ${deliveries}\n`), 250);
    await new Promise((r) => process.stdin.once('data', r));
    clearInterval(progress);
  }
  const cpu = process.cpuUsage(cpu0);
  for (const [ws, n] of trades) {
    const server = perServer[serverOf.get(ws) as number] as PerServer;
    server.deliveries += n;
    if (confirmed.has(ws)) server.subscribed++;
    if (n === 0) server.noTrade++;
  }
  const wallMs = performance.now() - t0;
  for (const ws of sockets) ws.removeAllListeners('close').terminate();
  // Round trips to 10 µs (shorter line); exit only once the line is written (a pipe write may be asynchronous).
  const line = JSON.stringify({
    open: sockets.length,
    deliveries,
    first,
    last,
    rtts: rtts.map((r) => Math.round(r * 100) / 100),
    closes,
    connectErrors,
    perServer: job.mode === 'fanout' ? perServer : [],
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
  });
  process.stdout.write(line + '\n', () => process.exit(0));
}

await main();
