// WebSocket push against a real server and real sockets: the seed scenario's
// exact messages, three connections of one user, resume (also across a
// restart), push/HTTP consistency during 1,000 random orders, and a depth
// book kept from snapshot + updates equal to the server's after 10,000 orders.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/node/server-node.js';

const ADMIN = 'push-test-admin-token-0123456789';
const SECRET = 'push-test-token-secret-0123456789abcdef';
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function serve(dir?: string): Promise<{ srv: RunningServer; dir: string }> {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'fs-push-'));
  if (dir === undefined) dirs.push(d);
  const config = loadConfig({
    flags: {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: `sqlite:${join(d, 'push.db')}`,
      adminToken: ADMIN,
      tokenSecret: SECRET,
      encryptionKey: 'd'.repeat(64),
      logLevel: 'silent',
      'rateLimits.ordersPerSec': 100_000,
      'rateLimits.cancelsPerSec': 100_000,
      'rateLimits.queriesPerSec': 100_000,
    },
    env: {},
  });
  return { srv: await startServer(config, { logger: pino({ level: 'silent' }) }), dir: d };
}

type Msg = Record<string, unknown> & { type: string; seq?: number; data?: Record<string, unknown> };

class Peer {
  readonly log: Msg[] = [];
  private waiters: Array<() => void> = [];
  closed: number | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.log.push(JSON.parse(d.toString()) as Msg);
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', (code) => {
      this.closed = code;
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async open(srv: RunningServer, token: string | null, resumeFrom?: number): Promise<Peer> {
    const ws = new WebSocket(srv.url.replace('http', 'ws') + '/ws');
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const p = new Peer(ws);
    if (token !== null) {
      ws.send(
        JSON.stringify({ type: 'auth', token, ...(resumeFrom !== undefined ? { resume_from: resumeFrom } : {}) }),
      );
      await p.until((l) => l.some((m) => m.type === 'auth.success'));
    }
    return p;
  }
  async until(pred: (log: Msg[]) => boolean, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred(this.log)) {
      if (Date.now() > end) throw new Error(`timeout; last messages: ${JSON.stringify(this.log.slice(-3))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  private(): Msg[] {
    return this.log.filter((m) => m.type === 'order.update' || m.type === 'trade' || m.type === 'balance.update');
  }
  send(o: unknown): void {
    this.ws.send(JSON.stringify(o));
  }
  close(): void {
    this.ws.close();
  }
}

async function http(srv: RunningServer, method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (path.startsWith('/api/v1/admin')) headers['x-admin-token'] = ADMIN;
  const r = await fetch(srv.url + path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await r.json()) as { code: number; data: Record<string, unknown> & Record<string, never> };
  assert.ok(r.status < 500, `${method} ${path} answered ${r.status}`);
  return { status: r.status, ...json };
}

async function user(srv: RunningServer, funds: Record<string, string>): Promise<{ id: number; token: string }> {
  const u = (await http(srv, 'POST', '/api/v1/admin/users', {})).data as unknown as { user_id: number; token: string };
  for (const [asset, qty] of Object.entries(funds)) {
    await http(srv, 'POST', '/api/v1/admin/deposit', { user_id: u.user_id, asset, qty });
  }
  return { id: u.user_id, token: u.token };
}

const order = (side: string, price: string, qty: string, extra: Record<string, unknown> = {}) => ({
  symbol: 'BTC_USDT',
  side,
  order_type: 'LIMIT',
  price,
  qty,
  ...extra,
});

test('seed scenario: each side gets exactly its own order.update, trade and balance.update', async () => {
  const { srv } = await serve();
  try {
    const a = await user(srv, { USDT: '100000' }); // 1001 buys
    const b = await user(srv, { BTC: '1' }); // 1002 sells
    const pa = await Peer.open(srv, a.token);
    const pb = await Peer.open(srv, b.token);
    const sell = await http(srv, 'POST', '/api/v1/create_order', order('SELL', '30000.00', '0.1'), b.token);
    const buy = await http(srv, 'POST', '/api/v1/create_order', order('BUY', '30000.00', '0.1'), a.token);
    assert.equal(sell.status, 202);
    assert.equal(buy.status, 202);
    await pa.until((l) => l.filter((m) => m.type === 'balance.update').length >= 3);
    await pb.until((l) => l.filter((m) => m.type === 'balance.update').length >= 3);

    const shape = (p: Peer) =>
      p.private().map((m) => [m.type, m.data?.['status'] ?? m.data?.['role'] ?? m.data?.['asset']]);
    assert.deepEqual(shape(pa), [
      ['order.update', 'NEW'],
      ['balance.update', 'USDT'],
      ['trade', 'TAKER'],
      ['order.update', 'FILLED'],
      ['balance.update', 'BTC'],
      ['balance.update', 'USDT'],
    ]);
    assert.deepEqual(shape(pb), [
      ['order.update', 'NEW'],
      ['balance.update', 'BTC'],
      ['trade', 'MAKER'],
      ['order.update', 'FILLED'],
      ['balance.update', 'BTC'],
      ['balance.update', 'USDT'],
    ]);
    // Exact field formats (display decimals, names not ids, signed deltas).
    const trade = pa.private().find((m) => m.type === 'trade') as Msg;
    assert.deepEqual(trade.data, {
      trade_id: 1,
      order_id: buy.data['order_id'],
      symbol: 'BTC_USDT',
      side: 'BUY',
      price: '30000.00',
      qty: '0.100000',
      fee: '0.000200',
      fee_asset: 'BTC',
      role: 'TAKER',
      traded_at: trade.data?.['traded_at'],
    });
    const filled = pb.private().find((m) => m.data?.['status'] === 'FILLED') as Msg;
    assert.equal(filled.data?.['avg_price'], '30000.00');
    assert.equal(filled.data?.['filled_qty'], '0.100000');
    const bQuote = pb.private().at(-1) as Msg;
    assert.deepEqual(bQuote.data, {
      asset: 'USDT',
      avail: '2997.00',
      frozen: '0.00',
      delta: '+2997.00',
      reason: 'trade_settled',
    });
    // Gap-free seq per user, and no one sees the other's orders.
    for (const p of [pa, pb]) {
      const seqs = p.private().map((m) => m.seq as number);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => (seqs[0] as number) + i),
      );
    }
    const aOrders = new Set(
      pa
        .private()
        .map((m) => m.data?.['order_id'])
        .filter((x) => x !== undefined),
    );
    assert.deepEqual([...aOrders], [buy.data['order_id']]);
    pa.close();
    pb.close();
  } finally {
    await srv.close();
  }
});

test('three connections of one user receive identical sequences', async () => {
  const { srv } = await serve();
  try {
    const a = await user(srv, { USDT: '1000000', BTC: '10' });
    const b = await user(srv, { USDT: '1000000', BTC: '10' });
    const peers = [await Peer.open(srv, a.token), await Peer.open(srv, a.token), await Peer.open(srv, a.token)];
    for (let i = 0; i < 30; i++) {
      const side = i % 2 === 0 ? 'BUY' : 'SELL';
      await http(
        srv,
        'POST',
        '/api/v1/create_order',
        order(side, `${30000 + (i % 5)}.00`, '0.01'),
        i % 3 ? a.token : b.token,
      );
    }
    const last = (await http(srv, 'GET', '/api/v1/events?after=0&limit=1000', undefined, a.token)).data as unknown as {
      events: Msg[];
    };
    const latest = last.events.at(-1)?.seq as number;
    for (const p of peers) await p.until((l) => l.some((m) => m.seq === latest && m.type !== 'depth.update'));
    const seqs = peers.map((p) => JSON.stringify(p.private()));
    assert.equal(seqs[1], seqs[0]);
    assert.equal(seqs[2], seqs[0]);
    assert.ok(peers[0]!.private().length > 20);
    peers.forEach((p) => p.close());
  } finally {
    await srv.close();
  }
});

test('resume: a client away during 1,000 fills gets exactly the logged events, also across a restart', async () => {
  const first = await serve();
  const dir = first.dir;
  let srv = first.srv;
  try {
    const a = await user(srv, { USDT: '100000000', BTC: '1000' });
    const b = await user(srv, { USDT: '100000000', BTC: '1000' });
    const p1 = await Peer.open(srv, a.token);
    await http(srv, 'POST', '/api/v1/create_order', order('BUY', '1000.00', '0.01'), a.token);
    await p1.until((l) => l.some((m) => m.type === 'order.update'));
    const seen = p1.private();
    p1.close();
    const lastSeen = seen.at(-1)?.seq as number;

    // 1,000 fills while away: b rests, a takes (a gets trade/order/balance events for each).
    const place = (side: string, token: string) =>
      http(srv, 'POST', '/api/v1/create_order', order(side, '30000.00', '0.001'), token);
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(Array.from({ length: 50 }, () => place('SELL', b.token)));
      await Promise.all(Array.from({ length: 50 }, () => place('BUY', a.token)));
    }
    const trades = (await http(srv, 'GET', '/api/v1/trades?limit=1000', undefined, a.token)).data as unknown as {
      trades: unknown[];
    };
    assert.equal(trades.trades.length, 1000);

    // Restart on the same database, then resume.
    await srv.close();
    ({ srv } = await serve(dir));
    const p2 = await Peer.open(srv, a.token, lastSeen);
    const logged: Msg[] = [];
    for (let after = lastSeen; ;) {
      const page = (await http(srv, 'GET', `/api/v1/events?after=${after}&limit=1000`, undefined, a.token))
        .data as unknown as { events: Msg[] };
      if (page.events.length === 0) break;
      logged.push(...page.events);
      after = page.events.at(-1)?.seq as number;
    }
    assert.ok(logged.length >= 4000, `events while away: ${logged.length}`);
    await p2.until((l) => l.some((m) => m.seq === logged.at(-1)?.seq));
    assert.deepEqual(p2.private(), logged, 'replay = the log, no gap, no duplicate');

    // Then it continues live.
    await http(srv, 'POST', '/api/v1/create_order', order('BUY', '1000.00', '0.01'), a.token);
    await p2.until((l) => (l.at(-1)?.seq ?? 0) > (logged.at(-1)?.seq as number));
    const live = p2.private().slice(logged.length);
    assert.equal(live[0]?.seq, (logged.at(-1)?.seq as number) + 1, 'live events continue right after the replay');
    assert.equal(live[0]?.type, 'order.update');
    p2.close();

    // A seq beyond the log answers resync with the latest seq.
    const p3 = await Peer.open(srv, a.token, 10_000_000);
    await p3.until((l) => l.some((m) => m.type === 'resync'));
    p3.close();
  } finally {
    await srv.close();
  }
});

test('consistency: after every private event, an immediate HTTP query shows that state or a later one', async () => {
  const { srv } = await serve();
  try {
    const users = [
      await user(srv, { USDT: '10000000', BTC: '1000' }),
      await user(srv, { USDT: '10000000', BTC: '1000' }),
    ];
    const peers = await Promise.all(users.map((u) => Peer.open(srv, u.token)));
    const checks: Array<Promise<void>> = [];
    let checked = 0;
    const balanceSamples: Array<{ user: number; seq: number; asset: string; avail: string; frozen: string }> = [];
    const rank = (st: unknown) => {
      const r = ['NEW', 'PARTIALLY_FILLED'].indexOf(String(st));
      return r >= 0 ? r : 2; // every final status ranks after both
    };
    peers.forEach((p, i) => {
      const u = users[i] as { token: string };
      p.ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as Msg;
        if (m.type === 'balance.update') {
          // The balances read right after the push must be this event's state or a later one of the log.
          checks.push(
            (async () => {
              const r = await http(srv, 'GET', '/api/v1/balances', undefined, u.token);
              const rows = (r.data as unknown as { balances: Array<{ asset: string; avail: string; frozen: string }> })
                .balances;
              const b = rows.find((x) => x.asset === m.data?.['asset']);
              assert.ok(b !== undefined, `balance of ${String(m.data?.['asset'])} visible right after its push`);
              balanceSamples.push({ user: i, seq: m.seq as number, asset: b.asset, avail: b.avail, frozen: b.frozen });
            })(),
          );
          return;
        }
        if (m.type !== 'order.update') return;
        checks.push(
          (async () => {
            const r = await http(srv, 'GET', `/api/v1/order/${String(m.data?.['order_id'])}`, undefined, u.token);
            assert.equal(r.status, 200, `order ${String(m.data?.['order_id'])} visible right after its push`);
            const pushed = Number(String(m.data?.['filled_qty']).replace('.', ''));
            const stored = Number(String(r.data['filled_qty']).replace('.', ''));
            assert.ok(
              stored >= pushed,
              `filled_qty ${String(r.data['filled_qty'])} < pushed ${String(m.data?.['filled_qty'])}`,
            );
            assert.ok(rank(r.data['status']) >= rank(m.data?.['status']), 'the stored status is not older');
            if (rank(m.data?.['status']) === 2) assert.equal(r.data['status'], m.data?.['status'], 'final is final');
            checked++;
          })(),
        );
      });
    });
    let x = 7;
    const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 1000; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, () => {
          const side = rnd() < 0.5 ? 'BUY' : 'SELL';
          const price = `${30000 + Math.floor(rnd() * 20) - 10}.00`;
          const qty = `0.00${1 + Math.floor(rnd() * 9)}`;
          const tif = rnd() < 0.2 ? 'IOC' : 'GTC';
          return http(
            srv,
            'POST',
            '/api/v1/create_order',
            order(side, price, qty, { time_in_force: tif }),
            users[rnd() < 0.5 ? 0 : 1]!.token,
          );
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all(checks);
    assert.ok(checked >= 1000, `checked ${checked} order.update pushes`);
    // Each sampled HTTP balance equals the pushed event's state or a later balance.update of that asset.
    for (const [i, u] of users.entries()) {
      const log: Msg[] = [];
      for (let after = 0; ;) {
        const page = (await http(srv, 'GET', `/api/v1/events?after=${after}&limit=1000`, undefined, u.token))
          .data as unknown as { events: Msg[] };
        if (page.events.length === 0) break;
        log.push(...page.events);
        after = page.events.at(-1)?.seq as number;
      }
      const samples = balanceSamples.filter((b) => b.user === i);
      assert.ok(samples.length > 500, `balance samples for user ${i}: ${samples.length}`);
      for (const b of samples) {
        const later = log.filter(
          (e) => e.type === 'balance.update' && (e.seq as number) >= b.seq && e.data?.['asset'] === b.asset,
        );
        assert.ok(
          later.some((e) => e.data?.['avail'] === b.avail && e.data?.['frozen'] === b.frozen),
          `HTTP ${b.asset} ${b.avail}/${b.frozen} after push seq ${b.seq} matches no state at or after it`,
        );
      }
    }
    peers.forEach((p) => p.close());
  } finally {
    await srv.close();
  }
});

test('depth: snapshot + updates reproduce the server top-N book after 10,000 random orders', async () => {
  const { srv } = await serve();
  try {
    const users = [
      await user(srv, { USDT: '100000000', BTC: '10000' }),
      await user(srv, { USDT: '100000000', BTC: '10000' }),
    ];
    const watcher = await Peer.open(srv, null);
    watcher.send({ type: 'subscribe', channel: 'depth', symbol: 'BTC_USDT', levels: 10 });
    await watcher.until((l) => l.some((m) => m.type === 'depth.snapshot'));
    const bids = new Map<string, string>();
    const asks = new Map<string, string>();
    let seq = -1;
    const apply = (m: Msg) => {
      if (m.type === 'depth.snapshot') seq = m.seq as number;
      else if (m.type === 'depth.update') {
        assert.equal(m.seq, seq + 1, 'gap-free depth seq');
        seq = m.seq as number;
      } else return;
      const d = m.data as { bids: Array<[string, string]>; asks: Array<[string, string]> };
      for (const [book, levels] of [
        [bids, d.bids],
        [asks, d.asks],
      ] as const) {
        for (const [p, q] of levels) {
          if (/^0\.0+$/.test(q)) book.delete(p);
          else book.set(p, q);
        }
      }
    };
    let x = 11;
    const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 10_000; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, () => {
          const side = rnd() < 0.5 ? 'BUY' : 'SELL';
          const ticks = Math.floor(rnd() * 60) - (side === 'BUY' ? 40 : 20);
          const qty = `0.0${1 + Math.floor(rnd() * 9)}`;
          return http(
            srv,
            'POST',
            '/api/v1/create_order',
            order(side, `${30000 + ticks}.00`, qty),
            users[rnd() < 0.5 ? 0 : 1]!.token,
          );
        }),
      );
    }
    const server = (await http(srv, 'GET', '/api/v1/depth?symbol=BTC_USDT&levels=10')).data as unknown as {
      seq: number;
      bids: Array<[string, string]>;
      asks: Array<[string, string]>;
    };
    await watcher.until((l) => l.some((m) => m.type === 'depth.update' && m.seq === server.seq));
    for (const m of watcher.log) apply(m);
    const top = (book: Map<string, string>, desc: boolean) =>
      [...book]
        .sort((p, q) => (desc ? -1 : 1) * (Number(p[0].replace('.', '')) - Number(q[0].replace('.', ''))))
        .slice(0, 10);
    assert.deepEqual(top(bids, true), server.bids);
    assert.deepEqual(top(asks, false), server.asks);
    assert.equal(bids.size <= 10 && asks.size <= 10, true, 'the client holds exactly the top 10');
    assert.ok(server.bids.length > 0 && server.asks.length > 0);
    watcher.close();
  } finally {
    await srv.close();
  }
});
