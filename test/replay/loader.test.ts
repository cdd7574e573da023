// The data set loader: both orders.csv formats, header detection, line ends, units, and every kind of
// malformed row reported as file:line (abort by default, skipped and counted with skipBadRows).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Command, PlaceOrderCommand } from '../../src/core/types.js';
import { InputError } from '../../src/replay/errors.js';
import { REPLAY_TS_START, dataSetPaths, loadDataSet, type LoadOptions } from '../../src/replay/load.js';
import { tmpDir, writeDataSet } from './fixtures.js';

function load(files: Record<string, string>, opts: LoadOptions = {}) {
  const dir = writeDataSet(tmpDir(), files);
  return { dir, data: loadDataSet(dataSetPaths(dir), opts) };
}

function place(o: Partial<PlaceOrderCommand>): PlaceOrderCommand {
  return {
    type: 'place',
    ts: 0,
    orderId: 0,
    userId: 0,
    symbolId: 1,
    side: 'BUY',
    orderType: 'LIMIT',
    tif: 'GTC',
    price: 0,
    qty: 0,
    quoteQty: 0,
    cid: null,
    ...o,
  };
}

/** The error message of a load that must fail. */
function failure(files: Record<string, string>, opts: LoadOptions = {}): string {
  const dir = writeDataSet(tmpDir(), files);
  try {
    loadDataSet(dataSetPaths(dir), opts);
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    return e.message.replace(dir + '/', '');
  }
  assert.fail('load succeeded');
}

test('plain format: LIMIT GTC orders of the first symbol, deposits first, synthetic clock', () => {
  const { data } = load({
    'orders.csv': 'order_id,user_id,side,price,qty\n7,1,buy,30000.5,0.001\n8,2,SELL,1,2\n',
  });
  assert.equal(data.stats.orders.format, 'plain');
  assert.deepEqual(data.config.feeAccountId, 0);
  assert.deepEqual(
    data.commands.map((c) => c.type),
    ['deposit', 'deposit', 'place', 'place'],
  );
  assert.deepEqual(data.commands[0], {
    type: 'deposit',
    ts: REPLAY_TS_START,
    userId: 1,
    assetId: 2,
    amount: 100000000,
  });
  assert.deepEqual(
    data.commands[2],
    place({ ts: REPLAY_TS_START + 2, orderId: 7, userId: 1, price: 3000050, qty: 100000 }),
  );
  assert.deepEqual(
    data.commands[3],
    place({ ts: REPLAY_TS_START + 3, orderId: 8, userId: 2, side: 'SELL', price: 100, qty: 200000000 }),
  );
});

test('action format with CRLF: place and cancel rows; a cancel ignores side/price/qty', () => {
  const { data } = load({
    'orders.csv':
      'order_id,user_id,action,side,price,qty\r\n1,1,place,buy,10.00,1\r\n1,1,cancel,,,\r\n2,1,Place,sell,10,1\r\n2,1,CANCEL,junk,x,y\r\n',
  });
  assert.equal(data.stats.orders.format, 'action');
  assert.deepEqual(data.stats.orders, { format: 'action', rows: 4, places: 2, cancels: 2, skipped: 0 });
  const orders = data.commands.slice(2);
  assert.deepEqual(orders[1], { type: 'cancel', ts: REPLAY_TS_START + 3, userId: 1, orderId: 1, cid: null });
  assert.equal((orders[2] as PlaceOrderCommand).side, 'SELL');
  assert.deepEqual(orders[3], { type: 'cancel', ts: REPLAY_TS_START + 5, userId: 1, orderId: 2, cid: null });
});

test('header detection: case and spaces around names do not matter; anything else is refused', () => {
  const { data } = load({ 'orders.csv': '\ufeffOrder_ID, user_id ,SIDE,price,qty\n1,1,buy,1,1' });
  assert.equal(data.stats.orders.format, 'plain');
  assert.equal(data.commands.length, 3);
  assert.equal(
    failure({ 'orders.csv': 'id,user,side,price,qty\n' }),
    'orders.csv:1: unrecognised header "id,user,side,price,qty": expected "order_id,user_id,side,price,qty" or "order_id,user_id,action,side,price,qty"',
  );
  assert.match(failure({ 'orders.csv': '' }), /^orders\.csv: empty file/);
  assert.match(failure({ 'orders.csv': '1,1,buy,1,1\n' }), /^orders\.csv:1: unrecognised header/);
});

