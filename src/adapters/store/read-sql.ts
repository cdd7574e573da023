// The SQL text of every read the gateway makes (both dialects), one builder per query shape, so that the stores
// run exactly what the query-plan test explains (test/store/query-plans.test.ts). Every shape is served by an
// index range without walking a user's whole history: list queries are merges of per-user index ranges, with
// time filters turned into id ranges.

import type { OrderStatus } from '../../core/types.js';
import type { KlineQuery, OrderQuery, TradeQuery } from './store.js';
import { EVENT_LOG_COLS, BALANCE_COLS, KLINE_COLS, ORDER_COLS, TRADE_COLS } from './rows.js';

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
  | { readonly kind: 'orderByCid'; readonly userId: number; readonly cid: string }
  | { readonly kind: 'orders'; readonly q: OrderQuery }
  | { readonly kind: 'trades'; readonly q: TradeQuery }
  | { readonly kind: 'marketTrades'; readonly symbolId: number; readonly limit: number }
  | { readonly kind: 'balances'; readonly userId: number }
  | { readonly kind: 'klines'; readonly q: KlineQuery }
  | { readonly kind: 'tradesAfter'; readonly symbolId: number; readonly after: number; readonly limit: number }
  | { readonly kind: 'events'; readonly userId: number; readonly after: number; readonly limit: number }
  | { readonly kind: 'latestSeq'; readonly userId: number }
  | { readonly kind: 'oldestSeq'; readonly userId: number }
  | { readonly kind: 'userExists'; readonly userId: number }
  | { readonly kind: 'apiKey'; readonly apiKey: string };

export interface Sql {
  readonly text: string;
  readonly values: unknown[];
}

/** Every order status (a compile error here when one is added): a user's order list is one index range per status. */
const STATUS_SET: Record<OrderStatus, true> = {
  NEW: true,
  PARTIALLY_FILLED: true,
  FILLED: true,
  CANCELED: true,
  REJECTED: true,
  EXPIRED: true,
};
export const ORDER_STATUSES = Object.keys(STATUS_SET) as readonly OrderStatus[];

/**
 * A CTE `name(lo, hi)` whose last row (lo = hi) holds the smallest id from which every row of `table` has its time
 * >= t (every row below has it < t): a binary search over the primary key, one index probe per step. It is exact
 * because times never decrease with ids (the engine's clock is monotonic, across restarts too: engine-worker.ts),
 * and it turns a time range into an id range that the per-user indexes serve.
 */
function idFromCte(name: string, table: 'orders' | 'trades', t: number, p: Params): string {
  const [id, ts] = table === 'orders' ? ['order_id', 'created_at'] : ['trade_id', 'ts'];
  const probe = (): string =>
    `COALESCE((SELECT ${ts} FROM ${table} WHERE ${id} >= (lo + hi) / 2 ORDER BY ${id} LIMIT 1) >= ${p.add(t)}, TRUE)`;
  return (
    `${name}(lo, hi) AS (SELECT CAST(0 AS BIGINT), (SELECT COALESCE(MAX(${id}), 0) FROM ${table}) + 1 UNION ALL ` +
    `SELECT CASE WHEN ${probe()} THEN lo ELSE (lo + hi) / 2 + 1 END, ` +
    `CASE WHEN ${probe()} THEN (lo + hi) / 2 ELSE hi END FROM ${name} WHERE lo < hi)`
  );
}

const bound = (name: string): string => `(SELECT lo FROM ${name} WHERE lo >= hi)`;

/**
 * Newest first, merged from one index range per arm. SQLite merges the arms lazily (each arm's index gives its
 * order, the merge stops at the limit); PostgreSQL 15 plans a sort over a UNION ALL, so there each arm takes its
 * own newest `limit` rows first and the sort sees at most arms x limit of them.
 */
function merged(arms: readonly string[], order: string, limit: number, p: Params): string {
  if (arms.length === 1 || p.dialect === 'sqlite')
    return `${arms.join(' UNION ALL ')} ORDER BY ${order} LIMIT ${p.add(limit)}`;
  const key = order.split(',')[0] as string;
  const limited = arms.map((a, i) => `SELECT * FROM (${a} ORDER BY ${key} LIMIT ${p.add(limit)}) AS arm${i}`);
  return `${limited.join(' UNION ALL ')} ORDER BY ${order} LIMIT ${p.add(limit)}`;
}

/** SQLite is told the index (its statistics may favour a scan that filters row by row); PostgreSQL picks. */
const from = (table: string, index: string, p: Params): string =>
  p.dialect === 'sqlite' ? `${table} INDEXED BY ${index}` : table;

/**
 * One arm per status (the one asked, or all), each a range of (user_id[, symbol_id], status, order_id); a time
 * range becomes an order-id range (idFromCte), the cursor its upper end.
 */
function listOrdersSql(q: OrderQuery, p: Params): string {
  const ctes: string[] = [];
  if (q.startTime !== undefined) ctes.push(idFromCte('since', 'orders', q.startTime, p));
  if (q.endTime !== undefined) ctes.push(idFromCte('until', 'orders', q.endTime, p));
  const statuses = q.status === undefined ? ORDER_STATUSES : ORDER_STATUSES.filter((s) => s === q.status);
  if (statuses.length === 0) throw new Error(`store: unknown order status ${String(q.status)}`);
  const index = q.symbolId === undefined ? 'orders_user_status' : 'orders_user_symbol_status';
  const arms = statuses.map((status) => {
    const where = [`user_id = ${p.add(q.userId)}`];
    if (q.symbolId !== undefined) where.push(`symbol_id = ${p.add(q.symbolId)}`);
    where.push(`status = '${status}'`); // from the fixed list above, never from the request
    if (q.startTime !== undefined) where.push(`order_id >= ${bound('since')}`);
    if (q.endTime !== undefined) where.push(`order_id < ${bound('until')}`);
    if (q.cursor !== undefined) where.push(`order_id < ${p.add(q.cursor)}`);
    return `SELECT ${ORDER_COLS} FROM ${from('orders', index, p)} WHERE ${where.join(' AND ')}`;
  });
  const body = merged(arms, 'order_id DESC', q.limit, p);
  return ctes.length > 0 ? `WITH RECURSIVE ${ctes.join(', ')} ${body}` : body;
}

