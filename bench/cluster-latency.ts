// bench:cluster's latency round: create_order at an offered rate through one or more servers (gateways, or serve),
// each owner's socket on one of them (round-robin, so most orders enter on another gateway than the socket's), and
// the time from the HTTP answer (and from the request) to the owner's order.update NEW push.

import WebSocket from 'ws';

export interface LatencyRound {
  p50: number;
  p99: number;
  e2eP50: number;
  e2eP99: number;
  achieved: number;
}

export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number);
};

export async function post(base: string, path: string, body: unknown, headers: Record<string, string>) {
  const r = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return (await r.json()) as { code: number; data: Record<string, unknown> };
}

const MAX_INFLIGHT = 256;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function pushLatency(
  bases: string[],
  users: Array<{ token: string }>,
  rate: number,
  seconds: number,
  label: string,
): Promise<LatencyRound> {
  const acked = new Map<number, { sentAt: number; at: number }>();
  const pushedAt = new Map<number, number>();
  const lat: number[] = [];
  const e2e: number[] = [];
  const record = (id: number): void => {
    const a = acked.get(id);
    const p = pushedAt.get(id);
    if (a === undefined || p === undefined) return;
    lat.push(Math.max(0, p - a.at));
    e2e.push(p - a.sentAt);
    acked.delete(id);
    pushedAt.delete(id);
  };
  const sockets = await Promise.all(
    users.map(
      (u, i) =>
        new Promise<WebSocket>((resolve, reject) => {
          const base = bases[i % bases.length] as string;
          const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${u.token}`, { perMessageDeflate: false });
          ws.on('message', (d) => {
            const m = JSON.parse(d.toString()) as { type: string; data?: { order_id: number; status: string } };
            if (m.type !== 'order.update' || m.data?.status !== 'NEW') return;
            pushedAt.set(m.data.order_id, performance.now());
            record(m.data.order_id);
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
  await sleep(300);
  let sent = 0;
  let done = 0;
  let open = 0;
  const inflight: Array<Promise<void>> = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    // At most MAX_INFLIGHT requests open: past what the servers take, offered load is dropped, not queued.
    for (; sent < due; sent++) {
      if (open >= MAX_INFLIGHT) continue;
      open++;
      const u = users[sent % users.length] as { token: string };
      const side = sent % 2 ? 'SELL' : 'BUY';
      const sentAt = performance.now();
      inflight.push(
        post(
          bases[Math.floor(sent / users.length) % bases.length] as string,
          '/api/v1/create_order',
          {
            symbol: 'BTC_USDT',
            side,
            order_type: 'LIMIT',
            price: side === 'BUY' ? '29990.00' : '30010.00',
            qty: '0.001',
          },
          { authorization: `Bearer ${u.token}` },
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
  for (const ws of sockets) ws.terminate();
  const round = {
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    e2eP50: pct(e2e, 50),
    e2eP99: pct(e2e, 99),
    achieved: done / seconds,
  };
  console.log(
    `  ${label}: achieved ${Math.round(round.achieved)}/s; ack -> push p50 ${round.p50.toFixed(2)} ms, p99 ` +
      `${round.p99.toFixed(2)} ms; request -> push p50 ${round.e2eP50.toFixed(2)} ms, p99 ${round.e2eP99.toFixed(2)} ms ` +
      `(${lat.length} samples)`,
  );
  return round;
}
