// API formatting with the demo market: the exact private push texts of ws-protocol.md section 3, HTTP orders,
// trades, balances, market data, and the pushes of a real engine run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredOrder, UserTrade } from '../../src/adapters/store/store.js';
import { coreConfig, loadConfig, marketIndex } from '../../src/config.js';
import { Engine } from '../../src/core/engine.js';
import { BalanceEvent, TradeEvent } from '../../src/core/types.js';
import {
  avgPrice,
  balanceUpdateMessage,
  fmtSigned,
  formatBalance,
  formatDepthLevel,
  formatMarketTrade,
  formatOrder,
  formatSymbols,
  formatUserTrade,
  marketTradeMessage,
  orderUpdateMessage,
  renderPrivateEvent,
  tradeMessage,
} from '../../src/wire/format.js';
import { encodeBalance, encodeOrder, encodeTrade } from '../../src/pipeline/event-codec.js';
import { specOrderEvent } from '../support/fixtures.js';
import { Settlement } from '../../src/pipeline/settlement.js';

const config = loadConfig();
const market = marketIndex(config);
const BTC = 1;
const USDT = 3;
const BTC_USDT = 1;
const TS = 1734533790000;

/** The spec's examples, whitespace removed. */
const SPEC_ORDER_UPDATE =
  '{"type":"order.update","seq":41,"data":{"order_id":1001,"cid":"my-1","symbol":"BTC_USDT","side":"BUY",' +
  '"order_type":"LIMIT","price":"85000.00","qty":"0.001000","status":"FILLED","filled_qty":"0.001000",' +
  '"avg_price":"85000.00","updated_at":1734533790000}}';
const SPEC_TRADE =
  '{"type":"trade","seq":42,"data":{"trade_id":5001,"order_id":1001,"symbol":"BTC_USDT","side":"BUY",' +
  '"price":"85000.00","qty":"0.001000","fee":"0.000001","fee_asset":"BTC","role":"TAKER","traded_at":1734533790000}}';
const SPEC_BALANCE =
  '{"type":"balance.update","seq":43,"data":{"asset":"BTC","avail":"1.501000","frozen":"0.000000",' +
  '"delta":"+0.001000","reason":"trade_settled"}}';
const SPEC_MARKET_TRADE =
  '{"type":"market.trade","symbol":"BTC_USDT","seq":9001,"data":{"trade_id":5001,"price":"85000.00",' +
  '"qty":"0.001000","taker_side":"BUY","traded_at":1734533790000}}';

const orderEvent = specOrderEvent;

// tradeId, symbol, price, qty, quoteQty, takerSide, maker order/user, taker order/user, makerFee, takerFee, ts
const TRADE = new TradeEvent(5001, BTC_USDT, 8_500_000, 100_000, 8500, 'BUY', 900, 8, 1001, 7, 8, 100, TS);

test('order.update: exactly the text of the spec example', () => {
  assert.equal(orderUpdateMessage(orderEvent(), 41, market), SPEC_ORDER_UPDATE);
});

test('trade: exactly the spec example for the taker; the maker gets its own side, fee in what it received', () => {
  assert.equal(tradeMessage(TRADE, 'TAKER', 42, market), SPEC_TRADE);
  assert.deepEqual(JSON.parse(tradeMessage(TRADE, 'MAKER', 17, market)), {
    type: 'trade',
    seq: 17,
    data: {
      trade_id: 5001,
      order_id: 900,
      symbol: 'BTC_USDT',
      side: 'SELL',
      price: '85000.00',
      qty: '0.001000',
      fee: '0.08',
      fee_asset: 'USDT',
      role: 'MAKER',
      traded_at: TS,
    },
  });
});

test('event-log lines render to exactly the spec texts (maker / taker side by role)', () => {
  const render = (line: string, seq: number) => renderPrivateEvent(line, seq, market);
  assert.deepEqual(render(encodeOrder(orderEvent()), 41), { type: 'order.update', text: SPEC_ORDER_UPDATE });
  assert.deepEqual(render(encodeTrade(TRADE, 'TAKER'), 42), { type: 'trade', text: SPEC_TRADE });
  assert.equal(render(encodeTrade(TRADE, 'MAKER'), 42).text, tradeMessage(TRADE, 'MAKER', 42, market));
  const balance = new BalanceEvent(7, BTC, 150_100_000, 0, 100_000, 'trade_settled');
  assert.deepEqual(render(encodeBalance(balance), 43), { type: 'balance.update', text: SPEC_BALANCE });
  // A line written as rendered JSON (rows from before the line format) is served as it is.
  assert.deepEqual(render(SPEC_TRADE, 42), { type: 'trade', text: SPEC_TRADE });
});

