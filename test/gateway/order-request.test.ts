// Request validation: every field's failure gives the right code (1001 shape, 1003 value) and a message naming
// the field; valid requests become core commands the engine accepts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, marketIndex, DEFAULT_MARKET_INPUT, coreConfig } from '../../src/config.js';
import { Engine } from '../../src/core/engine.js';
import { ApiError } from '../../src/errors.js';
import {
  parseCancel,
  parseCreateOrder,
  parseDepthQuery,
  parseDeposit,
  parseEventsQuery,
  parseMarketTradesQuery,
  parseOrderIdParam,
  parseOrdersQuery,
  parseTickerQuery,
  parseTradesQuery,
  toPlaceCommand,
} from '../../src/orders/order-request.js';

const config = loadConfig();
const market = marketIndex(config);

function fails(v: unknown, code: number, msg: RegExp, what = ''): void {
  assert.ok(v instanceof ApiError, `${what}: expected ApiError ${code}, got ${JSON.stringify(v, (_k, x) => x)}`);
  assert.equal(v.code, code, `${what}: ${v.msg}`);
  assert.match(v.msg, msg, what);
}

const LIMIT = {
  symbol: 'BTC_USDT',
  side: 'BUY',
  order_type: 'LIMIT',
  price: '85000.00',
  qty: '0.001',
  time_in_force: 'GTC',
  cid: 'client-order-1',
};
const order = (over: Record<string, unknown>, drop: string[] = []) => {
  const b: Record<string, unknown> = { ...LIMIT, ...over };
  for (const k of drop) delete b[k];
  return parseCreateOrder(b, market);
};

test('the api.md example becomes a LIMIT order in internal units', () => {
  assert.deepEqual(parseCreateOrder(LIMIT, market), {
    symbol: market.symbol(1),
    symbolId: 1,
    side: 'BUY',
    orderType: 'LIMIT',
    tif: 'GTC',
    price: 8_500_000,
    qty: 100_000,
    quoteQty: 0,
    cid: 'client-order-1',
  });
});

test('defaults and aliases: GTC for LIMIT, IOC for MARKET, `type` for order_type, cid optional', () => {
  const p = order({ type: 'LIMIT', order_type: undefined, time_in_force: undefined, cid: null });
  assert.ok(!(p instanceof ApiError));
  assert.equal(p.orderType, 'LIMIT');
  assert.equal(p.tif, 'GTC');
  assert.equal(p.cid, null);
  assert.ok(!(order({ type: 'LIMIT' }) instanceof ApiError), 'both given and equal');
  const m = order({ order_type: 'MARKET', side: 'SELL' }, ['price', 'time_in_force']);
  assert.ok(!(m instanceof ApiError));
  assert.deepEqual([m.orderType, m.tif, m.price, m.qty, m.quoteQty], ['MARKET', 'IOC', 0, 100_000, 0]);
  const q = order({ order_type: 'MARKET', quote_qty: '100.5', time_in_force: 'GTC' }, ['price', 'qty']);
  assert.ok(!(q instanceof ApiError));
  assert.deepEqual([q.qty, q.quoteQty, q.tif], [0, 10_050, 'GTC']);
  for (const tif of ['IOC', 'FOK', 'POST_ONLY'])
    assert.equal((order({ time_in_force: tif }) as { tif: string }).tif, tif);
});

