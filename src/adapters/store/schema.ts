// Versioned schema migrations for both SQL stores (one list per dialect, same tables and meaning).
//
// Rules: a migration is never edited once released; a change is a new entry with the next
// version. Each runs once, in its own transaction, recorded in `schema_migrations`.
//
// Decisions recorded here:
// - users.user_id comes from a sequence starting at 1001 (ids below are left for system accounts,
//   e.g. the fee account, default 0); ids are never reused (AUTOINCREMENT / identity).
// - Every amount is a signed 64-bit integer (SQLite INTEGER in STRICT tables, so a non-integer
//   value is refused instead of silently stored as REAL; PostgreSQL BIGINT).
// - meta is a single row (id = 1) holding the id counters.
// - events (v1, v2) became event_log in v3: one row per user and batch holding that batch's
//   consecutive events of the user (seq first_seq..last_seq, one line each, pipeline/event-codec.ts),
//   keyed (user_id, last_seq), ts index for pruning. Old rows move over as one-event rows whose line
//   is the rendered JSON. Pruning always keeps each user's newest row so the per-user seq survives
//   restarts even after a long silence.
// - v3 also drops the (user, symbol) and (user, status) order indexes: every order write paid for
//   them, while a user's order list filters by symbol or status along (user_id, order_id DESC). The
//   open-order index becomes (user_id, order_id) over open orders only, for open-order filters.
// - v4 gives every query filter an index range (read-sql.ts): a user's orders by (user_id, status, order_id) and
//   (user_id, symbol_id, status, order_id) — a list without a status filter merges one range per status, so
//   (user_id, order_id) goes — and a user's fills by (maker/taker_user_id, symbol_id, trade_id) beside the
//   per-user ones; time filters become id ranges. Writes stay cheap: trades are insert-only, and an order's
//   upsert sets only the columns that change, so only the status indexes move, and only when the status does.
//   The open-order index stays for recovery. event_log's ts index becomes (ts, user_id, last_seq) so pruning can
//   walk it in bounded steps from where the last step stopped.
// - v5 adds users.revoked (a revoked user's keys and tokens are refused; api_keys.revoked existed since v1). Both
//   flags are loaded into memory at start (auth/revocations.ts), so no request reads them from the database.
// - v6 adds klines: one row per (symbol, interval, open time) with at least one trade (pipeline/candles.ts),
//   upserted by settlement in the batch that holds the trades; first/last trade id say which trades it holds,
//   so the engine worker folds at start any trade a candle does not hold yet (a database from before v6 gets
//   its candles that way) and `fillstream candles rebuild` can recompute them. Whether a candle is closed is
//   not stored: it follows from its close time and the clock.
// - v8 adds the engine's public market-data sequence (pipeline/market-seq.ts):
//   market_seqs, one row per symbol (depth_seq, trade_seq) upserted in the settlement batch that carries the
//   drains, and market_epoch, one row (id = 1: epoch, running) written at engine start (running) and clean stop.
//   The migration runners apply every listed version not yet applied, in list order (a database that got 8
//   before 7 gets 7 next: they touch different tables).

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const OPEN_STATUSES = `('NEW', 'PARTIALLY_FILLED')`;

const V4 = `
DROP INDEX orders_user;
CREATE INDEX orders_user_status ON orders (user_id, status, order_id);
CREATE INDEX orders_user_symbol_status ON orders (user_id, symbol_id, status, order_id);
CREATE INDEX trades_maker_user_symbol ON trades (maker_user_id, symbol_id, trade_id);
CREATE INDEX trades_taker_user_symbol ON trades (taker_user_id, symbol_id, trade_id);
DROP INDEX event_log_ts;
CREATE INDEX event_log_ts ON event_log (ts, user_id, last_seq);
`;

/**
 * Migration 9: fewer index pages written per order. Every index keyed by user first dirties one page per user of a
 * batch at each commit (one WAL frame each in SQLite), so: the open-order index, read only by the engine's
 * recovery (every open order, in id order), is keyed by order id alone (a new order lands at its right edge), and
 * the cid index holds only orders that have a cid (a lookup by cid never asks for NULL).
 */