test('a header-only orders.csv is an empty replay, not an error', () => {
  const { data } = load({ 'orders.csv': 'order_id,user_id,side,price,qty\n' });
  assert.equal(data.stats.orders.rows, 0);
});

const PLAIN = 'order_id,user_id,side,price,qty\n1,1,buy,1.00,1\n';
const ACTION = 'order_id,user_id,action,side,price,qty\n1,1,place,buy,1.00,1\n';

test('every kind of malformed orders row aborts with file:line and the reason', () => {
  const cases: Array<[string, string]> = [
    [PLAIN + '2,1,buy,1.00\n', 'orders.csv:3: expected 5 fields (order_id,user_id,side,price,qty), got 4'],
    [PLAIN + '2,1,buy,1.00,1,9\n', 'orders.csv:3: expected 5 fields (order_id,user_id,side,price,qty), got 6'],
    [ACTION + '2,1,buy,1.00,1\n', 'orders.csv:3: expected 6 fields (order_id,user_id,action,side,price,qty), got 5'],
    [PLAIN + 'x,1,buy,1.00,1\n', 'orders.csv:3: order_id "x" is not a non-negative integer'],
    [PLAIN + '-2,1,buy,1.00,1\n', 'orders.csv:3: order_id "-2" is not a non-negative integer'],
    [
      PLAIN + '2,9007199254740992,buy,1.00,1\n',
      'orders.csv:3: user_id "9007199254740992" is not a non-negative integer',
    ],
    [PLAIN + '2,,buy,1.00,1\n', 'orders.csv:3: user_id "" is not a non-negative integer'],
    [PLAIN + '2,1,bye,1.00,1\n', 'orders.csv:3: side "bye" must be buy or sell'],
    [ACTION + '2,1,amend,buy,1.00,1\n', 'orders.csv:3: action "amend" must be place or cancel'],
    [ACTION + '2,1,place,,1.00,1\n', 'orders.csv:3: side "" must be buy or sell'],
    [PLAIN + '2,1,buy,1.234,1\n', 'orders.csv:3: price "1.234" has 3 decimals, at most 2 allowed'],
    [PLAIN + '2,1,buy,1.00,0.000000001\n', 'orders.csv:3: qty "0.000000001" has 9 decimals, at most 8 allowed'],
    [
      PLAIN + '2,1,buy,1e3,1\n',
      'orders.csv:3: price "1e3" is not a plain decimal number (digits, optional dot and digits)',
    ],
    [
      PLAIN + '2,1,buy,-1,1\n',
      'orders.csv:3: price "-1" is not a plain decimal number (digits, optional dot and digits)',
    ],
    [
      PLAIN + '2,1,buy, 1,1\n',
      'orders.csv:3: price " 1" is not a plain decimal number (digits, optional dot and digits)',
    ],
    [PLAIN + '2,1,buy,1.00,\n', 'orders.csv:3: qty must not be empty'],
    [PLAIN + '2,1,buy,1.00,99999999999999999999\n', 'orders.csv:3: qty "99999999999999999999" is out of range'],
    [
      PLAIN + '\n\n2,1,buy,1.,1\n',
      'orders.csv:5: price "1." is not a plain decimal number (digits, optional dot and digits)',
    ],
  ];
  for (const [orders, message] of cases) assert.equal(failure({ 'orders.csv': orders }), message, orders);
});

test('the reference example message, at line 17', () => {
  const rows = ['order_id,user_id,side,price,qty'];
  for (let i = 1; i < 16; i++) rows.push(`${i},1,buy,84000.55,0.001`);
  rows.push('16,1,buy,1.234,1');
  assert.equal(
    failure({ 'orders.csv': rows.join('\n') }),
    'orders.csv:17: price "1.234" has 3 decimals, at most 2 allowed',
  );
});

