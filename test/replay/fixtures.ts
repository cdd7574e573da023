// Shared by the replay and CLI tests: temp directories, a small BTC/USDT config and the hand-made data set.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh temp directory, removed when the test file ends. */
export function tmpDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fillstream-replay-'));
  dirs.push(d);
  return d;
}

export const ASSETS_CSV = 'asset_id,asset,decimals,display_decimals\n1,BTC,8,6\n2,USDT,2,2\n';
export const SYMBOLS_CSV =
  'symbol_id,symbol,base_asset_id,quote_asset_id,price_decimal,price_display_decimal\n1,BTC_USDT,1,2,2,2\n';

/** Writes the given files (name -> text) into `dir`, with the standard config unless overridden. */
export function writeDataSet(dir: string, files: Record<string, string>): string {
  const all: Record<string, string> = {
    'assets_config.csv': ASSETS_CSV,
    'symbols_config.csv': SYMBOLS_CSV,
    'balances_init.csv': 'user_id,asset_id,avail,frozen,version\n1,2,100000000,0,1\n2,1,100000000,0,1\n',
    ...files,
  };
  for (const [name, text] of Object.entries(all)) writeFileSync(join(dir, name), text);
  return dir;
}

/**
 * The hand-made set: user 1 holds 100000.00 USDT, user 2 holds 2 BTC.
 * Expected results (computed by hand, internal units; cost = price * qty / 10^8):
 *  1 sell 0.5 @ 30000 (u2) rests;  2 sell 0.3 @ 30100 (u2) rests
 *  3 buy 0.2 @ 30050 (u1): trade 1, 0.2 @ 30000 with order 1: cost 600000, refund cost(50.00, 0.2) = 1000
 *  4 buy 0.1 @ 29900 (u1) rests, locks 299000
 *  5 sell 0.25 @ 29800 (u2): trade 2, 0.1 @ 29900 with order 4 (cost 299000); 0.15 rests @ 29800
 *  6 buy 0.4 @ 30100 (u1), locks 1204000: trade 3, 0.15 @ 29800 with 5 (cost 447000, refund 4500),
 *    trade 4, 0.25 @ 30000 with 1 (cost 750000, refund 2500); order 1 keeps 0.05
 *  cancel 2 (u2): applied, 0.3 BTC back;  cancel 4 (u1): already filled, no-op
 *  9 buy 0.01 @ 29000 (u1) rests, locks 29000
 *  10 sell 5 @ 31000 (u2): INSUFFICIENT_BALANCE;  cancel 9 by u2: NOT_ORDER_OWNER
 */
export const HAND_BALANCES = 'user_id,asset_id,avail,frozen,version\r\n1,2,10000000,0,1\r\n2,1,200000000,0,1\r\n';
export const HAND_ORDERS = [
  'order_id,user_id,action,side,price,qty',
  '1,2,place,sell,30000.00,0.5',
  '2,2,place,sell,30100,0.3',
  '3,1,place,buy,30050.00,0.2',
  '4,1,place,BUY,29900.00,0.1',
  '5,2,place,sell,29800.00,0.25',
  '6,1,place,buy,30100.00,0.4',
  '2,2,cancel,,,',
  '4,1,CANCEL,buy,29900.00,0.1',
  '9,1,place,buy,29000.00,0.01',
  '10,2,place,sell,31000.00,5',
  '9,2,cancel,,,',
].join('\r\n');
/** The same orders in internal units. */
export const HAND_ORDERS_INTERNAL = [
  'order_id,user_id,action,side,price,qty',
  '1,2,place,sell,3000000,50000000',
  '2,2,place,sell,3010000,30000000',
  '3,1,place,buy,3005000,20000000',
  '4,1,place,BUY,2990000,10000000',
  '5,2,place,sell,2980000,25000000',
  '6,1,place,buy,3010000,40000000',
  '2,2,cancel,,,',
  '4,1,CANCEL,buy,2990000,10000000',
  '9,1,place,buy,2900000,1000000',
  '10,2,place,sell,3100000,500000000',
  '9,2,cancel,,,',
].join('\n');

export const HAND_EXPECTED_BALANCES = [
  'user_id,asset_id,avail,frozen',
  '1,1,70000000,0',
  '1,2,7875000,29000',
  '2,1,125000000,5000000',
  '2,2,2096000,0',
  '',
].join('\n');

export const HAND_EXPECTED_TRADES = [
  'trade_id,price,qty,taker_side,maker_order_id,taker_order_id,maker_user_id,taker_user_id,maker_fee,taker_fee',
  '1,3000000,20000000,buy,1,3,2,1,0,0',
  '2,2990000,10000000,sell,4,5,1,2,0,0',
  '3,2980000,15000000,buy,5,6,2,1,0,0',
  '4,3000000,25000000,buy,1,6,2,1,0,0',
  '',
].join('\n');

export function writeHandSet(dir: string, internal = false): string {
  return writeDataSet(dir, {
    'balances_init.csv': HAND_BALANCES,
    'orders.csv': internal ? HAND_ORDERS_INTERNAL : HAND_ORDERS,
  });
}
