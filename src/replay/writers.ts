// Writers of a replay's outputs: final balances CSV, trades CSV (internal units) and the summary JSON.

import type { Engine } from '../core/engine.js';
import { type Int, intToString } from '../core/int64.js';
import type { TradeEvent } from '../core/types.js';

export const BALANCES_OUT_COLUMNS = ['user_id', 'asset_id', 'avail', 'frozen'] as const;
export const TRADES_COLUMNS = [
  'trade_id',
  'price',
  'qty',
  'taker_side',
  'maker_order_id',
  'taker_order_id',
  'maker_user_id',
  'taker_user_id',
  'maker_fee',
  'taker_fee',
] as const;

/** Receives the text in order, in pieces of any size. */
export type ChunkFn = (text: string) => void;

const CHUNK = 1 << 20;

/**
 * Final balances: `user_id,asset_id,avail,frozen`, sorted by user then asset,
 * internal units. Rows cover the engine's accounts (users that ever held
 * something, and the fee account) and configured assets; a row whose avail and
 * frozen are both 0 is left out unless `includeZero`. Returns the data row count.
 */
export function writeBalancesCsv(engine: Engine, write: ChunkFn, includeZero = false): number {
  const users = [...engine.accounts.keys()].sort((a, b) => a - b);
  const assets: number[] = [];
  engine.assets.forEach((a, id) => {
    if (a !== undefined) assets.push(id);
  });
  let text = BALANCES_OUT_COLUMNS.join(',') + '\n';
  let rows = 0;
  for (const user of users) {
    const acc = engine.accounts.get(user);
    if (acc === undefined) continue;
    for (const asset of assets) {
      const avail = acc.avail[asset] as Int;
      const frozen = acc.frozen[asset] as Int;
      if (!includeZero && avail === 0 && frozen === 0) continue;
      text += `${user},${asset},${intToString(avail)},${intToString(frozen)}\n`;
      rows++;
      if (text.length >= CHUNK) {
        write(text);
        text = '';
      }
    }
  }
  write(text);
  return rows;
}

/** `trade_id,price,qty,taker_side,maker_order_id,taker_order_id,maker_user_id,taker_user_id,maker_fee,taker_fee`; side `buy`/`sell`. */
export function writeTradesCsv(trades: readonly TradeEvent[], write: ChunkFn): void {
  let text = TRADES_COLUMNS.join(',') + '\n';
  for (const t of trades) {
    text +=
      `${t.tradeId},${intToString(t.price)},${intToString(t.qty)},${t.takerSide === 'BUY' ? 'buy' : 'sell'},` +
      `${t.makerOrderId},${t.takerOrderId},${t.makerUserId},${t.takerUserId},` +
      `${intToString(t.makerFee)},${intToString(t.takerFee)}\n`;
    if (text.length >= CHUNK) {
      write(text);
      text = '';
    }
  }
  write(text);
}

/** Pretty JSON with a final newline. */
export function summaryJson(summary: object): string {
  return JSON.stringify(summary, null, 2) + '\n';
}

/** Collects a writer's output into one string (small outputs, tests). */
export function collect(writer: (write: ChunkFn) => unknown): string {
  let out = '';
  writer((t) => {
    out += t;
  });
  return out;
}
