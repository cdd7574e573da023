// Part of the HTTP API contract suite (api-suite.ts): the seed scenario over HTTP, public market data and the
// operations routes. The tests run in order on the suite's main server and keep to its price bands (see api-
// suite.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertGapFree, expectError, expectOk, limitOrder, withoutTimes } from './harness.js';
import { type MainServer, type Obj, balance, balanceUpdate, limit, orderUpdate } from './api-helpers.js';

export function marketTests(ctx: MainServer): void {
  test('seed scenario: A sells 0.1 BTC at 30000, B buys 0.1 at 30000 -> one trade, fees, every view', async () => {
    const { s } = ctx;
    const a = await s.fundedUser({ BTC: '1' });
    const b = await s.fundedUser({ USDT: '10000' });

    // Empty books first.
    const depth0 = await s.ok<{ seq: number }>('/api/v1/depth?symbol=BTC_USDT');
    assert.ok(Number.isSafeInteger(depth0.seq));
    assert.deepEqual(depth0, { symbol: 'BTC_USDT', epoch: 1, seq: depth0.seq, bids: [], asks: [] });
    assert.deepEqual(withoutTimes(await s.ok('/api/v1/ticker?symbol=BTC_USDT')), {
      symbol: 'BTC_USDT',
      last: null,
      best_bid: null,
      best_ask: null,
      volume_24h: '0.000000',
      ts: 0,
    });
    assert.deepEqual(await s.ok('/api/v1/market/trades?symbol=BTC_USDT'), { trades: [] });

    // A sells: 202 ACCEPTED with an order id, resting on the book.
    const sellRes = expectOk<Obj>(
      await s.post('/api/v1/create_order', limit('SELL', '30000', '0.1', { cid: 'seed-sell' }), a.bearer),
      202,
    );
    const sellId = sellRes.order_id as number;
    assert.ok(Number.isSafeInteger(sellId) && sellId > 0);
    assert.deepEqual(withoutTimes(sellRes), {
      order_id: sellId,
      cid: 'seed-sell',
      order_status: 'ACCEPTED',
      accepted_at: 0,
    });
    const sellOrder = {
      order_id: sellId,
      cid: 'seed-sell',
      side: 'SELL' as const,
      price: '30000.00',
      qty: '0.100000',
    };
    const sellNew = await s.order(a, sellId);
    assert.deepEqual(withoutTimes(sellNew), limitOrder({ ...sellOrder, status: 'NEW' }));
    assert.equal(sellNew.created_at, sellRes.accepted_at);
    assert.deepEqual(await s.balances(a), [balance('BTC', '0.900000', '0.100000', '1.000000')]);
    assert.deepEqual(await s.ok('/api/v1/depth?symbol=BTC_USDT'), {
      symbol: 'BTC_USDT',
      epoch: 1,
      seq: depth0.seq + 1,
      bids: [],
      asks: [['30000.00', '0.100000']],
    });
    assert.deepEqual(withoutTimes(await s.ok('/api/v1/ticker?symbol=BTC_USDT')), {
      symbol: 'BTC_USDT',
      last: null,
      best_bid: null,
      best_ask: '30000.00',
      volume_24h: '0.000000',
      ts: 0,
    });

    // B buys: takes it completely.
    const buyRes = expectOk<Obj>(await s.post('/api/v1/create_order', limit('BUY', '30000', '0.1'), b.bearer), 202);
    const buyId = buyRes.order_id as number;
    assert.ok(buyId > sellId);
    assert.deepEqual(withoutTimes(buyRes), {
      order_id: buyId,
      cid: null,
      order_status: 'ACCEPTED',
      accepted_at: 0,
    });
    const buyOrder = { order_id: buyId, side: 'BUY' as const, price: '30000.00', qty: '0.100000' };
    const filled = { status: 'FILLED', filled_qty: '0.100000', avg_price: '30000.00' };

    const sellDone = await s.order(a, sellId);
    const buyDone = await s.order(b, buyId);
    assert.deepEqual(withoutTimes(sellDone), limitOrder({ ...sellOrder, ...filled }));
    assert.deepEqual(withoutTimes(buyDone), limitOrder({ ...buyOrder, ...filled }));
    assert.equal(sellDone.created_at, sellNew.created_at);

    // Balances, exactly: the seller (maker, fee 0.001 of 3000 USDT = 3.00) and the buyer (taker, fee 0.002 of
    // 0.1 BTC = 0.0002 BTC).
    assert.deepEqual(await s.balances(a), [
      balance('BTC', '0.900000', '0.000000', '0.900000'),
      balance('USDT', '2997.00', '0.00', '2997.00'),
    ]);
    assert.deepEqual(await s.balances(b), [
      balance('BTC', '0.099800', '0.000000', '0.099800'),
      balance('USDT', '7000.00', '0.00', '7000.00'),
    ]);

    // /orders
    const ordersA = await s.ok<{ orders: Obj[]; next_cursor: unknown }>('/api/v1/orders', a.bearer);
    assert.deepEqual(ordersA.orders, [sellDone]);
    assert.equal(ordersA.next_cursor, null);
    assert.deepEqual((await s.ok<{ orders: Obj[] }>('/api/v1/orders', b.bearer)).orders, [buyDone]);

    // /trades: one trade, both sides.
    const tradesA = await s.ok<{ trades: Obj[]; next_cursor: unknown }>('/api/v1/trades', a.bearer);
    const tradesB = await s.ok<{ trades: Obj[]; next_cursor: unknown }>('/api/v1/trades', b.bearer);
    assert.equal(tradesA.trades.length, 1);
    const tradeId = tradesA.trades[0]?.trade_id as number;
    const tradedAt = tradesA.trades[0]?.traded_at as number;
    assert.ok(Number.isSafeInteger(tradeId) && tradeId > 0);
    const fill = { trade_id: tradeId, symbol: 'BTC_USDT', price: '30000.00', qty: '0.100000', traded_at: tradedAt };
    const makerFill = { ...fill, order_id: sellId, side: 'SELL', fee: '3.00', fee_asset: 'USDT', role: 'MAKER' };
    const takerFill = { ...fill, order_id: buyId, side: 'BUY', fee: '0.000200', fee_asset: 'BTC', role: 'TAKER' };
    assert.deepEqual(tradesA, { trades: [makerFill], next_cursor: null });
    assert.deepEqual(tradesB, { trades: [takerFill], next_cursor: null });
    assert.deepEqual(Object.keys(tradesA.trades[0] as Obj), [
      'trade_id',
      'order_id',
      'symbol',
      'side',
      'price',
      'qty',
      'fee',
      'fee_asset',
      'role',
      'traded_at',
    ]);
    assert.equal(sellDone.updated_at, tradedAt);
    assert.equal(buyDone.updated_at, tradedAt);

    // /events: NEW, frozen, trade, FILLED, settled balances; seq 1, 2, 3, … gap-free.
    const eventsA = await s.events(a);
    assertGapFree(eventsA);
    assert.deepEqual(withoutTimes(eventsA), [
      balanceUpdate(1, 'BTC', '1.000000', '0.000000', '+1.000000', 'deposit'),
      orderUpdate(2, sellOrder, 'NEW'),
      balanceUpdate(3, 'BTC', '0.900000', '0.100000', '-0.100000', 'order_frozen'),
      { type: 'trade', seq: 4, data: { ...makerFill, traded_at: 0 } },
      orderUpdate(5, sellOrder, 'FILLED', '0.100000', '30000.00'),
      balanceUpdate(6, 'BTC', '0.900000', '0.000000', '+0.000000', 'trade_settled'),
      balanceUpdate(7, 'USDT', '2997.00', '0.00', '+2997.00', 'trade_settled'),
    ]);
    const eventsB = await s.events(b);
    assertGapFree(eventsB);
    assert.deepEqual(withoutTimes(eventsB), [
      balanceUpdate(1, 'USDT', '10000.00', '0.00', '+10000.00', 'deposit'),
      orderUpdate(2, buyOrder, 'NEW'),
      balanceUpdate(3, 'USDT', '7000.00', '3000.00', '-3000.00', 'order_frozen'),
      { type: 'trade', seq: 4, data: { ...takerFill, traded_at: 0 } },
      orderUpdate(5, buyOrder, 'FILLED', '0.100000', '30000.00'),
      balanceUpdate(6, 'BTC', '0.099800', '0.000000', '+0.099800', 'trade_settled'),
      balanceUpdate(7, 'USDT', '7000.00', '0.00', '+0.00', 'trade_settled'),
    ]);

    // Public market data after the trade.
    assert.deepEqual(await s.ok('/api/v1/market/trades?symbol=BTC_USDT'), {
      trades: [{ trade_id: tradeId, price: '30000.00', qty: '0.100000', taker_side: 'BUY', traded_at: tradedAt }],
    });
    assert.deepEqual(withoutTimes(await s.ok('/api/v1/ticker?symbol=BTC_USDT')), {
      symbol: 'BTC_USDT',
      last: '30000.00',
      best_bid: null,
      best_ask: null,
      volume_24h: '0.100000',
      ts: 0,
    });
    assert.deepEqual(await s.ok('/api/v1/depth?symbol=BTC_USDT'), {
      symbol: 'BTC_USDT',
      epoch: 1,
      seq: depth0.seq + 2,
      bids: [],
      asks: [],
    });
  });

  test('public market data: /symbols, /depth levels, /ticker, /market/trades limit, and their 1001s', async () => {
    const { s } = ctx;
    assert.deepEqual(await s.ok('/api/v1/symbols'), {
      assets: [
        { asset: 'BTC', decimals: 8, display_decimals: 6 },
        { asset: 'ETH', decimals: 8, display_decimals: 6 },
        { asset: 'USDT', decimals: 2, display_decimals: 2 },
      ],
      symbols: ['BTC', 'ETH'].map((base) => ({
        symbol: `${base}_USDT`,
        base_asset: base,
        quote_asset: 'USDT',
        price_decimals: 2,
        price_display_decimals: 2,
        min_qty: '0.00000100',
        max_qty: null,
        min_notional: '0.00',
        maker_fee: '0.00100000',
        taker_fee: '0.00200000',
        stp_mode: 'NONE',
      })),
    });

    const m = await s.fundedUser({ ETH: '2', USDT: '10000' });
    const t = await s.fundedUser({ ETH: '1' });
    const eth = (side: 'BUY' | 'SELL', price: string, qty: string) => ({
      ...limit(side, price, qty),
      symbol: 'ETH_USDT',
    });
    const resting = [
      await s.place(m, eth('BUY', '1000.01', '0.1')),
      await s.place(m, eth('BUY', '1000.02', '0.2')),
      await s.place(m, eth('BUY', '1000.02', '0.05')),
      await s.place(m, eth('BUY', '999.99', '0.3')),
      await s.place(m, eth('SELL', '90000', '0.5')),
    ];
    const d1 = await s.ok<{ seq: number }>('/api/v1/depth?symbol=ETH_USDT&levels=2');
    assert.deepEqual(d1, {
      symbol: 'ETH_USDT',
      epoch: 1,
      seq: d1.seq,
      bids: [
        ['1000.02', '0.250000'],
        ['1000.01', '0.100000'],
      ],
      asks: [['90000.00', '0.500000']],
    });
    assert.deepEqual((await s.ok<Obj>('/api/v1/depth?symbol=ETH_USDT')).bids, [
      ['1000.02', '0.250000'],
      ['1000.01', '0.100000'],
      ['999.99', '0.300000'],
    ]);
    assert.deepEqual(withoutTimes(await s.ok('/api/v1/ticker?symbol=ETH_USDT')), {
      symbol: 'ETH_USDT',
      last: null,
      best_bid: '1000.02',
      best_ask: '90000.00',
      volume_24h: '0.000000',
      ts: 0,
    });
    assert.deepEqual(await s.ok('/api/v1/market/trades?symbol=ETH_USDT'), { trades: [] });

    // Two sells hit the best bid (1000.02, FIFO: the 0.2 order first).
    await s.place(t, eth('SELL', '1000.02', '0.05'));
    await s.place(t, eth('SELL', '1000.01', '0.1'));
    const mt = await s.ok<{ trades: Obj[] }>('/api/v1/market/trades?symbol=ETH_USDT');
    assert.deepEqual(
      mt.trades.map((x) => withoutTimes(x)),
      [
        { trade_id: mt.trades[0]?.trade_id, price: '1000.02', qty: '0.100000', taker_side: 'SELL', traded_at: 0 },
        { trade_id: mt.trades[1]?.trade_id, price: '1000.02', qty: '0.050000', taker_side: 'SELL', traded_at: 0 },
      ],
    );
    assert.ok((mt.trades[0]?.trade_id as number) > (mt.trades[1]?.trade_id as number));
    assert.deepEqual(await s.ok('/api/v1/market/trades?symbol=ETH_USDT&limit=1'), { trades: [mt.trades[0]] });
    const d2 = await s.ok<{ seq: number }>('/api/v1/depth?symbol=ETH_USDT&levels=1');
    assert.ok(d2.seq > d1.seq);
    assert.deepEqual(d2, {
      symbol: 'ETH_USDT',
      epoch: 1,
      seq: d2.seq,
      bids: [['1000.02', '0.100000']],
      asks: [['90000.00', '0.500000']],
    });
    assert.deepEqual(withoutTimes(await s.ok('/api/v1/ticker?symbol=ETH_USDT')), {
      symbol: 'ETH_USDT',
      last: '1000.02',
      best_bid: '1000.02',
      best_ask: '90000.00',
      volume_24h: '0.150000',
      ts: 0,
    });

    // Leave the ETH book empty.
    for (const id of resting) await s.cancel(m, { order_id: id });
    const d3 = await s.ok<Obj>('/api/v1/depth?symbol=ETH_USDT');
    assert.deepEqual([d3.bids, d3.asks], [[], []]);

    // Errors: all 1001 (missing / unknown symbol, bad levels or limit), 400.
    for (const path of [
      '/api/v1/depth',
      '/api/v1/depth?symbol=DOGE_USDT',
      '/api/v1/depth?symbol=BTC_USDT&levels=0',
      '/api/v1/depth?symbol=BTC_USDT&levels=1001',
      '/api/v1/depth?symbol=BTC_USDT&levels=abc',
      '/api/v1/ticker',
      '/api/v1/ticker?symbol=btc_usdt',
      '/api/v1/market/trades',
      '/api/v1/market/trades?symbol=DOGE_USDT',
      '/api/v1/market/trades?symbol=BTC_USDT&limit=0',
      '/api/v1/market/trades?symbol=BTC_USDT&limit=1001',
    ]) {
      expectError(await s.get(path), 400, 1001);
    }
  });

  test('operations: /healthz, /readyz, /metrics (Prometheus text with fillstream_ metrics)', async () => {
    const { s } = ctx;
    assert.deepEqual(await s.ok('/healthz'), { status: 'alive' });
    const ready = await s.ok<Obj>('/readyz');
    assert.deepEqual(ready, { status: 'ready', store: ctx.kind, in_flight: ready.in_flight });
    assert.ok(Number.isSafeInteger(ready.in_flight));
    const text = await s.metrics();
    for (const line of [
      '# TYPE fillstream_http_requests_total counter',
      '# TYPE fillstream_http_request_seconds histogram',
      '# TYPE fillstream_orders_total counter',
      '# TYPE fillstream_engine_queue_depth gauge',
      '# TYPE fillstream_engine_queue_full_total counter',
      '# TYPE fillstream_commit_seconds histogram',
      '# TYPE fillstream_commit_sync_seconds histogram',
      '# TYPE fillstream_engine_roundtrip_seconds histogram',
      '# TYPE fillstream_ws_connections gauge',
      '# TYPE fillstream_push_messages_total counter',
      '# TYPE fillstream_push_commit_to_send_seconds histogram',
    ]) {
      assert.ok(text.includes(line), `metrics lack "${line}"`);
    }
    const accepted = /^fillstream_orders_total\{result="OK"\} (\d+)$/m.exec(text);
    assert.ok(accepted !== null && Number(accepted[1]) >= 2, 'orders_total{result="OK"} counts the seed orders');
    assert.match(text, /^fillstream_commit_seconds_count \d+$/m);
    // Every commit's sync is observed, so the two histograms count the same batches.
    const count = (name: string) => Number(new RegExp(`^${name}_count (\\d+)$`, 'm').exec(text)?.[1]);
    assert.ok(count('fillstream_commit_seconds') >= 1);
    assert.equal(count('fillstream_commit_sync_seconds'), count('fillstream_commit_seconds'));
    assert.ok(count('fillstream_engine_roundtrip_seconds') >= Number(accepted[1]), 'every accepted order went through');
    // Every committed batch is timed stage by stage, and the stages add up to its total.
    const stage = (name: string, what: 'count' | 'sum') =>
      Number(new RegExp(`^fillstream_order_stage_seconds_${what}\\{stage="${name}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    const stages = ['to_engine', 'match', 'wait_commit', 'commit', 'sync', 'to_gateway', 'push'];
    for (const name of [...stages, 'total']) {
      assert.equal(stage(name, 'count'), count('fillstream_commit_seconds'), `stage ${name} counts every batch`);
    }
    const parts = stages.map((name) => stage(name, 'sum'));
    for (const p of parts) assert.ok(p >= 0 && p <= stage('total', 'sum') + 1e-9);
    assert.ok(Math.abs(parts.reduce((a, b) => a + b, 0) - stage('total', 'sum')) < 1e-6, 'stages add up to the total');
    assert.ok(stage('sync', 'sum') > 0 || ctx.kind !== 'sqlite', 'a file database syncs');
    assert.match(text, /^fillstream_http_requests_total\{route="\/api\/v1\/create_order",status="202"\} \d+$/m);
  });
}
