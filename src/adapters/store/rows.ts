// Shared SQL-store plumbing: column lists, exact int64 decoding of driver values, row mappers,
// batch de-duplication and trade pages (the read queries' text is in read-sql.ts).

import { norm, type Int } from '../../core/int64.js';
import type { OrderStatus, OrderType, RejectReason, Side, TimeInForce } from '../../core/types.js';
import type {
  ApiKeyRecord,
  Kline,
  EventChunk,
  StoredBalance,
  StoredEvent,
  StoredOrder,
  StoredTrade,
  UserTrade,
} from './store.js';

export type Row = Record<string, unknown>;

/** [column, PostgreSQL array element type] in table order. */
export const ORDER_COLUMNS = [
  ['order_id', 'bigint'],
  ['user_id', 'bigint'],
  ['symbol_id', 'int'],
  ['side', 'text'],
  ['order_type', 'text'],
  ['tif', 'text'],
  ['price', 'bigint'],
  ['qty', 'bigint'],
  ['quote_qty', 'bigint'],
  ['cid', 'text'],
  ['status', 'text'],
  ['filled_qty', 'bigint'],
  ['filled_quote', 'bigint'],
  ['filled_notional', 'bigint'],
  ['lock', 'bigint'],
  ['reject_reason', 'text'],
  ['created_at', 'bigint'],
  ['updated_at', 'bigint'],
] as const;

export const TRADE_COLUMNS = [
  ['trade_id', 'bigint'],
  ['symbol_id', 'int'],
  ['price', 'bigint'],
  ['qty', 'bigint'],
  ['quote_qty', 'bigint'],
  ['taker_side', 'text'],
  ['maker_order_id', 'bigint'],
  ['maker_user_id', 'bigint'],
  ['taker_order_id', 'bigint'],
  ['taker_user_id', 'bigint'],
  ['maker_fee', 'bigint'],
  ['taker_fee', 'bigint'],
  ['ts', 'bigint'],
] as const;

export const BALANCE_COLUMNS = [
  ['user_id', 'bigint'],
  ['asset_id', 'int'],
  ['avail', 'bigint'],
  ['frozen', 'bigint'],
] as const;

export const EVENT_LOG_COLUMNS = [
  ['user_id', 'bigint'],
  ['last_seq', 'bigint'],
  ['first_seq', 'bigint'],
  ['ts', 'bigint'],
  ['body', 'text'],
] as const;

export const KLINE_COLUMNS = [
  ['symbol_id', 'int'],
  ['interval_ms', 'bigint'],
  ['open_time', 'bigint'],
  ['open', 'bigint'],
  ['high', 'bigint'],
  ['low', 'bigint'],
  ['close', 'bigint'],
  ['volume', 'bigint'],
  ['quote_volume', 'bigint'],
  ['trade_count', 'bigint'],
  ['first_trade_id', 'bigint'],
  ['last_trade_id', 'bigint'],
] as const;

type Columns = readonly (readonly [string, string])[];
export const names = (cols: Columns): string => cols.map((c) => c[0]).join(', ');

export const ORDER_COLS = names(ORDER_COLUMNS);
export const TRADE_COLS = names(TRADE_COLUMNS);
export const BALANCE_COLS = names(BALANCE_COLUMNS);
export const EVENT_LOG_COLS = names(EVENT_LOG_COLUMNS);
export const KLINE_COLS = names(KLINE_COLUMNS);
/** The candle upsert's SET list (everything but the key). */
export const KLINE_UPDATE_SET = KLINE_COLUMNS.slice(3)
  .map((c) => `${c[0]} = excluded.${c[0]}`)
  .join(', ');

/** What changes over an order's life; the rest is fixed when it is placed. */
const ORDER_MUTABLE = [
  'status',
  'filled_qty',
  'filled_quote',
  'filled_notional',
  'lock',
  'reject_reason',
  'updated_at',
];

/**
 * The upsert's SET list: only the columns that change (SQLite rewrites the entries of every index holding a
 * column named here, changed or not, so the user and symbol parts of the order indexes are never touched).
 */
export const ORDER_UPDATE_SET = ORDER_MUTABLE.map((c) => `${c} = excluded.${c}`).join(', ');