test('shape failures are 1001 and name the field', () => {
  for (const body of [null, [], 'x', 5]) fails(parseCreateOrder(body, market), 1001, /body must be a JSON object/);
  const cases: [Record<string, unknown>, string[], RegExp][] = [
    [{}, ['symbol'], /^symbol is required$/],
    [{ symbol: 5 }, [], /^symbol must be a string$/],
    [{ symbol: 'DOGE_USDT' }, [], /^symbol: unknown symbol "DOGE_USDT"$/],
    [{ symbol: 'btc_usdt' }, [], /symbol: unknown symbol/],
    [{}, ['side'], /^side is required$/],
    [{ side: 'buy' }, [], /^side must be one of BUY, SELL$/],
    [{}, ['order_type'], /^order_type is required$/],
    [{ order_type: 'STOP' }, [], /^order_type must be one of LIMIT, MARKET$/],
    [{ type: 'STOP' }, ['order_type'], /^type must be one of LIMIT, MARKET$/],
    [{ type: 'MARKET' }, [], /order_type and its alias type disagree/],
    [{ time_in_force: 'GTD' }, [], /^time_in_force must be one of GTC, IOC, FOK, POST_ONLY$/],
    [{ time_in_force: 1 }, [], /^time_in_force must be a string$/],
    [{ price: 85000 }, [], /^price must be a decimal string.*not a JSON number/],
    [{ price: true }, [], /^price must be a decimal string/],
    [{}, ['price'], /^price is required$/],
    [{ qty: 0.001 }, [], /^qty must be a decimal string/],
    [{}, ['qty'], /^qty is required$/],
    [{ cid: '' }, [], /^cid must be 1\.\.64 characters/],
    [{ cid: 'x'.repeat(65) }, [], /^cid must be/],
    [{ cid: 'a b' }, [], /^cid must be/],
    [{ cid: 7 }, [], /^cid must be/],
    [{ foo: 1 }, [], /^unknown field "foo"$/],
    [{ timeInForce: 'IOC' }, [], /^unknown field "timeInForce"$/],
    [{ quote_qty: '10' }, [], /^quote_qty is only for MARKET BUY orders/],
    [{ order_type: 'MARKET' }, ['time_in_force'], /^price must not be given for a MARKET order$/],
    [{ order_type: 'MARKET', time_in_force: 'FOK' }, ['price'], /^time_in_force FOK is not valid for a MARKET order/],
    [{ order_type: 'MARKET', time_in_force: 'POST_ONLY' }, ['price'], /time_in_force POST_ONLY/],
    [{ order_type: 'MARKET', side: 'SELL', quote_qty: '10' }, ['price', 'qty'], /^quote_qty is only for MARKET BUY/],
    [{ order_type: 'MARKET', quote_qty: '10' }, ['price'], /^give either qty or quote_qty, not both$/],
    [{ order_type: 'MARKET' }, ['price', 'qty'], /^qty is required$/],
    [{ order_type: 'MARKET', quote_qty: 10 }, ['price', 'qty'], /^quote_qty must be a decimal string/],
  ];
  for (const [over, drop, msg] of cases) fails(order(over, drop), 1001, msg, JSON.stringify([over, drop]));
});

test('value failures of prices and amounts are 1003 and name the field', () => {
  const cases: [Record<string, unknown>, string[], RegExp][] = [
    [{ price: '85000.001' }, [], /^price: "85000.001" has 3 decimals, at most 2 allowed$/],
    [{ price: '0' }, [], /^price must be greater than 0$/],
    [{ price: '0.00' }, [], /^price must be greater than 0$/],
    [{ price: '-1' }, [], /^price: "-1" is not a plain decimal number/],
    [{ price: '1e5' }, [], /^price: /],
    [{ price: '' }, [], /^price: must not be empty$/],
    [{ price: '99999999999999999999' }, [], /^price: "99999999999999999999" is out of range$/],
    [{ qty: '0.000000001' }, [], /^qty: "0.000000001" has 9 decimals, at most 8 allowed$/],
    [{ qty: '0' }, [], /^qty must be greater than 0$/],
    [{ qty: ' 1' }, [], /^qty: /],
    [{ qty: '0.0000001' }, [], /^qty is below the minimum 0.000001 of BTC_USDT$/],
    [{ price: '92233720368547758.07', qty: '1000' }, [], /^price x qty is out of range$/],
    [{ price: '0.01', qty: '0.000001' }, [], /^price x qty is worth less than one unit of USDT$/],
    [{ order_type: 'MARKET', quote_qty: '100.555' }, ['price', 'qty'], /^quote_qty: "100.555" has 3 decimals/],
    [{ order_type: 'MARKET', quote_qty: '0' }, ['price', 'qty'], /^quote_qty must be greater than 0$/],
  ];
  for (const [over, drop, msg] of cases) fails(order(over, drop), 1003, msg, JSON.stringify([over, drop]));
});