test('balance.update: exactly the spec example; delta keeps its sign', () => {
  const e = new BalanceEvent(7, BTC, 150_100_000, 0, 100_000, 'trade_settled');
  assert.equal(balanceUpdateMessage(e, 43, market), SPEC_BALANCE);
  const frozen = new BalanceEvent(7, USDT, 0, 8500, -8500, 'order_frozen');
  assert.equal(
    balanceUpdateMessage(frozen, 1, market),
    '{"type":"balance.update","seq":1,"data":{"asset":"USDT","avail":"0.00","frozen":"85.00","delta":"-85.00","reason":"order_frozen"}}',
  );
  assert.equal(fmtSigned(-50, market.asset(BTC)), '-0.000000', 'a tiny debit is still a debit');
  assert.equal(fmtSigned(0, market.asset(BTC)), '+0.000000');
  assert.equal(fmtSigned(-(2n ** 62n), market.asset(USDT)), '-46116860184273879.04');
});

test('order.update variants: NEW without fills, REJECTED with its reason, MARKET by quote amount', () => {
  const fresh = JSON.parse(
    orderUpdateMessage(orderEvent({ status: 'NEW', filledQty: 0, filledNotional: 0 }), 1, market),
  );
  assert.equal(fresh.data.avg_price, null);
  assert.equal(fresh.data.filled_qty, '0.000000');
  assert.ok(!('reject_reason' in fresh.data));
  const rejected = orderUpdateMessage(
    orderEvent({ status: 'REJECTED', filledQty: 0, filledNotional: 0, rejectReason: 'INSUFFICIENT_BALANCE' }),
    2,
    market,
  );
  assert.match(rejected, /"status":"REJECTED","reject_reason":"INSUFFICIENT_BALANCE","filled_qty":"0.000000"/);
  const byQuote = orderUpdateMessage(
    orderEvent({ orderType: 'MARKET', tif: 'IOC', price: 0, qty: 0, quoteQty: 10_000, cid: null, status: 'EXPIRED' }),
    3,
    market,
  );
  assert.match(byQuote, /"cid":null,"symbol":"BTC_USDT","side":"BUY","order_type":"MARKET","price":null,"qty":null,/);
  assert.match(byQuote, /"quote_qty":"100.00","status":"EXPIRED"/);
});

test('avg_price = floor(filled_notional / filled_qty), as a price', () => {
  // 0.001 at 85000.00 and 0.002 at 85000.01: 85000.0066... -> 85000.00
  const notional = 8_500_000 * 100_000 + 8_500_001 * 200_000;
  assert.equal(avgPrice(notional, 300_000, market.symbol(BTC_USDT)), '85000.00');
  assert.equal(avgPrice(8_500_002 * 100_000 + 8_500_001 * 200_000, 300_000, market.symbol(BTC_USDT)), '85000.01');
  assert.equal(avgPrice(0, 0, market.symbol(BTC_USDT)), null);
  assert.equal(avgPrice(2n ** 63n - 1n, 1, market.symbol(BTC_USDT)), '92233720368547758.07');
});

const STORED: StoredOrder = {
  orderId: 12,
  userId: 7,
  symbolId: BTC_USDT,
  side: 'SELL',
  orderType: 'LIMIT',
  tif: 'POST_ONLY',
  price: 8_500_050,
  qty: 123_456_789,
  quoteQty: 0,
  cid: null,
  status: 'PARTIALLY_FILLED',
  filledQty: 23_456_789,
  filledQuote: 0,
  filledNotional: 8_500_050 * 23_456_789,
  lock: 100_000_000,
  rejectReason: null,
  createdAt: TS - 5,
  updatedAt: TS,
};

test('formatOrder: every api.md field, display decimals, in a stable order', () => {
  const f = formatOrder(STORED, market);
  assert.deepEqual(Object.keys(f), [
    'order_id',
    'cid',
    'symbol',
    'side',
    'order_type',
    'time_in_force',
    'price',
    'qty',
    'quote_qty',
    'filled_qty',
    'avg_price',
    'status',
    'reject_reason',
    'created_at',
    'updated_at',
  ]);
  assert.deepEqual(f, {
    order_id: 12,
    cid: null,
    symbol: 'BTC_USDT',
    side: 'SELL',
    order_type: 'LIMIT',
    time_in_force: 'POST_ONLY',
    price: '85000.50',
    qty: '1.234567',
    quote_qty: null,
    filled_qty: '0.234567',
    avg_price: '85000.50',
    status: 'PARTIALLY_FILLED',
    reject_reason: null,
    created_at: TS - 5,
    updated_at: TS,
  });
  const market_ = formatOrder({ ...STORED, orderType: 'MARKET', side: 'BUY', price: 0, qty: 0, quoteQty: 5 }, market);
  assert.deepEqual([market_.price, market_.qty, market_.quote_qty], [null, null, '0.05']);
  const rejected = formatOrder({ ...STORED, status: 'REJECTED', rejectReason: 'BELOW_MIN_QTY', filledQty: 0 }, market);
  assert.equal(rejected.reject_reason, 'BELOW_MIN_QTY');
  assert.equal(rejected.avg_price, null);
});

test('formatUserTrade has exactly the data of the trade push', () => {
  const ut: UserTrade = { ...TRADE, orderId: 1001, side: 'BUY', role: 'TAKER', fee: 100 };
  assert.deepEqual(formatUserTrade(ut, market), JSON.parse(SPEC_TRADE).data);
});