export const OPEN_ORDERS_SQL = `SELECT ${ORDER_COLS} FROM orders WHERE status IN ('NEW', 'PARTIALLY_FILLED') ORDER BY order_id`;
export const LAST_SEQ_SQL = 'SELECT user_id, MAX(last_seq) AS seq FROM event_log GROUP BY user_id';
export const LAST_USER_SQL = 'SELECT COALESCE(MAX(user_id), 0) AS user_id FROM users';
export const LAST_JOURNAL_SQL = 'SELECT COALESCE(MAX(seq), 0) AS seq FROM journal';
/** Each newest row by its key (one probe each), and the ts index's end. */
export const LAST_TS_SQL =
  'SELECT COALESCE(MAX(t), 0) AS ts FROM (SELECT (SELECT ts FROM journal ORDER BY seq DESC LIMIT 1) AS t ' +
  'UNION ALL SELECT (SELECT MAX(ts) FROM event_log) UNION ALL ' +
  'SELECT (SELECT created_at FROM orders ORDER BY order_id DESC LIMIT 1) UNION ALL ' +
  'SELECT (SELECT ts FROM trades ORDER BY trade_id DESC LIMIT 1)) AS newest';

// ---- values in, values out ----

/** Exact Int from what a driver returns for an integer column (number, bigint or decimal text). */
export function toInt(v: unknown): Int {
  if (typeof v === 'bigint') return norm(v);
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
  } else if (typeof v === 'string' && /^-?\d+$/.test(v)) {
    const digits = v.length - (v.startsWith('-') ? 1 : 0);
    return digits <= 15 ? Number(v) : norm(BigInt(v));
  }
  throw new TypeError(`store: expected an integer, got ${typeof v} ${String(v)}`);
}

/** An id, count or timestamp: must be a safe integer. */
export function toNum(v: unknown): number {
  const n = toInt(v);
  if (typeof n !== 'number') throw new TypeError(`store: ${n} is beyond the safe integer range`);
  return n;
}

const textOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function orderTuple(o: StoredOrder): unknown[] {
  return [
    o.orderId,
    o.userId,
    o.symbolId,
    o.side,
    o.orderType,
    o.tif,
    o.price,
    o.qty,
    o.quoteQty,
    o.cid,
    o.status,
    o.filledQty,
    o.filledQuote,
    o.filledNotional,
    o.lock,
    o.rejectReason,
    o.createdAt,
    o.updatedAt,
  ];
}

export function tradeTuple(t: StoredTrade): unknown[] {
  return [
    t.tradeId,
    t.symbolId,
    t.price,
    t.qty,
    t.quoteQty,
    t.takerSide,
    t.makerOrderId,
    t.makerUserId,
    t.takerOrderId,
    t.takerUserId,
    t.makerFee,
    t.takerFee,
    t.ts,
  ];
}

export function klineTuple(k: Kline): unknown[] {
  return [
    k.symbolId,
    k.intervalMs,
    k.openTime,
    k.open,
    k.high,
    k.low,
    k.close,
    k.volume,
    k.quoteVolume,
    k.tradeCount,
    k.firstTradeId,
    k.lastTradeId,
  ];
}

export const klineFromRow = (r: Row): Kline => ({
  symbolId: toNum(r.symbol_id),
  intervalMs: toNum(r.interval_ms),
  openTime: toNum(r.open_time),
  open: toInt(r.open),
  high: toInt(r.high),
  low: toInt(r.low),
  close: toInt(r.close),
  volume: toInt(r.volume),
  quoteVolume: toInt(r.quote_volume),
  tradeCount: toNum(r.trade_count),
  firstTradeId: toNum(r.first_trade_id),
  lastTradeId: toNum(r.last_trade_id),
});

/** The last state per candle key, sorted by key (a multi-row upsert may touch a row only once). */
export function latestKlines(klines: readonly Kline[]): Kline[] {
  const byKey = new Map<string, Kline>();
  for (const k of klines) byKey.set(`${k.symbolId}:${k.intervalMs}:${k.openTime}`, k);
  return [...byKey.values()].sort(
    (a, b) => a.symbolId - b.symbolId || a.intervalMs - b.intervalMs || a.openTime - b.openTime,
  );
}

export const balanceTuple = (b: StoredBalance): unknown[] => [b.userId, b.assetId, b.avail, b.frozen];
export const eventChunkTuple = (c: EventChunk): unknown[] => [c.userId, c.lastSeq, c.firstSeq, c.ts, c.body];

export function orderFromRow(r: Row): StoredOrder {
  return {
    orderId: toNum(r.order_id),
    userId: toNum(r.user_id),
    symbolId: toNum(r.symbol_id),
    side: r.side as Side,
    orderType: r.order_type as OrderType,
    tif: r.tif as TimeInForce,
    price: toInt(r.price),
    qty: toInt(r.qty),
    quoteQty: toInt(r.quote_qty),
    cid: textOrNull(r.cid),
    status: r.status as OrderStatus,
    filledQty: toInt(r.filled_qty),
    filledQuote: toInt(r.filled_quote),
    filledNotional: toInt(r.filled_notional),
    lock: toInt(r.lock),
    rejectReason: textOrNull(r.reject_reason) as RejectReason | null,
    createdAt: toNum(r.created_at),
    updatedAt: toNum(r.updated_at),
  };
}