test('max qty and min notional of the symbol are enforced synchronously (1003)', () => {
  const limited = loadConfig({
    flags: {
      market: {
        assets: DEFAULT_MARKET_INPUT.assets,
        symbols: [{ ...DEFAULT_MARKET_INPUT.symbols[0], maxQty: '10', minNotional: '10' }],
      },
    },
  });
  const m = marketIndex(limited);
  const p = (over: Record<string, unknown>, drop: string[] = []) => {
    const b: Record<string, unknown> = { ...LIMIT, ...over };
    for (const k of drop) delete b[k];
    return parseCreateOrder(b, m);
  };
  fails(p({ qty: '10.00000001' }), 1003, /^qty is above the maximum 10 of BTC_USDT$/);
  assert.ok(!(p({ qty: '10', price: '1.00' }) instanceof ApiError), 'exactly the max, notional exactly 10');
  fails(p({ price: '1.00', qty: '9.99' }), 1003, /^price x qty is below the minimum notional 10 USDT$/);
  fails(p({ order_type: 'MARKET', quote_qty: '9.99' }, ['price', 'qty']), 1003, /^quote_qty is below the minimum/);
});

test('toPlaceCommand builds a command the core accepts', () => {
  const engine = new Engine(coreConfig(config));
  engine.process({ type: 'deposit', ts: 1, userId: 1001, assetId: 3, amount: 10_000_000 });
  const parsed = parseCreateOrder(LIMIT, market);
  assert.ok(!(parsed instanceof ApiError));
  const cmd = toPlaceCommand(parsed, 1, 1001, 1000);
  assert.deepEqual(cmd, {
    type: 'place',
    ts: 1000,
    orderId: 1,
    userId: 1001,
    symbolId: 1,
    side: 'BUY',
    orderType: 'LIMIT',
    tif: 'GTC',
    price: 8_500_000,
    qty: 100_000,
    quoteQty: 0,
    cid: 'client-order-1',
  });
  assert.equal(engine.process(cmd).code, 'OK');
  const mkt = parseCreateOrder({ symbol: 'BTC_USDT', side: 'BUY', type: 'MARKET', quote_qty: '10' }, market);
  assert.ok(!(mkt instanceof ApiError));
  assert.equal(engine.process(toPlaceCommand(mkt, 2, 1001, 1001)).code, 'OK');
});

test('parseCancel: exactly one of order_id (number or digit string) and cid', () => {
  assert.deepEqual(parseCancel({ order_id: 5 }), { orderId: 5, cid: null });
  assert.deepEqual(parseCancel({ order_id: '123' }), { orderId: 123, cid: null });
  assert.deepEqual(parseCancel({ cid: 'my-1' }), { orderId: null, cid: 'my-1' });
  assert.deepEqual(parseCancel({ order_id: 5, cid: null }), { orderId: 5, cid: null });
  for (const id of [0, -1, 1.5, '05', 'abc', '', 2 ** 53, '9007199254740993', true]) {
    fails(parseCancel({ order_id: id }), 1001, /^order_id must be a positive integer$/, String(id));
  }
  fails(parseCancel({ order_id: 1, cid: 'a' }), 1001, /exactly one of order_id and cid/);
  fails(parseCancel({}), 1001, /exactly one of order_id and cid/);
  fails(parseCancel({ cid: 'a b' }), 1001, /^cid must be/);
  fails(parseCancel({ cid: 5 }), 1001, /^cid must be/);
  fails(parseCancel({ order_id: 1, symbol: 'BTC_USDT' }), 1001, /unknown field "symbol"/);
  fails(parseCancel('{"order_id":1}'), 1001, /body must be a JSON object/);
  assert.equal(parseOrderIdParam('42'), 42);
  fails(parseOrderIdParam('4x'), 1001, /^order_id must be a positive integer$/);
});

test('parseDeposit: user_id, asset by name, qty with the asset decimals', () => {
  assert.deepEqual(parseDeposit({ user_id: 1001, asset: 'BTC', qty: '1.5' }, market), {
    userId: 1001,
    asset: market.asset(1),
    assetId: 1,
    amount: 150_000_000,
  });
  assert.equal((parseDeposit({ user_id: '7', asset: 'USDT', qty: '0.01' }, market) as { amount: number }).amount, 1);
  fails(parseDeposit({ asset: 'BTC', qty: '1' }, market), 1001, /^user_id is required$/);
  fails(parseDeposit({ user_id: 'x', asset: 'BTC', qty: '1' }, market), 1001, /^user_id must be a positive integer$/);
  fails(parseDeposit({ user_id: 1, qty: '1' }, market), 1001, /^asset is required$/);
  fails(parseDeposit({ user_id: 1, asset: 'DOGE', qty: '1' }, market), 1001, /^asset: unknown asset "DOGE"$/);
  fails(parseDeposit({ user_id: 1, asset: 'BTC', qty: 1 }, market), 1001, /^qty must be a decimal string/);
  fails(parseDeposit({ user_id: 1, asset: 'BTC' }, market), 1001, /^qty is required$/);
  fails(parseDeposit({ user_id: 1, asset: 'USDT', qty: '1.001' }, market), 1003, /^qty: "1.001" has 3 decimals/);
  fails(parseDeposit({ user_id: 1, asset: 'BTC', qty: '0' }, market), 1003, /^qty must be greater than 0$/);
  fails(parseDeposit({ user_id: 1, asset: 'BTC', qty: '1', note: 'x' }, market), 1001, /unknown field "note"/);
});