test('--units internal: integers of internal units; decimals are refused', () => {
  const { data } = load(
    { 'orders.csv': 'order_id,user_id,side,price,qty\n1,1,buy,3000055,100000\n2,1,sell,9223372036854775807,1\n' },
    { units: 'internal' },
  );
  assert.deepEqual(
    data.commands[2],
    place({ ts: REPLAY_TS_START + 2, orderId: 1, userId: 1, price: 3000055, qty: 100000 }),
  );
  assert.equal((data.commands[3] as PlaceOrderCommand).price, 9223372036854775807n);
  assert.equal(
    failure({ 'orders.csv': 'order_id,user_id,side,price,qty\n1,1,buy,30000.55,1\n' }, { units: 'internal' }),
    'orders.csv:2: price "30000.55" is not an integer',
  );
});

test('skipBadRows: bad rows are counted and kept for the report; good rows load', () => {
  const { data } = load(
    {
      'orders.csv': PLAIN + '2,1,buy,1.234,1\n3,1,buy,1,1\nbad\n',
      'balances_init.csv': 'user_id,asset_id,avail,frozen,version\n1,2,100,0,1\n1,9,100,0,1\n',
    },
    { skipBadRows: true },
  );
  assert.equal(data.stats.badRowCount, 3);
  assert.deepEqual(
    data.stats.badRows.map((r) => `${r.file.split('/').pop()}:${r.line}: ${r.message}`),
    [
      'balances_init.csv:3: asset_id 9 is not in the assets config',
      'orders.csv:3: price "1.234" has 3 decimals, at most 2 allowed',
      'orders.csv:5: expected 5 fields (order_id,user_id,side,price,qty), got 1',
    ],
  );
  assert.deepEqual(
    data.commands.map((c: Command) => c.type),
    ['deposit', 'place', 'place'],
  );
  assert.equal(data.stats.orders.skipped, 2);
  assert.equal(data.stats.balances.skipped, 1);
});

test('balances_init.csv: internal units, frozen ignored (counted), avail 0 deposits nothing, bad rows', () => {
  const { data } = load({
    'balances_init.csv': 'user_id,asset_id,avail,frozen,version\n5,1,123456789012345678,7,3\n6,2,0,0,1\n7,2,10,0,\n',
    'orders.csv': PLAIN,
  });
  assert.deepEqual(data.commands.slice(0, 2), [
    { type: 'deposit', ts: REPLAY_TS_START, userId: 5, assetId: 1, amount: 123456789012345678n },
    { type: 'deposit', ts: REPLAY_TS_START + 1, userId: 7, assetId: 2, amount: 10 },
  ]);
  assert.deepEqual(data.stats.balances, { rows: 3, deposits: 2, zeroRows: 1, frozenIgnored: 1, skipped: 0 });
  const bal = (rows: string) => failure({ 'balances_init.csv': 'user_id,asset_id,avail,frozen,version\n' + rows });
  assert.equal(bal('1,2,1.5,0,1\n'), 'balances_init.csv:2: avail "1.5" is not an integer');
  assert.equal(bal('1,2,-1,0,1\n'), 'balances_init.csv:2: avail "-1" must not be negative');
  assert.equal(bal('1,3,1,0,1\n'), 'balances_init.csv:2: asset_id 3 is not in the assets config');
  assert.equal(bal('u,2,1,0,1\n'), 'balances_init.csv:2: user_id "u" is not a non-negative integer');
  assert.equal(
    bal('1,2,1,0\n'),
    'balances_init.csv:2: expected 5 fields (user_id,asset_id,avail,frozen,version), got 4',
  );
  assert.equal(
    failure({ 'balances_init.csv': 'user,asset,avail\n' }),
    'balances_init.csv:1: header "user,asset,avail" should be "user_id,asset_id,avail,frozen,version"',
  );
});