const V9 = `
DROP INDEX orders_open;
CREATE INDEX orders_open ON orders (order_id) WHERE status IN ${OPEN_STATUSES};
DROP INDEX orders_user_cid;
CREATE INDEX orders_user_cid ON orders (user_id, cid, order_id) WHERE cid IS NOT NULL;
`;
const V9_NAME = 'open orders keyed by id for recovery; cid index without NULL cids';

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE users (
  user_id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at INTEGER NOT NULL
) STRICT;
INSERT INTO sqlite_sequence (name, seq) VALUES ('users', 1000);

CREATE TABLE api_keys (
  api_key TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL,
  secret_enc TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE orders (
  order_id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL,
  symbol_id INTEGER NOT NULL,
  side TEXT NOT NULL,
  order_type TEXT NOT NULL,
  tif TEXT NOT NULL,
  price INTEGER NOT NULL,
  qty INTEGER NOT NULL,
  quote_qty INTEGER NOT NULL,
  cid TEXT,
  status TEXT NOT NULL,
  filled_qty INTEGER NOT NULL,
  filled_quote INTEGER NOT NULL,
  filled_notional INTEGER NOT NULL,
  lock INTEGER NOT NULL,
  reject_reason TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX orders_user ON orders (user_id, order_id DESC);
CREATE INDEX orders_user_symbol ON orders (user_id, symbol_id, order_id);
CREATE INDEX orders_user_status ON orders (user_id, status, order_id);
CREATE INDEX orders_open ON orders (order_id) WHERE status IN ${OPEN_STATUSES};

CREATE TABLE trades (
  trade_id INTEGER PRIMARY KEY,
  symbol_id INTEGER NOT NULL,
  price INTEGER NOT NULL,
  qty INTEGER NOT NULL,
  quote_qty INTEGER NOT NULL,
  taker_side TEXT NOT NULL,
  maker_order_id INTEGER NOT NULL,
  maker_user_id INTEGER NOT NULL,
  taker_order_id INTEGER NOT NULL,
  taker_user_id INTEGER NOT NULL,
  maker_fee INTEGER NOT NULL,
  taker_fee INTEGER NOT NULL,
  ts INTEGER NOT NULL
) STRICT;
CREATE INDEX trades_maker_user ON trades (maker_user_id, trade_id);
CREATE INDEX trades_taker_user ON trades (taker_user_id, trade_id);
CREATE INDEX trades_maker_order ON trades (maker_order_id);
CREATE INDEX trades_taker_order ON trades (taker_order_id);
CREATE INDEX trades_symbol ON trades (symbol_id, trade_id);

CREATE TABLE balances (
  user_id INTEGER NOT NULL,
  asset_id INTEGER NOT NULL,
  avail INTEGER NOT NULL,
  frozen INTEGER NOT NULL,
  PRIMARY KEY (user_id, asset_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE events (
  user_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (user_id, seq)
) STRICT;
CREATE INDEX events_ts ON events (ts);

CREATE TABLE meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_order_id INTEGER NOT NULL,
  last_trade_id INTEGER NOT NULL
) STRICT;
INSERT INTO meta (id, last_order_id, last_trade_id) VALUES (1, 0, 0);
`,
  },
  {
    version: 2,
    name: 'command journal',
    sql: `
CREATE TABLE journal (
  seq INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  command TEXT NOT NULL
) STRICT;
`,
  },
  {
    version: 3,
    name: 'event log rows per user and batch; fewer order indexes',
    sql: `
CREATE TABLE event_log (
  user_id INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (user_id, last_seq)
) STRICT;
INSERT INTO event_log (user_id, last_seq, first_seq, ts, body) SELECT user_id, seq, seq, ts, payload FROM events;
DROP TABLE events;
CREATE INDEX event_log_ts ON event_log (ts);
DROP INDEX orders_user_symbol;
DROP INDEX orders_user_status;
DROP INDEX orders_open;
CREATE INDEX orders_open ON orders (user_id, order_id) WHERE status IN ${OPEN_STATUSES};
`,
  },
  {
    version: 4,
    name: 'an index range for every query filter; event_log ts index keyed for pruning in steps',
    sql: V4,
  },
  {
    version: 5,
    name: 'revoked users',
    sql: `
ALTER TABLE users ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 6,
    name: 'candles (klines)',
    sql: `
CREATE TABLE klines (
  symbol_id INTEGER NOT NULL,
  interval_ms INTEGER NOT NULL,
  open_time INTEGER NOT NULL,
  open INTEGER NOT NULL,
  high INTEGER NOT NULL,
  low INTEGER NOT NULL,
  close INTEGER NOT NULL,
  volume INTEGER NOT NULL,
  quote_volume INTEGER NOT NULL,
  trade_count INTEGER NOT NULL,
  first_trade_id INTEGER NOT NULL,
  last_trade_id INTEGER NOT NULL,
  PRIMARY KEY (symbol_id, interval_ms, open_time)
) STRICT, WITHOUT ROWID;
`,
  },
  {
    version: 7,
    name: 'orders by client order id (GET /order?cid=)',
    sql: `
CREATE INDEX orders_user_cid ON orders (user_id, cid, order_id);
`,
  },
  {
    version: 8,
    name: 'market-data seqs and epoch',
    sql: `
CREATE TABLE market_seqs (
  symbol_id INTEGER PRIMARY KEY,
  depth_seq INTEGER NOT NULL,
  trade_seq INTEGER NOT NULL
) STRICT;
CREATE TABLE market_epoch (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  epoch INTEGER NOT NULL,
  running INTEGER NOT NULL
) STRICT;
`,
  },
  {
    version: 9,
    name: V9_NAME,
    sql: V9,
  },
];

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE users (
  user_id BIGINT GENERATED BY DEFAULT AS IDENTITY (START WITH 1001) PRIMARY KEY,
  created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
  api_key TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  secret_enc TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE orders (
  order_id BIGINT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  symbol_id INTEGER NOT NULL,
  side TEXT NOT NULL,
  order_type TEXT NOT NULL,
  tif TEXT NOT NULL,
  price BIGINT NOT NULL,
  qty BIGINT NOT NULL,
  quote_qty BIGINT NOT NULL,
  cid TEXT,
  status TEXT NOT NULL,
  filled_qty BIGINT NOT NULL,
  filled_quote BIGINT NOT NULL,
  filled_notional BIGINT NOT NULL,
  lock BIGINT NOT NULL,
  reject_reason TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX orders_user ON orders (user_id, order_id DESC);
CREATE INDEX orders_user_symbol ON orders (user_id, symbol_id, order_id);
CREATE INDEX orders_user_status ON orders (user_id, status, order_id);
CREATE INDEX orders_open ON orders (order_id) WHERE status IN ${OPEN_STATUSES};

CREATE TABLE trades (
  trade_id BIGINT PRIMARY KEY,
  symbol_id INTEGER NOT NULL,
  price BIGINT NOT NULL,
  qty BIGINT NOT NULL,
  quote_qty BIGINT NOT NULL,
  taker_side TEXT NOT NULL,
  maker_order_id BIGINT NOT NULL,
  maker_user_id BIGINT NOT NULL,
  taker_order_id BIGINT NOT NULL,
  taker_user_id BIGINT NOT NULL,
  maker_fee BIGINT NOT NULL,
  taker_fee BIGINT NOT NULL,
  ts BIGINT NOT NULL
);
CREATE INDEX trades_maker_user ON trades (maker_user_id, trade_id);
CREATE INDEX trades_taker_user ON trades (taker_user_id, trade_id);
CREATE INDEX trades_maker_order ON trades (maker_order_id);
CREATE INDEX trades_taker_order ON trades (taker_order_id);
CREATE INDEX trades_symbol ON trades (symbol_id, trade_id);

CREATE TABLE balances (
  user_id BIGINT NOT NULL,
  asset_id INTEGER NOT NULL,
  avail BIGINT NOT NULL,
  frozen BIGINT NOT NULL,
  PRIMARY KEY (user_id, asset_id)
);

CREATE TABLE events (
  user_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  ts BIGINT NOT NULL,
  PRIMARY KEY (user_id, seq)
);
CREATE INDEX events_ts ON events (ts);

CREATE TABLE meta (
  id SMALLINT PRIMARY KEY CHECK (id = 1),
  last_order_id BIGINT NOT NULL,
  last_trade_id BIGINT NOT NULL
);
INSERT INTO meta (id, last_order_id, last_trade_id) VALUES (1, 0, 0);
`,
  },
  {
    version: 2,
    name: 'command journal',
    sql: `
CREATE TABLE journal (
  seq BIGINT PRIMARY KEY,
  ts BIGINT NOT NULL,
  command TEXT NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'event log rows per user and batch; fewer order indexes',
    sql: `
CREATE TABLE event_log (
  user_id BIGINT NOT NULL,
  last_seq BIGINT NOT NULL,
  first_seq BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (user_id, last_seq)
);
INSERT INTO event_log (user_id, last_seq, first_seq, ts, body) SELECT user_id, seq, seq, ts, payload FROM events;
DROP TABLE events;
CREATE INDEX event_log_ts ON event_log (ts);
DROP INDEX orders_user_symbol;
DROP INDEX orders_user_status;
DROP INDEX orders_open;
CREATE INDEX orders_open ON orders (user_id, order_id) WHERE status IN ${OPEN_STATUSES};
`,
  },
  {
    version: 4,
    name: 'an index range for every query filter; event_log ts index keyed for pruning in steps',
    sql: V4,
  },
  {
    version: 5,
    name: 'revoked users',
    sql: `
ALTER TABLE users ADD COLUMN revoked BOOLEAN NOT NULL DEFAULT FALSE;
`,
  },
  {
    version: 6,
    name: 'candles (klines)',
    sql: `
CREATE TABLE klines (
  symbol_id INTEGER NOT NULL,
  interval_ms BIGINT NOT NULL,
  open_time BIGINT NOT NULL,
  open BIGINT NOT NULL,
  high BIGINT NOT NULL,
  low BIGINT NOT NULL,
  close BIGINT NOT NULL,
  volume BIGINT NOT NULL,
  quote_volume BIGINT NOT NULL,
  trade_count BIGINT NOT NULL,
  first_trade_id BIGINT NOT NULL,
  last_trade_id BIGINT NOT NULL,
  PRIMARY KEY (symbol_id, interval_ms, open_time)
);
`,
  },
  {
    version: 7,
    name: 'orders by client order id (GET /order?cid=)',
    sql: `
CREATE INDEX orders_user_cid ON orders (user_id, cid, order_id);
`,
  },
  {
    version: 8,
    name: 'market-data seqs and epoch',
    sql: `
CREATE TABLE market_seqs (
  symbol_id INTEGER PRIMARY KEY,
  depth_seq BIGINT NOT NULL,
  trade_seq BIGINT NOT NULL
);
CREATE TABLE market_epoch (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  epoch BIGINT NOT NULL,
  running BOOLEAN NOT NULL
);
`,
  },
  {
    version: 9,
    name: V9_NAME,
    sql: V9,
  },
];

/** Refuses to run against a database migrated by a newer build (its schema may not be understood). */
export function checkNotNewer(applied: readonly number[], known: readonly Migration[]): void {
  const newest = known.reduce((m, x) => Math.max(m, x.version), 0);
  const beyond = applied.filter((v) => v > newest);
  if (beyond.length > 0) {
    throw new Error(
      `database schema version ${Math.max(...beyond)} is newer than this build supports (${newest}); upgrade fillstream`,
    );
  }
}