/**
 * A user's fills, one row per side the user took: a self-trade (maker and taker are the same
 * user) yields two rows with the same trade_id, MAKER before TAKER. Fetches limit + 1 rows so
 * `trimTradePage` can keep both sides of a self-trade on the same page. Each side is a range of
 * (side_user_id[, symbol_id], trade_id), or of the order's own index when an order is asked; a start time
 * becomes a trade-id range (idFromCte).
 */
function listTradesSql(q: TradeQuery, p: Params): string {
  const cte = q.startTime === undefined ? null : idFromCte('since', 'trades', q.startTime, p);
  const branch = (who: 'maker' | 'taker'): string => {
    const where = [`${who}_user_id = ${p.add(q.userId)}`];
    let index = `trades_${who}_user`;
    if (q.orderId !== undefined) {
      where.push(`${who}_order_id = ${p.add(q.orderId)}`);
      index = `trades_${who}_order`;
    }
    if (q.symbolId !== undefined) {
      where.push(`symbol_id = ${p.add(q.symbolId)}`);
      if (q.orderId === undefined) index = `trades_${who}_user_symbol`;
    }
    if (q.startTime !== undefined) where.push(`trade_id >= ${bound('since')}`);
    if (q.cursor !== undefined) where.push(`trade_id < ${p.add(q.cursor)}`);
    const side = who === 'taker' ? 'taker_side' : `CASE taker_side WHEN 'BUY' THEN 'SELL' ELSE 'BUY' END`;
    const role = who === 'taker' ? 'TAKER' : 'MAKER';
    return (
      `SELECT ${TRADE_COLS}, ${who}_order_id AS order_id, ${side} AS side, '${role}' AS role, ${who}_fee AS fee ` +
      `FROM ${from('trades', index, p)} WHERE ${where.join(' AND ')}`
    );
  };
  const body = merged([branch('maker'), branch('taker')], 'trade_id DESC, role', q.limit + 1, p);
  return cte === null ? body : `WITH RECURSIVE ${cte} ${body}`;
}

/**
 * A range of the klines primary key (symbol_id, interval_ms, open_time): ascending from start_time, or the newest
 * `limit` up to end_time read descending and turned around (oldest first either way).
 */
function klinesSql(q: KlineQuery, p: Params): string {
  const where = [`symbol_id = ${p.add(q.symbolId)}`, `interval_ms = ${p.add(q.intervalMs)}`];
  if (q.startTime !== undefined) where.push(`open_time >= ${p.add(q.startTime)}`);
  if (q.endTime !== undefined) where.push(`open_time <= ${p.add(q.endTime)}`);
  const range = `SELECT ${KLINE_COLS} FROM klines WHERE ${where.join(' AND ')}`;
  if (q.startTime !== undefined) return `${range} ORDER BY open_time LIMIT ${p.add(q.limit)}`;
  return `SELECT * FROM (${range} ORDER BY open_time DESC LIMIT ${p.add(q.limit)}) AS newest ORDER BY open_time`;
}

/** The statement (text and bound values) of one read. */
export function readSql(r: ReadQuery, dialect: Dialect): Sql {
  const p = new Params(dialect);
  let text: string;
  switch (r.kind) {
    case 'order':
      text = `SELECT ${ORDER_COLS} FROM orders WHERE order_id = ${p.add(r.orderId)} AND user_id = ${p.add(r.userId)}`;
      break;
    case 'orderByCid':
      // orders_user_cid (migration 7): one index range, newest first.
      text =
        `SELECT ${ORDER_COLS} FROM orders WHERE user_id = ${p.add(r.userId)} AND cid = ${p.add(r.cid)} ` +
        'ORDER BY order_id DESC LIMIT 1';
      break;
    case 'orders':
      text = listOrdersSql(r.q, p);
      break;
    case 'trades':
      text = listTradesSql(r.q, p);
      break;
    case 'marketTrades':
      text =
        `SELECT ${TRADE_COLS} FROM ${from('trades', 'trades_symbol', p)} WHERE symbol_id = ${p.add(r.symbolId)} ` +
        `ORDER BY trade_id DESC LIMIT ${p.add(r.limit)}`;
      break;
    case 'klines':
      text = klinesSql(r.q, p);
      break;
    case 'tradesAfter':
      text =
        `SELECT ${TRADE_COLS} FROM ${from('trades', 'trades_symbol', p)} WHERE symbol_id = ${p.add(r.symbolId)} ` +
        `AND trade_id > ${p.add(r.after)} ORDER BY trade_id LIMIT ${p.add(r.limit)}`;
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
      // The newest (oldest) row by the key, one probe; MIN(first_seq) would read every row of the user.
      text = `SELECT last_seq AS seq FROM event_log WHERE user_id = ${p.add(r.userId)} ORDER BY last_seq DESC LIMIT 1`;
      break;
    case 'oldestSeq':
      text = `SELECT first_seq AS seq FROM event_log WHERE user_id = ${p.add(r.userId)} ORDER BY last_seq LIMIT 1`;
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