test('GET /orders query: defaults, every parameter, failures naming the parameter', () => {
  assert.deepEqual(parseOrdersQuery({}, market), { limit: 100 });
  assert.deepEqual(parseOrdersQuery(undefined, market), { limit: 100 });
  assert.deepEqual(
    parseOrdersQuery(
      { symbol: 'ETH_USDT', status: 'FILLED', start_time: '0', end_time: '2', limit: '1000', cursor: '5', x: '?' },
      market,
    ),
    { symbolId: 2, status: 'FILLED', startTime: 0, endTime: 2, cursor: 5, limit: 1000 },
  );
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ limit: '0' }, /^limit must be an integer 1\.\.1000$/],
    [{ limit: '1001' }, /^limit must be an integer 1\.\.1000$/],
    [{ limit: '1.5' }, /^limit must be/],
    [{ limit: ['1', '2'] }, /^limit must be given once/],
    [{ status: 'DONE' }, /^status must be one of NEW, PARTIALLY_FILLED, FILLED, CANCELED, REJECTED, EXPIRED$/],
    [{ start_time: '-1' }, /^start_time must be an integer/],
    [{ end_time: 'yesterday' }, /^end_time must be an integer/],
    [{ start_time: '5', end_time: '5' }, /^end_time must be after start_time$/],
    [{ cursor: '0' }, /^cursor must be an integer 1\.\./],
    [{ symbol: 'DOGE' }, /^symbol: unknown symbol "DOGE"$/],
  ];
  for (const [q, msg] of cases) fails(parseOrdersQuery(q, market), 1001, msg, JSON.stringify(q));
});

test('GET /trades, /events, /depth, /market/trades, /ticker queries', () => {
  assert.deepEqual(parseTradesQuery({ symbol: 'BTC_USDT', order_id: '9', start_time: '1', cursor: '3' }, market), {
    symbolId: 1,
    orderId: 9,
    startTime: 1,
    cursor: 3,
    limit: 100,
  });
  fails(parseTradesQuery({ order_id: 'x' }, market), 1001, /^order_id must be an integer/);
  assert.deepEqual(parseEventsQuery({}), { after: 0, limit: 100 });
  assert.deepEqual(parseEventsQuery({ after: '41', limit: '10' }), { after: 41, limit: 10 });
  fails(parseEventsQuery({ after: '-1' }), 1001, /^after must be an integer/);
  assert.deepEqual(parseDepthQuery({ symbol: 'BTC_USDT' }, market), { symbolId: 1, levels: 20 });
  assert.deepEqual(parseDepthQuery({ symbol: 'BTC_USDT', levels: '5' }, market), { symbolId: 1, levels: 5 });
  fails(parseDepthQuery({}, market), 1001, /^symbol is required$/);
  fails(parseDepthQuery({ symbol: 'BTC_USDT', levels: '0' }, market), 1001, /^levels must be an integer 1\.\.1000$/);
  assert.deepEqual(parseMarketTradesQuery({ symbol: 'ETH_USDT' }, market), { symbolId: 2, limit: 100 });
  fails(parseMarketTradesQuery({ symbol: 'ETH_USDT', limit: '5000' }, market), 1001, /^limit must be/);
  fails(parseMarketTradesQuery({ symbol: 'X' }, market), 1001, /^symbol: unknown symbol "X"$/);
  assert.deepEqual(parseTickerQuery({ symbol: 'BTC_USDT' }, market), { symbolId: 1 });
  fails(parseTickerQuery({}, market), 1001, /^symbol is required$/);
});
