// Part of the HTTP API contract suite (api-suite.ts): candles (GET /api/v1/klines and the `kline` channel) on a
// server of their own. A seeded stream of trades across 1 s boundaries (with an empty second between them) and a
// restart in the middle of a minute: the candles from REST, the ones pushed on the channel and the ones this test
// recomputes on its own from GET /market/trades agree exactly.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Lab, type TestServer, type TestUser, expectError, sleep } from './harness.js';
import { type Obj, limit } from './api-helpers.js';
import { type Msg, RawClient, wsUrl } from '../push/raw-client.js';

type Candle = {
  open_time: number;
  close_time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quote_volume: string;
  trade_count: number;
  is_closed: boolean;
};

interface MarketTrade {
  trade_id: number;
  price: string;
  qty: string;
  traded_at: number;
}

/** Decimal text -> integer units (test's own arithmetic, not the server's). */
function units(text: string, decimals: number): bigint {
  const [i, f = ''] = text.split('.');
  return BigInt((i as string) + f.padEnd(decimals, '0').slice(0, decimals));
}

function fmt(u: bigint, decimals: number, display: number): string {
  const s = u.toString().padStart(decimals + 1, '0');
  const int = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).slice(0, display);
  return display === 0 ? int : `${int}.${frac}`;
}

/** BTC_USDT: price 2 decimals, BTC 8 (display 6), USDT 2; quote = floor(price_units * qty_units / 10^8). */
function recompute(trades: readonly MarketTrade[], intervalMs: number, now: number): Candle[] {
  const sorted = [...trades].sort((a, b) => a.trade_id - b.trade_id);
  const out: Array<{ t: number; p: bigint[]; v: bigint; qv: bigint }> = [];
  for (const tr of sorted) {
    const t = tr.traded_at - (tr.traded_at % intervalMs);
    const p = units(tr.price, 2);
    const q = units(tr.qty, 8);
    let c = out[out.length - 1];
    if (c === undefined || c.t !== t) out.push((c = { t, p: [], v: 0n, qv: 0n }));
    c.p.push(p);
    c.v += q;
    c.qv += (p * q) / 10n ** 8n;
  }
  return out.map((c) => ({
    open_time: c.t,
    close_time: c.t + intervalMs - 1,
    open: fmt(c.p[0] as bigint, 2, 2),
    high: fmt(
      c.p.reduce((a, b) => (b > a ? b : a)),
      2,
      2,
    ),
    low: fmt(
      c.p.reduce((a, b) => (b < a ? b : a)),
      2,
      2,
    ),
    close: fmt(c.p[c.p.length - 1] as bigint, 2, 2),
    volume: fmt(c.v, 8, 6),
    quote_volume: fmt(c.qv, 2, 2),
    trade_count: c.p.length,
    is_closed: c.t + intervalMs - 1 < now,
  }));
}

async function marketTrades(s: TestServer): Promise<MarketTrade[]> {
  return (await s.ok<{ trades: MarketTrade[] }>('/api/v1/market/trades?symbol=BTC_USDT&limit=1000')).trades;
}

const klines = (s: TestServer, query: string) => s.ok<Candle[]>(`/api/v1/klines?symbol=BTC_USDT&${query}`);

/** The candles a kline stream's messages end with, per open time (the last message of each). */
function lastPerCandle(msgs: readonly Msg[]): Candle[] {
  const by = new Map<number, Candle>();
  for (const m of msgs) by.set((m.data as Candle).open_time, m.data as Candle);
  return [...by.values()].sort((a, b) => a.open_time - b.open_time);
}

async function subscribe(s: TestServer, intervals: readonly string[]): Promise<RawClient> {
  const c = await RawClient.connect(wsUrl(s.url));
  for (const interval of intervals) {
    const from = c.messages.length;
    c.send({ type: 'subscribe', channel: 'kline', symbol: 'BTC_USDT', interval });
    const r = await c.next((m) => m.type !== 'kline', `subscribed ${interval}`, from);
    assert.deepEqual(r, { type: 'subscribed', channel: 'kline', symbol: 'BTC_USDT', interval });
  }
  return c;
}

const stream = (c: RawClient, interval: string): Msg[] =>
  c.messages.filter((m) => m.type === 'kline' && m.interval === interval);

/**
 * One stream's messages against the trades it saw: seq +1 per message; every trade an update (is_closed false)
 * equal to the candle recomputed up to that trade; one final is_closed message per candle that ended, after its
 * last update and before the next candle's first. `before`: the trades of the candles before these messages.
 */