export function tradeFromRow(r: Row): StoredTrade {
  return {
    tradeId: toNum(r.trade_id),
    symbolId: toNum(r.symbol_id),
    price: toInt(r.price),
    qty: toInt(r.qty),
    quoteQty: toInt(r.quote_qty),
    takerSide: r.taker_side as Side,
    makerOrderId: toNum(r.maker_order_id),
    makerUserId: toNum(r.maker_user_id),
    takerOrderId: toNum(r.taker_order_id),
    takerUserId: toNum(r.taker_user_id),
    makerFee: toInt(r.maker_fee),
    takerFee: toInt(r.taker_fee),
    ts: toNum(r.ts),
  };
}

export function userTradeFromRow(r: Row): UserTrade {
  return {
    ...tradeFromRow(r),
    orderId: toNum(r.order_id),
    side: r.side as Side,
    role: r.role as 'MAKER' | 'TAKER',
    fee: toInt(r.fee),
  };
}

export const balanceFromRow = (r: Row): StoredBalance => ({
  userId: toNum(r.user_id),
  assetId: toNum(r.asset_id),
  avail: toInt(r.avail),
  frozen: toInt(r.frozen),
});

/**
 * The events with seq > after out of event_log rows (ascending by last_seq), at most limit. Each row's
 * body holds exactly last_seq - first_seq + 1 lines; anything else is a damaged log and throws.
 */
export function eventsFromRows(rows: readonly Row[], after: number, limit: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (const r of rows) {
    const userId = toNum(r.user_id);
    const first = toNum(r.first_seq);
    const last = toNum(r.last_seq);
    const ts = toNum(r.ts);
    const lines = String(r.body).split('\n');
    if (lines.length !== last - first + 1) {
      throw new Error(`event log: user ${userId} seq ${first}..${last} holds ${lines.length} lines`);
    }
    for (let i = Math.max(0, after + 1 - first); i < lines.length && out.length < limit; i++) {
      out.push({ userId, seq: first + i, line: lines[i] as string, ts });
    }
    if (out.length >= limit) break;
  }
  return out;
}

export const apiKeyFromRow = (r: Row): ApiKeyRecord => ({
  apiKey: String(r.api_key),
  userId: toNum(r.user_id),
  secretEnc: String(r.secret_enc),
  createdAt: toNum(r.created_at),
  revoked: r.revoked === true || r.revoked === 1 || r.revoked === 1n,
});

// ---- batches ----

/**
 * The last state per key, sorted by key. A batch may carry several states of one order (NEW then
 * FILLED) or one balance; a multi-row upsert may touch a row only once, and a fixed key order
 * keeps concurrent writers from deadlocking.
 */
export function latestOrders(orders: readonly StoredOrder[]): StoredOrder[] {
  const byId = new Map<number, StoredOrder>();
  for (const o of orders) byId.set(o.orderId, o);
  return [...byId.values()].sort((a, b) => a.orderId - b.orderId);
}

export function latestBalances(balances: readonly StoredBalance[]): StoredBalance[] {
  const byKey = new Map<string, StoredBalance>();
  for (const b of balances) byKey.set(`${b.userId}:${b.assetId}`, b);
  return [...byKey.values()].sort((a, b) => a.userId - b.userId || a.assetId - b.assetId);
}

/** Column-major copy of row tuples, for `unnest($1::bigint[], ...)`. */
export function transpose(tuples: readonly unknown[][], width: number): unknown[][] {
  const cols: unknown[][] = Array.from({ length: width }, () => new Array<unknown>(tuples.length));
  for (let i = 0; i < tuples.length; i++) {
    const t = tuples[i] as unknown[];
    for (let j = 0; j < width; j++) (cols[j] as unknown[])[i] = t[j];
  }
  return cols;
}

// ---- queries ----

/**
 * Cuts limit + 1 fetched rows to a page that never splits a self-trade's two sides (the cursor is
 * a trade_id, so a split would lose the second side). When the limit falls between them the page
 * ends before that trade, unless it is the page's only trade (limit 1): then both sides are kept.
 */
export function trimTradePage(rows: UserTrade[], limit: number): UserTrade[] {
  if (rows.length <= limit) return rows;
  const page = rows.slice(0, limit);
  const next = rows[limit] as UserTrade;
  if ((page[limit - 1] as UserTrade).tradeId !== next.tradeId) return page;
  return limit > 1 ? page.slice(0, limit - 1) : rows.slice(0, limit + 1);
}
