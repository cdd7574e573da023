// The SQL text of every read the gateway makes (both dialects), one builder per query shape, so that the stores
// run exactly what the query-plan test explains (test/store/query-plans.test.ts).

import type { OrderQuery, TradeQuery } from './store.js';
import { EVENT_LOG_COLS, BALANCE_COLS, ORDER_COLS, TRADE_COLS } from './rows.js';

export type Dialect = 'sqlite' | 'pg';

/** Collects bound values; renders `?` (SQLite) or `$n` (PostgreSQL). */
export class Params {
  readonly values: unknown[] = [];
  constructor(readonly dialect: Dialect) {}
  add(v: unknown): string {
    this.values.push(v);
    return this.dialect === 'pg' ? `$${this.values.length}` : '?';
  }
}

/** One read of the gateway: what a route (or the push service's resume) asks the store. */
export type ReadQuery =
  | { readonly kind: 'order'; readonly userId: number; readonly orderId: number }
  | { readonly kind: 'orders'; readonly q: OrderQuery }
  | { readonly kind: 'trades'; readonly q: TradeQuery }
  | { readonly kind: 'marketTrades'; readonly symbolId: number; readonly limit: number }
  | { readonly kind: 'balances'; readonly userId: number }
  | { readonly kind: 'events'; readonly userId: number; readonly after: number; readonly limit: number }
  | { readonly kind: 'latestSeq'; readonly userId: number }
  | { readonly kind: 'oldestSeq'; readonly userId: number }
  | { readonly kind: 'userExists'; readonly userId: number }
  | { readonly kind: 'apiKey'; readonly apiKey: string };

export interface Sql {
  readonly text: string;
  readonly values: unknown[];
}

const OPEN_STATUS_LIST = `('NEW', 'PARTIALLY_FILLED')`;

function listOrdersSql(q: OrderQuery, p: Params): string {
  const where = [`user_id = ${p.add(q.userId)}`];
  if (q.symbolId !== undefined) where.push(`symbol_id = ${p.add(q.symbolId)}`);
  if (q.status !== undefined) {
    where.push(`status = ${p.add(q.status)}`);
    // Restated so the planner may take the open-order index (it cannot infer the IN list from the equality).
    if (q.status === 'NEW' || q.status === 'PARTIALLY_FILLED') where.push(`status IN ${OPEN_STATUS_LIST}`);
  }
  if (q.startTime !== undefined) where.push(`created_at >= ${p.add(q.startTime)}`);
  if (q.endTime !== undefined) where.push(`created_at < ${p.add(q.endTime)}`);
  if (q.cursor !== undefined) where.push(`order_id < ${p.add(q.cursor)}`);
  return `SELECT ${ORDER_COLS} FROM orders WHERE ${where.join(' AND ')} ORDER BY order_id DESC LIMIT ${p.add(q.limit)}`;
}

/**
 * A user's fills, one row per side the user took: a self-trade (maker and taker are the same
 * user) yields two rows with the same trade_id, MAKER before TAKER. Fetches limit + 1 rows so
 * `trimTradePage` can keep both sides of a self-trade on the same page.
 */
function listTradesSql(q: TradeQuery, p: Params): string {
  const branch = (who: 'maker' | 'taker'): string => {
    const where = [`${who}_user_id = ${p.add(q.userId)}`];
    // Unary + keeps the per-symbol index out: the user's (or the order's) index drives the scan.
    if (q.symbolId !== undefined) where.push(`+symbol_id = ${p.add(q.symbolId)}`);
    if (q.orderId !== undefined) where.push(`${who}_order_id = ${p.add(q.orderId)}`);
    if (q.startTime !== undefined) where.push(`+ts >= ${p.add(q.startTime)}`);
    if (q.cursor !== undefined) where.push(`trade_id < ${p.add(q.cursor)}`);
    const side = who === 'taker' ? 'taker_side' : `CASE taker_side WHEN 'BUY' THEN 'SELL' ELSE 'BUY' END`;
    const role = who === 'taker' ? 'TAKER' : 'MAKER';
    return (
      `SELECT * FROM (SELECT ${TRADE_COLS}, ${who}_order_id AS order_id, ${side} AS side, '${role}' AS role, ` +
      `${who}_fee AS fee FROM trades WHERE ${where.join(' AND ')} ORDER BY trade_id DESC LIMIT ${p.add(q.limit + 1)}) AS ${who}_side`
    );
  };
  const maker = branch('maker');
  const taker = branch('taker');
  return `${maker} UNION ALL ${taker} ORDER BY trade_id DESC, role LIMIT ${p.add(q.limit + 1)}`;
}

/** The statement (text and bound values) of one read. */
export function readSql(r: ReadQuery, dialect: Dialect): Sql {
  const p = new Params(dialect);
  let text: string;
  switch (r.kind) {
    case 'order':
      text = `SELECT ${ORDER_COLS} FROM orders WHERE order_id = ${p.add(r.orderId)} AND user_id = ${p.add(r.userId)}`;
      break;
    case 'orders':
      text = listOrdersSql(r.q, p);
      break;
    case 'trades':
      text = listTradesSql(r.q, p);
      break;
    case 'marketTrades':
      text = `SELECT ${TRADE_COLS} FROM trades WHERE symbol_id = ${p.add(r.symbolId)} ORDER BY trade_id DESC LIMIT ${p.add(r.limit)}`;
      break;
    case 'balances':
      text = `SELECT ${BALANCE_COLS} FROM balances WHERE user_id = ${p.add(r.userId)} ORDER BY asset_id`;
      break;
    case 'events':
      text =
        `SELECT ${EVENT_LOG_COLS} FROM event_log WHERE user_id = ${p.add(r.userId)} AND last_seq > ${p.add(r.after)} ` +
        `ORDER BY last_seq LIMIT ${p.add(r.limit)}`;
      break;
    case 'latestSeq':
      text = `SELECT COALESCE(MAX(last_seq), 0) AS seq FROM event_log WHERE user_id = ${p.add(r.userId)}`;
      break;
    case 'oldestSeq':
      text = `SELECT MIN(first_seq) AS seq FROM event_log WHERE user_id = ${p.add(r.userId)}`;
      break;
    case 'userExists':
      text = `SELECT 1 AS one FROM users WHERE user_id = ${p.add(r.userId)}`;
      break;
    case 'apiKey':
      text = `SELECT api_key, user_id, secret_enc, created_at, revoked FROM api_keys WHERE api_key = ${p.add(r.apiKey)}`;
      break;
  }
  return { text, values: p.values };
}
