// A data set shaped like the issue's slow case, written straight into a migrated database with SQL (seconds instead
// of minutes through the engine): one heavy user with `n` orders (mostly ended, a few rare symbols and statuses),
// other users with a quarter as many, a fill for every FILLED order against a counterparty, one event-log row per
// five of the heavy user's orders, 10,000 users with balances and API keys, and the id counters. Every order has ended (nothing locked), so a server recovers
// from it with empty books; created_at and trade ts grow with the ids, as the engine writes them.
//
// Shared by test/store/query-plans.test.ts and bench/queries.ts.

export const HEAVY_USER = 1001;
export const COUNTERPARTY = 1002;
/** Users 1003 .. 1003 + OTHER_USERS - 1 own every fifth order. */
export const OTHER_USERS = 100;
/** Users 1001 .. 1000 + USERS exist, each with a balance of every asset and an API key "ak_<user id>". */
export const USERS = 10_000;
/** created_at of order i is T0 + 10 i ms; a trade's ts is its order's created_at. */
export const T0 = 1_700_000_000_000;

export interface HeavyShape {
  /** Orders of every user (ids 1..orders); the heavy user owns four in five. */
  readonly orders: number;
  /** Trades (ids 1..trades), one per FILLED order. */
  readonly trades: number;
  /** Event-log rows of the heavy user (one event each, seq 1..events). */
  readonly events: number;
}

// Which order is which (i = order_id), the same in both dialects:
const USER = `CASE WHEN i % 5 = 0 THEN 1003 + (i / 5) % ${OTHER_USERS} ELSE ${HEAVY_USER} END`;
/** ETH_USDT (symbol 2) for one order in a thousand, else BTC_USDT. */
const SYMBOL = `CASE WHEN i % 1000 = 7 THEN 2 ELSE 1 END`;
/** EXPIRED one in 2000, REJECTED one in 100, CANCELED one in 3, FILLED the rest. */
const STATUS =
  `CASE WHEN i % 2000 = 13 THEN 'EXPIRED' WHEN i % 100 = 3 THEN 'REJECTED' ` +
  `WHEN i % 3 = 0 THEN 'CANCELED' ELSE 'FILLED' END`;
const PRICE = `(3000000 + (i % 100) * 100)`;
const QTY = '100000';
const FILLED = `(${STATUS}) = 'FILLED'`;

/** Order i carries cid `c<i % CID_CYCLE>`: every cid is reused by a dozen orders (GET /order?cid= is the newest). */
export const CID_CYCLE = 50_000;

function ordersSelect(): string {
  const quote = `${PRICE} * ${QTY} / 100000000`;
  return (
    `SELECT i, ${USER}, ${SYMBOL}, CASE WHEN i % 2 = 0 THEN 'BUY' ELSE 'SELL' END, 'LIMIT', ` +
    `CASE WHEN (${STATUS}) = 'EXPIRED' THEN 'IOC' ELSE 'GTC' END, ${PRICE}, ${QTY}, 0, 'c' || (i % ${CID_CYCLE}), ${STATUS}, ` +
    `CASE WHEN ${FILLED} THEN ${QTY} ELSE 0 END, CASE WHEN ${FILLED} THEN ${quote} ELSE 0 END, ` +
    `CASE WHEN ${FILLED} THEN ${quote} ELSE 0 END, 0, ` +
    `CASE WHEN (${STATUS}) = 'REJECTED' THEN 'INSUFFICIENT_BALANCE' ELSE NULL END, ${T0} + i * 10, ${T0} + i * 10 + 5`
  );
}

/** The order owner is the maker of one fill in seven, else the taker; the counterparty takes the other side. */
const TRADES_SELECT = (orders: number) =>
  `SELECT ROW_NUMBER() OVER (ORDER BY order_id), symbol_id, price, qty, filled_quote, ` +
  `CASE WHEN order_id % 7 = 0 THEN (CASE side WHEN 'BUY' THEN 'SELL' ELSE 'BUY' END) ELSE side END, ` +
  `CASE WHEN order_id % 7 = 0 THEN order_id ELSE order_id + ${orders} END, ` +
  `CASE WHEN order_id % 7 = 0 THEN user_id ELSE ${COUNTERPARTY} END, ` +
  `CASE WHEN order_id % 7 = 0 THEN order_id + ${orders} ELSE order_id END, ` +
  `CASE WHEN order_id % 7 = 0 THEN ${COUNTERPARTY} ELSE user_id END, ` +
  `filled_quote / 1000, filled_quote / 500, created_at FROM orders WHERE status = 'FILLED' ORDER BY order_id`;