test('config files: header, values and references are checked, always fatal', () => {
  const { data } = load({ 'orders.csv': PLAIN });
  assert.deepEqual(data.config.assets, [
    { id: 1, name: 'BTC', decimals: 8, displayDecimals: 6 },
    { id: 2, name: 'USDT', decimals: 2, displayDecimals: 2 },
  ]);
  assert.equal(data.config.symbols[0]?.name, 'BTC_USDT');
  const A = 'asset_id,asset,decimals,display_decimals\n';
  const S = 'symbol_id,symbol,base_asset_id,quote_asset_id,price_decimal,price_display_decimal\n';
  const cases: Array<[Record<string, string>, string]> = [
    [
      { 'assets_config.csv': A + '1,BTC,8\n' },
      'assets_config.csv:2: expected 4 fields (asset_id,asset,decimals,display_decimals), got 3',
    ],
    [{ 'assets_config.csv': A + '1,BTC,19,2\n' }, 'assets_config.csv:2: decimals "19" must be an integer from 0 to 18'],
    [
      { 'assets_config.csv': A + '5000,BTC,8,2\n' },
      'assets_config.csv:2: asset_id "5000" must be an integer from 0 to 1023',
    ],
    [{ 'assets_config.csv': A + '1,BTC,8,6\n1,ETH,8,6\n' }, 'assets_config.csv:3: asset_id 1 appears twice'],
    [{ 'assets_config.csv': A }, 'assets_config.csv: no rows after the header'],
    [
      { 'symbols_config.csv': S + '1,BTC_USDT,1,3,2,2\n' },
      'symbols_config.csv:2: quote_asset_id 3 is not in the assets config',
    ],
    [
      { 'symbols_config.csv': S + '1,X,1,1,2,2\n' },
      'symbols_config.csv:2: base_asset_id and quote_asset_id must differ',
    ],
    [
      { 'symbols_config.csv': 'symbol_id,symbol\n' },
      `symbols_config.csv:1: header "symbol_id,symbol" should be "${S.trim()}"`,
    ],
  ];
  for (const [files, message] of cases) {
    assert.equal(failure({ 'orders.csv': PLAIN, ...files }), message);
    // Config errors abort even when bad rows are skipped.
    assert.equal(failure({ 'orders.csv': PLAIN, ...files }, { skipBadRows: true }), message);
  }
});

test('options: fee rates and fee account', () => {
  const { data } = load({ 'orders.csv': PLAIN }, { makerFee: '0.001', takerFee: '0.0025', feeAccountId: 99 });
  assert.equal(data.config.feeAccountId, 99);
  assert.equal(data.config.symbols[0]?.makerFeeRate, 100000);
  assert.equal(data.config.symbols[0]?.takerFeeRate, 250000);
  assert.equal(failure({ 'orders.csv': PLAIN }, { makerFee: '1.5' }), 'maker fee: "1.5" is above 1');
  assert.equal(
    failure({ 'orders.csv': PLAIN }, { takerFee: '0.000000001' }),
    'taker fee: "0.000000001" has 9 decimals, at most 8 allowed',
  );
});

test('a missing file is reported with its path', () => {
  const dir = tmpDir();
  assert.throws(
    () => loadDataSet(dataSetPaths(dir)),
    (e: unknown) => e instanceof InputError && e.message === `cannot read ${join(dir, 'assets_config.csv')}: ENOENT`,
  );
});

test('rows belong to the first symbol of symbols_config.csv, whatever its id', () => {
  const config = {
    'assets_config.csv': 'asset_id,asset,decimals,display_decimals\n1,BTC,8,6\n2,USDT,2,2\n3,ETH,6,4\n',
    'symbols_config.csv':
      'symbol_id,symbol,base_asset_id,quote_asset_id,price_decimal,price_display_decimal\n' +
      '9,ETH_USDT,3,2,1,1\n1,BTC_USDT,1,2,2,2\n',
  };
  const { data } = load({ ...config, 'orders.csv': 'order_id,user_id,side,price,qty\n1,1,buy,2000.5,0.123456\n' });
  // Price with ETH_USDT's 1 decimal, quantity with ETH's 6.
  assert.deepEqual(
    data.commands[2],
    place({ ts: REPLAY_TS_START + 2, orderId: 1, userId: 1, symbolId: 9, price: 20005, qty: 123456 }),
  );
  assert.equal(
    failure({ ...config, 'orders.csv': 'order_id,user_id,side,price,qty\n1,1,buy,2000.55,1\n' }),
    'orders.csv:2: price "2000.55" has 2 decimals, at most 1 allowed',
  );
  assert.equal(
    failure({ ...config, 'orders.csv': 'order_id,user_id,side,price,qty\n1,1,buy,2000.5,0.1234567\n' }),
    'orders.csv:2: qty "0.1234567" has 7 decimals, at most 6 allowed',
  );
});
