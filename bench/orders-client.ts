// The load generator of bench:orders, one child process of several (forked with IPC): places LIMIT orders on the
// server, either over HTTP (create_order on keep-alive connections, with one WebSocket per user to read the
// order.update pushes) or over the WebSocket (order.place on authenticated sockets, pushes on the same socket);
// closed loop (a fixed number of requests in flight) or open loop (a fixed offered rate). Reports per-order
// latencies (sent → result read, sent → order.update NEW read), counts and its own CPU time.

import http from 'node:http';
import WebSocket from 'ws';

export interface ClientSpec {
  readonly transport: 'http' | 'ws';
  readonly base: string;
  /** Bearer tokens of the users this process sends for (one connection each, round robin beyond). */
  readonly tokens: readonly string[];
  /** Connections (HTTP: keep-alive sockets; WS: order sockets). */
  readonly connections: number;
  /** Closed loop: requests in flight per connection. */
  readonly inFlightPerConnection: number;
  /** Open loop: orders per second offered by this process (0: closed loop). */
  readonly rate: number;
  readonly durationMs: number;
  /** Prefix of this run's cids (unique per process and run). */
  readonly tag: string;
}

export interface ClientReport {
  readonly done: number;
  readonly errors: number;
  readonly firstError: string | null;
  /** ms, one per answered order. */
  readonly toResult: number[];
  /** ms, one per order whose NEW was read within the run (plus a grace period). */
  readonly toPush: number[];
  readonly cpuUs: number;
  readonly wallMs: number;
}

let seq = 0;
function orderBody(tag: string): { cid: string; body: Record<string, string> } {
  const n = seq++;
  const cid = `${tag}${n}`;
  // Two price levels that never cross: every order rests (NEW), and one frozen asset per side.
  const buy = n % 2 === 0;
  return {
    cid,
    body: {
      symbol: 'BTC_USDT',
      side: buy ? 'BUY' : 'SELL',
      order_type: 'LIMIT',
      price: buy ? '100.00' : '200.00',
      qty: '0.001',
      cid,
    },
  };
}

function openSocket(base: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`, {
    perMessageDeflate: false,
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function run(spec: ClientSpec): Promise<ClientReport> {
  const sentAt = new Map<string, number>();
  const toResult: number[] = [];
  const toPush: number[] = [];
  let done = 0;
  let errors = 0;
  let firstError: string | null = null;
  const fail = (why: string) => {
    errors++;
    firstError ??= why;
  };
  const onPush = (text: string): void => {
    if (!text.startsWith('{"type":"order.update"')) return;
    const m = JSON.parse(text) as { data: { cid: string | null; status: string } };
    if (m.data.status !== 'NEW' || m.data.cid === null) return;
    const t0 = sentAt.get(m.data.cid);
    if (t0 !== undefined) toPush.push(performance.now() - t0);
  };
  const sockets: WebSocket[] = [];
  const n = spec.connections;
  for (let i = 0; i < (spec.transport === 'ws' ? n : Math.min(n, spec.tokens.length)); i++) {
    const ws = await openSocket(spec.base, spec.tokens[i % spec.tokens.length] as string);
    sockets.push(ws);
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  const url = new URL(`${spec.base}/api/v1/create_order`);
  let nextReq = 0;
  /** Sends one order on connection `i`; calls `after` when its answer is read. */
  let send: (i: number, after: () => void) => void;
  const settle = (cid: string, ok: boolean, why: string, after: () => void) => {
    const t0 = sentAt.get(cid);
    if (t0 !== undefined) {
      if (ok) {
        done++;
        toResult.push(performance.now() - t0);
      } else fail(why);
    }
    after();
  };
  if (spec.transport === 'ws') {
    const waiting = new Map<string, { cid: string; after: () => void }>();
    for (const ws of sockets) {
      ws.on('message', (data) => {
        const text = data.toString();
        if (text.startsWith('{"type":"order.result"')) {
          const m = JSON.parse(text) as { id: string; code: number; msg?: string };
          const w = waiting.get(m.id);
          if (w === undefined) return;
          waiting.delete(m.id);
          settle(w.cid, m.code === 0, `${m.code} ${m.msg ?? ''}`, w.after);
        } else onPush(text);
      });
    }
    send = (i, after) => {
      const { cid, body } = orderBody(spec.tag);
      const id = `q${nextReq++}`;
      waiting.set(id, { cid, after });
      sentAt.set(cid, performance.now());
      (sockets[i % sockets.length] as WebSocket).send(
        `{"type":"order.place","id":"${id}","params":${JSON.stringify(body)}}`,
      );
    };
  } else {
    for (const ws of sockets) ws.on('message', (data) => onPush(data.toString()));
    send = (i, after) => {
      const { cid, body } = orderBody(spec.tag);
      const text = JSON.stringify(body);
      const token = spec.tokens[i % spec.tokens.length] as string;
      sentAt.set(cid, performance.now());
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
            authorization: `Bearer ${token}`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => settle(cid, res.statusCode === 202, `HTTP ${res.statusCode}`, after));
        },
      );
      req.on('error', (e) => settle(cid, false, e.message, after));
      req.end(text);
    };
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + spec.durationMs;
  await new Promise<void>((resolve) => {
    if (spec.rate === 0) {
      let active = n * spec.inFlightPerConnection;
      const loop = (i: number) => () => {
        if (performance.now() < end) send(i, loop(i));
        else if (--active === 0) resolve();
      };
      for (let i = 0; i < n; i++) for (let k = 0; k < spec.inFlightPerConnection; k++) send(i, loop(i));
    } else {
      let sent = 0;
      let outstanding = 0;
      let stopped = false;
      const after = () => {
        outstanding--;
        if (stopped && outstanding === 0) resolve();
      };
      const tick = setInterval(() => {
        const now = performance.now();
        const due = Math.floor(((Math.min(now, end) - t0) * spec.rate) / 1000);
        for (; sent < due; sent++) {
          outstanding++;
          send(sent, after);
        }
        if (now >= end) {
          clearInterval(tick);
          stopped = true;
          if (outstanding === 0) resolve();
        }
      }, 1);
    }
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // Pushes still on their way: a short grace, then the sockets close.
  await new Promise((r) => setTimeout(r, 300));
  for (const ws of sockets) ws.terminate();
  agent.destroy();
  return { done, errors, firstError, toResult, toPush, cpuUs: cpu.user + cpu.system, wallMs };
}

process.on('message', (spec: ClientSpec) => {
  run(spec).then(
    (r) => process.send?.(r, () => process.exit(0)),
    (e: unknown) => {
      process.send?.({ error: String(e) }, () => process.exit(1));
    },
  );
});