/** Orders of a heavy user with `n` orders, and what goes with them. */
export function heavyShape(n: number): HeavyShape {
  const orders = Math.ceil((n * 5) / 4);
  let filled = 0;
  for (let i = 1; i <= orders; i++) {
    if (i % 2000 !== 13 && i % 100 !== 3 && i % 3 !== 0) filled++;
  }
  return { orders, trades: filled, events: Math.floor(n / 5) };
}

/** The statements that write the data set into an empty, migrated database (run them in order). */
export function heavyUserSql(dialect: 'sqlite' | 'pg', n: number): string[] {
  const shape = heavyShape(n);
  const series = (to: number, body: string) =>
    dialect === 'pg'
      ? `${body.replace('FROM g', `FROM generate_series(1::bigint, ${to}) AS g(i)`)}`
      : `WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ${to}) ${body}`;
  const tab = dialect === 'pg' ? 'chr(9)' : 'char(9)';
  const line = `'b' || ${tab} || '3' || ${tab} || (i * 100) || ${tab} || '0' || ${tab} || '100' || ${tab} || 'deposit'`;
  const out = [
    series(USERS, `INSERT INTO users (user_id, created_at) SELECT ${HEAVY_USER} - 1 + i, ${T0} FROM g`),
    series(
      3 * USERS,
      `INSERT INTO balances (user_id, asset_id, avail, frozen) ` +
        `SELECT ${HEAVY_USER} + (i - 1) / 3, 1 + (i - 1) % 3, 1000000000, 0 FROM g`,
    ),
    series(
      USERS,
      `INSERT INTO api_keys (api_key, user_id, secret_enc, created_at, revoked) ` +
        `SELECT 'ak_' || (${HEAVY_USER} - 1 + i), ${HEAVY_USER} - 1 + i, 'v1:none', ${T0}, ${dialect === 'pg' ? 'FALSE' : '0'} FROM g`,
    ),
    series(
      shape.orders,
      `INSERT INTO orders (order_id, user_id, symbol_id, side, order_type, tif, price, qty, quote_qty, cid, status, ` +
        `filled_qty, filled_quote, filled_notional, lock, reject_reason, created_at, updated_at) ${ordersSelect()} FROM g`,
    ),
    `INSERT INTO trades (trade_id, symbol_id, price, qty, quote_qty, taker_side, maker_order_id, maker_user_id, ` +
      `taker_order_id, taker_user_id, maker_fee, taker_fee, ts) ${TRADES_SELECT(shape.orders)}`,
    series(
      shape.events,
      `INSERT INTO event_log (user_id, last_seq, first_seq, ts, body) SELECT ${HEAVY_USER}, i, i, ${T0} + i * 50, ${line} FROM g`,
    ),
    `UPDATE meta SET last_order_id = ${2 * shape.orders}, last_trade_id = ${shape.trades} WHERE id = 1`,
  ];
  if (dialect === 'pg') {
    out.push(`SELECT setval(pg_get_serial_sequence('users', 'user_id'), (SELECT MAX(user_id) FROM users))`);
    out.push('ANALYZE');
  } else out.push('ANALYZE');
  return out;
}

// ---- the same data, computed (the tests' reference) ----

export interface HeavyOrder {
  readonly orderId: number;
  readonly userId: number;
  readonly symbolId: number;
  readonly status: 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
  readonly createdAt: number;
}

export function heavyOrder(i: number): HeavyOrder {
  const status =
    i % 2000 === 13 ? 'EXPIRED' : i % 100 === 3 ? 'REJECTED' : i % 3 === 0 ? 'CANCELED' : ('FILLED' as const);
  return {
    orderId: i,
    userId: i % 5 === 0 ? 1003 + (Math.floor(i / 5) % OTHER_USERS) : HEAVY_USER,
    symbolId: i % 1000 === 7 ? 2 : 1,
    status,
    createdAt: T0 + i * 10,
  };
}

export interface HeavyTrade {
  readonly tradeId: number;
  readonly symbolId: number;
  readonly makerOrderId: number;
  readonly makerUserId: number;
  readonly takerOrderId: number;
  readonly takerUserId: number;
  readonly ts: number;
}

/** Every trade of the data set, by trade id. */
export function heavyTrades(n: number): HeavyTrade[] {
  const { orders } = heavyShape(n);
  const out: HeavyTrade[] = [];
  for (let i = 1; i <= orders; i++) {
    const o = heavyOrder(i);
    if (o.status !== 'FILLED') continue;
    const ownerMakes = i % 7 === 0;
    out.push({
      tradeId: out.length + 1,
      symbolId: o.symbolId,
      makerOrderId: ownerMakes ? i : i + orders,
      makerUserId: ownerMakes ? o.userId : COUNTERPARTY,
      takerOrderId: ownerMakes ? i + orders : i,
      takerUserId: ownerMakes ? COUNTERPARTY : o.userId,
      ts: o.createdAt,
    });
  }
  return out;
}