function checkStream(msgs: readonly Msg[], trades: readonly MarketTrade[], before: readonly MarketTrade[], ms: number) {
  for (let i = 1; i < msgs.length; i++) assert.equal(msgs[i]?.seq, (msgs[i - 1]?.seq as number) + 1, 'gap-free seq');
  const updates = msgs.filter((m) => (m.data as Candle).is_closed === false);
  const sorted = [...trades].sort((a, b) => a.trade_id - b.trade_id);
  const seen = [...before];
  let u = 0;
  for (const t of sorted) {
    seen.push(t);
    const expected = recompute(seen, ms, Number.MAX_SAFE_INTEGER).pop() as Candle;
    assert.deepEqual(updates[u]?.data, { ...expected, is_closed: false }, `update for trade ${t.trade_id}`);
    u++;
  }
  const finals = msgs.filter((m) => (m.data as Candle).is_closed);
  for (let i = 1; i < msgs.length; i++) {
    const prev = msgs[i - 1]?.data as Candle;
    const cur = msgs[i]?.data as Candle;
    if (cur.open_time !== prev.open_time) assert.ok(prev.is_closed, `candle ${prev.open_time} closed before the next`);
  }
  return finals;
}

const openish = (c: Candle) => ({ ...c, is_closed: null });

export function klineTests(lab: Lab): void {
  describe('candles (GET /klines, kline channel)', () => {
    test('trades across 1 s boundaries and a restart: REST, channel and recomputed candles agree', async () => {
      const db = await lab.database();
      const s1 = await lab.start({}, db);
      const maker = await s1.fundedUser({ BTC: '10', USDT: '1000000' });
      const taker = await s1.fundedUser({ BTC: '10', USDT: '1000000' });
      expectError(await s1.get('/api/v1/klines?symbol=BTC_USDT'), 400, 1001);
      assert.deepEqual(await klines(s1, 'interval=1s'), []);
      const ws1 = await subscribe(s1, ['1s', '1m']);
      // Start just after a whole second, so the first burst lands in one second.
      await sleep(1000 - (Date.now() % 1000) + 20);
      const sells = async (u: TestUser, levels: Array<[string, string]>) => {
        for (const [p, q] of levels) await s1.place(u, limit('SELL', p, q));
      };
      await sells(maker, [
        ['30000', '0.1'],
        ['30010.5', '0.1'],
        ['30020', '0.3'],
      ]);
      await s1.place(taker, limit('BUY', '30020', '0.15')); // two trades: 30000, 30010.50
      await s1.place(maker, limit('BUY', '29990', '0.2'));
      await s1.place(taker, limit('SELL', '29990', '0.05')); // 29990
      await sleep(2100); // at least one whole second without a trade: no candle for it
      await s1.place(taker, limit('BUY', '30020', '0.123456')); // 30010.50 and 30020
      const trades1 = await marketTrades(s1);
      assert.equal(trades1.length, 5);
      // The last 1 s candle closes on the clock, without a trade after it.
      const seconds = recompute(trades1, 1000, 0).length;
      const closes = (c: RawClient) => stream(c, '1s').filter((m) => (m.data as Candle).is_closed).length;
      await ws1.until(() => closes(ws1) === seconds, `${seconds} 1 s candles closed`);
      const finals = checkStream(stream(ws1, '1s'), trades1, [], 1000);
      const rest1s = await klines(s1, 'interval=1s');
      const now = Date.now();
      assert.deepEqual(rest1s, recompute(trades1, 1000, now));
      assert.ok(rest1s.length >= 2 && rest1s.every((c) => c.is_closed));
      assert.ok(
        rest1s.some((c) => c.trade_count >= 2),
        'a second with several trades',
      );
      const gaps = rest1s.slice(1).map((c, i) => c.open_time - (rest1s[i] as Candle).open_time);
      assert.ok(
        gaps.some((g) => g >= 2000),
        `an empty second between candles: ${gaps.join(',')}`,
      );
      assert.deepEqual(
        finals.map((m) => m.data),
        rest1s,
        'one final message per 1 s candle, as REST has it',
      );
      assert.deepEqual(lastPerCandle(stream(ws1, '1s')), rest1s);
      checkStream(stream(ws1, '1m'), trades1, [], 60_000);
      const rest1m = await klines(s1, 'interval=1m');
      assert.deepEqual(rest1m, recompute(trades1, 60_000, Date.now()));
      assert.deepEqual(lastPerCandle(stream(ws1, '1m')).map(openish), rest1m.map(openish));
      for (const interval of ['5m', '15m', '1h', '4h', '1d']) {
        const ms = { '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '4h': 14_400_000, '1d': 86_400_000 }[interval];
        assert.deepEqual(await klines(s1, `interval=${interval}`), recompute(trades1, ms as number, Date.now()));
      }
      ws1.dispose();
      await s1.close();

      // Restart in the middle of the minute: the candles are kept and go on with the next trades.
      const s2 = await lab.start({}, db);
      assert.deepEqual(await klines(s2, 'interval=1s'), rest1s);
      const ws2 = await subscribe(s2, ['1s', '1m']);
      // On subscribe: the last candle of each stream at once.
      await ws2.until(() => stream(ws2, '1s').length === 1 && stream(ws2, '1m').length === 1, 'snapshots');
      const snapshot = stream(ws2, '1m')[0] as Msg;
      assert.deepEqual(openish(snapshot.data as Candle), openish(rest1m[rest1m.length - 1] as Candle));
      assert.deepEqual(stream(ws2, '1s')[0]?.data, rest1s[rest1s.length - 1]);
      await s2.place(maker, limit('SELL', '30030', '0.2'));
      await s2.place(taker, limit('BUY', '30030', '0.2'));
      const trades2 = await marketTrades(s2);
      assert.equal(trades2.length, 6);
      await ws2.until(() => closes(ws2) === 2, 'the new 1 s candle closed');
      const after = trades2.filter((t) => !trades1.some((o) => o.trade_id === t.trade_id));
      checkStream(stream(ws2, '1s').slice(1), after, trades1, 1000);
      checkStream(stream(ws2, '1m').slice(1), after, trades1, 60_000);
      assert.deepEqual(await klines(s2, 'interval=1s'), recompute(trades2, 1000, Date.now()));
      const rest2m = await klines(s2, 'interval=1m');
      assert.deepEqual(rest2m, recompute(trades2, 60_000, Date.now()));
      assert.equal(
        rest2m.reduce((n, c) => n + c.trade_count, 0),
        6,
      );
      assert.deepEqual(lastPerCandle(stream(ws2, '1s')), (await klines(s2, 'interval=1s')).slice(-2));

      // Ranges: open_time in [start, end]; the newest `limit` without a start, the oldest from a start.
      const all = await klines(s2, 'interval=1s');
      const [c0, c1] = all as [Candle, Candle];
      assert.deepEqual(await klines(s2, 'interval=1s&limit=1'), all.slice(-1));
      assert.deepEqual(await klines(s2, `interval=1s&start_time=${c0.open_time}&limit=1`), [c0]);
      assert.deepEqual(await klines(s2, `interval=1s&start_time=${c0.open_time + 1}`), all.slice(1));
      assert.deepEqual(await klines(s2, `interval=1s&end_time=${c1.open_time}`), [c0, c1]);
      assert.deepEqual(await klines(s2, `interval=1s&start_time=${c1.open_time}&end_time=${c1.open_time}`), [c1]);
      ws2.dispose();
    });

    test('bad parameters: 1001 on REST and on the channel; kline subscriptions count against the cap', async () => {
      const s = await lab.start({ flags: { ws: { maxSubscriptions: 2 } } });
      for (const q of [
        'interval=1m',
        'symbol=NOPE_USDT&interval=1m',
        'symbol=BTC_USDT',
        'symbol=BTC_USDT&interval=2m',
        'symbol=BTC_USDT&interval=1M',
        'symbol=BTC_USDT&interval=1m&limit=0',
        'symbol=BTC_USDT&interval=1m&limit=1001',
        'symbol=BTC_USDT&interval=1m&start_time=-1',
        'symbol=BTC_USDT&interval=1m&start_time=10&end_time=9',
        'symbol=BTC_USDT&interval=1m&interval=1s',
      ]) {
        expectError(await s.get(`/api/v1/klines?${q}`), 400, 1001);
      }
      assert.deepEqual(await s.ok('/api/v1/klines?symbol=BTC_USDT&interval=1d&limit=1000'), []);
      const c = await RawClient.connect(wsUrl(s.url));
      const sub = (x: Obj) => c.request({ type: 'subscribe', channel: 'kline', symbol: 'BTC_USDT', ...x });
      for (const bad of [{}, { interval: '2m' }, { interval: 60000 }]) {
        const r = await sub(bad);
        assert.equal(r.type, 'error');
        assert.equal(r.code, 1001);
      }
      assert.equal((await c.request({ type: 'subscribe', channel: 'kline', symbol: 'X', interval: '1m' })).code, 1001);
      assert.equal((await sub({ interval: '1s' })).type, 'subscribed');
      assert.equal((await sub({ interval: '1m' })).type, 'subscribed');
      assert.equal((await sub({ interval: '1s' })).type, 'subscribed', 'again: not a new subscription');
      const over = await sub({ interval: '5m' });
      assert.deepEqual([over.type, over.code], ['error', 1001]);
      const un = await c.request({ type: 'unsubscribe', channel: 'kline', symbol: 'BTC_USDT', interval: '1m' });
      assert.deepEqual(un, { type: 'unsubscribed', channel: 'kline', symbol: 'BTC_USDT', interval: '1m' });
      assert.equal((await sub({ interval: '5m' })).type, 'subscribed');
      c.dispose();
    });
  });
}