test('formatBalance: total is the exact sum, then formatted (truncating)', () => {
  assert.deepEqual(formatBalance({ userId: 7, assetId: BTC, avail: 150_000_099, frozen: 10_000_001 }, market), {
    asset: 'BTC',
    avail: '1.500000',
    frozen: '0.100000',
    total: '1.600001',
  });
  const big = formatBalance({ userId: 7, assetId: USDT, avail: 2n ** 62n, frozen: 2n ** 62n }, market);
  assert.equal(big.total, '92233720368547758.08');
});

test('market data: market.trade text of the spec, depth levels, symbols', () => {
  assert.equal(marketTradeMessage(TRADE, 9001, market), SPEC_MARKET_TRADE);
  assert.deepEqual(formatMarketTrade(TRADE, market), JSON.parse(SPEC_MARKET_TRADE).data);
  assert.deepEqual(formatDepthLevel(BTC_USDT, 8_499_900, 120_000_000, market), ['84999.00', '1.200000']);
  const s = formatSymbols(market);
  assert.deepEqual(s.assets[2], { asset: 'USDT', decimals: 2, display_decimals: 2 });
  assert.deepEqual(s.symbols[0], {
    symbol: 'BTC_USDT',
    base_asset: 'BTC',
    quote_asset: 'USDT',
    price_decimals: 2,
    price_display_decimals: 2,
    min_qty: '0.00000100',
    max_qty: null,
    min_notional: '0.00',
    maker_fee: '0.00100000',
    taker_fee: '0.00200000',
    stp_mode: 'NONE',
  });
});

test('a real fill through the engine: each user gets trade, order.update, balance.update in order', () => {
  const engine = new Engine(coreConfig(config));
  engine.process({ type: 'deposit', ts: 1, userId: 1001, assetId: USDT, amount: 100_000 }); // 1000.00 USDT
  engine.process({ type: 'deposit', ts: 1, userId: 1002, assetId: BTC, amount: 100_000_000 }); // 1 BTC
  const place = (orderId: number, userId: number, side: 'BUY' | 'SELL') =>
    engine.process({
      type: 'place',
      ts: TS,
      orderId,
      userId,
      symbolId: BTC_USDT,
      side,
      orderType: 'LIMIT',
      tif: 'GTC',
      price: 8_500_000,
      qty: 100_000,
      quoteQty: 0,
      cid: `c-${orderId}`,
    });
  place(1, 1002, 'SELL');
  const cmd = {
    type: 'place',
    ts: TS,
    orderId: 2,
    userId: 1001,
    symbolId: BTC_USDT,
    side: 'BUY',
    orderType: 'LIMIT',
    tif: 'GTC',
    price: 8_500_000,
    qty: 100_000,
    quoteQty: 0,
    cid: 'c-2',
  } as const;
  const result = engine.process(cmd);
  const events = result.events.toArray();
  // Through settlement, as the server logs them: one row per user, rendered line by line with its seq.
  const settlement = new Settlement({
    meta: { lastOrderId: 1, lastTradeId: 0 },
    balances: [],
    openOrders: [],
    lastSeqByUser: new Map(),
    lastUserId: 0,
    lastJournalSeq: 0,
    lastTs: 0,
  });
  settlement.add(cmd, result, TS);
  const pushed = new Map<number, Record<string, unknown>[]>();
  for (const row of settlement.take().events) {
    const lines = row.body.split('\n');
    assert.equal(lines.length, row.lastSeq - row.firstSeq + 1);
    pushed.set(
      row.userId,
      lines.map((l, i) => JSON.parse(renderPrivateEvent(l, row.firstSeq + i, market).text) as Record<string, unknown>),
    );
  }
  const taker = pushed.get(1001) ?? [];
  const kinds = taker.map((m) => `${m.type}:${(m.data as { status?: string; asset?: string }).status ?? ''}`);
  assert.deepEqual(kinds.slice(0, 4), ['order.update:NEW', 'balance.update:', 'trade:', 'order.update:FILLED']);
  assert.deepEqual(
    taker.map((m) => m.seq),
    taker.map((_m, i) => i + 1),
    'gap-free seq from 1',
  );
  const trade = taker[2]?.data as Record<string, unknown>;
  assert.deepEqual([trade.side, trade.role, trade.fee, trade.fee_asset], ['BUY', 'TAKER', '0.000002', 'BTC']);
  const makerTrade = (pushed.get(1002) ?? []).find((m) => m.type === 'trade')?.data as Record<string, unknown>;
  assert.deepEqual(
    [makerTrade.side, makerTrade.role, makerTrade.fee, makerTrade.fee_asset],
    ['SELL', 'MAKER', '0.08', 'USDT'],
  );
  const btc = taker.find((m) => m.type === 'balance.update' && (m.data as { asset: string }).asset === 'BTC');
  assert.deepEqual(btc?.data, {
    asset: 'BTC',
    avail: '0.000998',
    frozen: '0.000000',
    delta: '+0.000998',
    reason: 'trade_settled',
  });
  // The fee account (user 1) gets its fee balance updates; depth events push nothing.
  assert.ok((pushed.get(1) ?? []).every((m) => (m.data as { reason: string }).reason === 'fee'));
  assert.ok(events.some((e) => e.kind === 'depth'));
});
