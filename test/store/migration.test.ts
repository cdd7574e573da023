// Schema migration 3 on a database that really is at version 2: migrations 1 and 2 applied exactly as the stores'
// migrate() applies them, old-format `events` rows (one rendered JSON payload per event) and orders written
// directly; then the store is opened as usual and migrate() moves the events into `event_log`. Runs against a
// SQLite file and against PostgreSQL (own schema; skipped with the shared notice when DATABASE_URL is unset).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore } from '../../src/adapters/store/postgres-store.js';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, type Migration } from '../../src/adapters/store/schema.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import type {
  PrivateEventType,
  StoredBalance,
  StoredEvent,
  StoredOrder,
  Store,
} from '../../src/adapters/store/store.js';
import { loadConfig, marketIndex } from '../../src/config.js';
import { INT64_MAX, norm } from '../../src/core/int64.js';
import { BalanceEvent, OrderEvent, TradeEvent } from '../../src/core/types.js';
import { balanceUpdateMessage, orderUpdateMessage, renderPrivateEvent, tradeMessage } from '../../src/wire/format.js';
import { orderEventOf } from '../support/fixtures.js';
import { encodeBalance, encodeOrder } from '../../src/pipeline/event-codec.js';

const config = loadConfig();
const market = marketIndex(config);
const BTC = 1;
const ETH = 2;
const USDT = 3;
const BTC_USDT = 1;
const ETH_USDT = 2;
const ALICE = 1001;
const BOB = 1002;
const CAROL = 1003; // has no events
const T0 = 1_734_533_790_000;
const BIG = norm(2n ** 53n + 1n);

// ---- the legacy data (what a version-2 server wrote) ----

/** One row of the version-1/2 `events` table. */
interface LegacyEvent {
  readonly userId: number;
  readonly seq: number;
  readonly type: PrivateEventType;
  readonly payload: string;
  readonly ts: number;
}

const ORDER_11: StoredOrder = {
  orderId: 11,
  userId: ALICE,
  symbolId: BTC_USDT,
  side: 'BUY',
  orderType: 'LIMIT',
  tif: 'GTC',
  price: 8_500_000,
  qty: 100_000,
  quoteQty: 0,
  cid: 'a-11:x.Y_z',
  status: 'NEW',
  filledQty: 0,
  filledQuote: 0,
  filledNotional: 0,
  lock: 8500,
  rejectReason: null,
  createdAt: T0 + 1000,
  updatedAt: T0 + 1000,
};
/** MARKET BUY by quote amount, filled. */
const ORDER_12: StoredOrder = {
  ...ORDER_11,
  orderId: 12,
  symbolId: ETH_USDT,
  orderType: 'MARKET',
  tif: 'IOC',
  price: 0,
  qty: 0,
  quoteQty: 10_000,
  cid: null,
  status: 'FILLED',
  filledQty: 2_857_142,
  filledQuote: 10_000,
  filledNotional: 350_000 * 2_857_142,
  lock: 0,
  createdAt: T0 + 3000,
  updatedAt: T0 + 3000,
};
/** Bob's resting SELL, partly filled, with amounts beyond 2^53. */
const ORDER_13: StoredOrder = {
  ...ORDER_11,
  orderId: 13,
  userId: BOB,
  side: 'SELL',
  qty: INT64_MAX,
  cid: null,
  status: 'PARTIALLY_FILLED',
  filledQty: 100_000,
  filledQuote: 8500,
  filledNotional: 8_500_000 * 100_000,
  lock: INT64_MAX - 100_000n,
  createdAt: T0 + 500,
  updatedAt: T0 + 3500,
};
const ORDERS = [ORDER_11, ORDER_12, ORDER_13];

const orderEvent = (o: StoredOrder): OrderEvent => orderEventOf(o, o.updatedAt);

// tradeId, symbol, price, qty, quoteQty, takerSide, maker order/user, taker order/user, makerFee, takerFee, ts
const TRADE = new TradeEvent(
  5001,
  ETH_USDT,
  350_000,
  2_857_142,
  10_000,
  'BUY',
  14,
  BOB,
  12,
  ALICE,
  10,
  5714,
  T0 + 4000,
);

const ev = (userId: number, seq: number, ts: number, type: PrivateEventType, payload: string): LegacyEvent => ({
  userId,
  seq,
  type,
  payload,
  ts,
});

const EVENTS: LegacyEvent[] = [
  ev(ALICE, 1, T0 + 1000, 'order.update', orderUpdateMessage(orderEvent(ORDER_11), 1, market)),
  ev(
    ALICE,
    2,
    T0 + 2000,
    'balance.update',
    balanceUpdateMessage(new BalanceEvent(ALICE, USDT, 91_500, 8500, -8500, 'order_frozen'), 2, market),
  ),
  ev(ALICE, 3, T0 + 3000, 'order.update', orderUpdateMessage(orderEvent(ORDER_12), 3, market)),
  ev(ALICE, 4, T0 + 4000, 'trade', tradeMessage(TRADE, 'TAKER', 4, market)),
  ev(
    ALICE,
    5,
    T0 + 5000,
    'balance.update',
    balanceUpdateMessage(new BalanceEvent(ALICE, ETH, BIG, 0, 2_851_428, 'trade_settled'), 5, market),
  ),
  ev(
    BOB,
    1,
    T0 + 1500,
    'balance.update',
    balanceUpdateMessage(new BalanceEvent(BOB, BTC, INT64_MAX, 0, INT64_MAX, 'deposit'), 1, market),
  ),
  ev(BOB, 2, T0 + 2500, 'trade', tradeMessage(TRADE, 'MAKER', 2, market)),
  ev(BOB, 3, T0 + 3500, 'order.update', orderUpdateMessage(orderEvent(ORDER_13), 3, market)),
];

const BALANCES: StoredBalance[] = [
  { userId: ALICE, assetId: ETH, avail: BIG, frozen: 0 },
  { userId: ALICE, assetId: USDT, avail: 91_500, frozen: 8500 },
  { userId: BOB, assetId: BTC, avail: INT64_MAX - 100_000n, frozen: 100_000 },
];
const META = { lastOrderId: 14, lastTradeId: 5001 };
const JOURNAL = [1, 2, 3].map((seq) => ({ seq, ts: T0 + seq, command: `{"type":"deposit","n":${seq}}` }));

/** The events listEvents must give back for a user: the old payload is the line, seq and ts unchanged. */
const stored = (userId: number): StoredEvent[] =>
  EVENTS.filter((e) => e.userId === userId).map((e) => ({ userId, seq: e.seq, line: e.payload, ts: e.ts }));

// The v1 orders table's columns, spelled out: this is the old schema, not whatever rows.ts says today.
const LEGACY_ORDER_COLS =
  'order_id, user_id, symbol_id, side, order_type, tif, price, qty, quote_qty, cid, status, filled_qty, ' +
  'filled_quote, filled_notional, lock, reject_reason, created_at, updated_at';
const orderValues = (o: StoredOrder): unknown[] => [
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

const UPTO_V2 = (ms: readonly Migration[]): Migration[] => {
  const v12 = ms.filter((m) => m.version <= 2);
  assert.deepEqual(
    v12.map((m) => m.version),
    [1, 2],
  );
  return v12;
};

// ---- one backend: builds the v2 database, reads its catalog, opens the store ----

interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly appliedAt: number;
}

interface Backend {
  /** The dialect's full migration list. */
  readonly known: readonly Migration[];
  /** Migrations 1 and 2 exactly as migrate() runs them, then the legacy rows. */
  createV2(): Promise<void>;
  migrations(): Promise<AppliedMigration[]>;
  tables(): Promise<string[]>;
  /** Non-key indexes of orders and event_log: name -> definition. */
  indexes(): Promise<Map<string, string>>;
  eventLogRows(): Promise<number>;
  /** A new store on the database, not migrated yet. */
  open(): Store;
}

function sqliteBackend(path: string): Backend {
  const withDb = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(path);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    known: SQLITE_MIGRATIONS,
    async createV2() {
      withDb((db) => {
        db.pragma('journal_mode = WAL');
        // As SqliteStore.migrate(): the bookkeeping table, then each migration in its own IMMEDIATE transaction.
        db.exec(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, ' +
            'applied_at INTEGER NOT NULL) STRICT',
        );
        for (const m of UPTO_V2(SQLITE_MIGRATIONS)) {
          db.transaction(() => {
            db.exec(m.sql);
            db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
              m.version,
              m.name,
              Date.now(),
            );
          }).immediate();
        }
        db.transaction(() => {
          const event = db.prepare('INSERT INTO events (user_id, seq, type, payload, ts) VALUES (?, ?, ?, ?, ?)');
          for (const e of EVENTS) event.run(e.userId, e.seq, e.type, e.payload, e.ts);
          const order = db.prepare(`INSERT INTO orders (${LEGACY_ORDER_COLS}) VALUES (${Array(18).fill('?')})`);
          for (const o of ORDERS) order.run(...orderValues(o));
          const balance = db.prepare('INSERT INTO balances (user_id, asset_id, avail, frozen) VALUES (?, ?, ?, ?)');
          for (const b of BALANCES) balance.run(b.userId, b.assetId, b.avail, b.frozen);
          db.prepare('UPDATE meta SET last_order_id = ?, last_trade_id = ? WHERE id = 1').run(
            META.lastOrderId,
            META.lastTradeId,
          );
          const journal = db.prepare('INSERT INTO journal (seq, ts, command) VALUES (?, ?, ?)');
          for (const j of JOURNAL) journal.run(j.seq, j.ts, j.command);
        }).immediate();
      });
    },
    async migrations() {
      return withDb((db) =>
        (
          db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as {
            version: number;
            name: string;
            applied_at: number;
          }[]
        ).map((r) => ({ version: r.version, name: r.name, appliedAt: r.applied_at })),
      );
    },
    async tables() {
      return withDb((db) =>
        (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[])
          .map((r) => r.name)
          .filter((n) => n !== 'sqlite_sequence'),
      );
    },
    async indexes() {
      return withDb(
        (db) =>
          new Map(
            (
              db
                .prepare(
                  "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('orders', 'event_log') " +
                    'AND sql IS NOT NULL ORDER BY name',
                )
                .all() as { name: string; sql: string }[]
            ).map((r) => [r.name, r.sql]),
          ),
      );
    },
    async eventLogRows() {
      return withDb((db) => (db.prepare('SELECT COUNT(*) AS n FROM event_log').get() as { n: number }).n);
    },
    open: () => new SqliteStore(path),
  };
}

function postgresBackend(url: string, schema: string): Backend {
  const withClient = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const inTransaction = async (c: pg.Client, fn: () => Promise<void>): Promise<void> => {
    await c.query('BEGIN');
    try {
      await fn();
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    }
  };
  return {
    known: POSTGRES_MIGRATIONS,
    async createV2() {
      await withClient(async (c) => {
        // As PostgresStore.migrate(): schema, bookkeeping table, then each migration in its own transaction.
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await c.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, ' +
            'applied_at BIGINT NOT NULL)',
        );
        for (const m of UPTO_V2(POSTGRES_MIGRATIONS)) {
          await inTransaction(c, async () => {
            await c.query(m.sql);
            await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
              m.version,
              m.name,
              Date.now(),
            ]);
          });
        }
        await inTransaction(c, async () => {
          for (const e of EVENTS) {
            await c.query('INSERT INTO events (user_id, seq, type, payload, ts) VALUES ($1, $2, $3, $4, $5)', [
              e.userId,
              e.seq,
              e.type,
              e.payload,
              e.ts,
            ]);
          }
          const marks = Array.from({ length: 18 }, (_, i) => `$${i + 1}`).join(', ');
          for (const o of ORDERS)
            await c.query(`INSERT INTO orders (${LEGACY_ORDER_COLS}) VALUES (${marks})`, orderValues(o));
          for (const b of BALANCES) {
            await c.query('INSERT INTO balances (user_id, asset_id, avail, frozen) VALUES ($1, $2, $3, $4)', [
              b.userId,
              b.assetId,
              b.avail,
              b.frozen,
            ]);
          }
          await c.query('UPDATE meta SET last_order_id = $1, last_trade_id = $2 WHERE id = 1', [
            META.lastOrderId,
            META.lastTradeId,
          ]);
          for (const j of JOURNAL) {
            await c.query('INSERT INTO journal (seq, ts, command) VALUES ($1, $2, $3)', [j.seq, j.ts, j.command]);
          }
        });
      });
    },
    async migrations() {
      return withClient(async (c) =>
        (await c.query('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')).rows.map((r) => ({
          version: Number(r.version),
          name: String(r.name),
          appliedAt: Number(r.applied_at),
        })),
      );
    },
    async tables() {
      return withClient(async (c) =>
        (await c.query('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema])).rows.map(
          (r) => String(r.tablename),
        ),
      );
    },
    async indexes() {
      return withClient(
        async (c) =>
          new Map(
            (
              await c.query(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename IN ('orders', 'event_log') " +
                  "AND indexname NOT LIKE '%_pkey' ORDER BY indexname",
                [schema],
              )
            ).rows.map((r) => [String(r.indexname), String(r.indexdef)]),
          ),
      );
    },
    async eventLogRows() {
      return withClient(async (c) => Number((await c.query('SELECT COUNT(*) AS n FROM event_log')).rows[0].n));
    },
    open: () => new PostgresStore(url, { schema, max: 2 }),
  };
}

// ---- the scenario, per backend ----

function migrationSuite(name: string, makeBackend: () => Backend): void {
  describe(`${name}: migrating a version-2 database to version 3`, () => {
    let backend: Backend;
    let store: Store;
    let afterFirst: AppliedMigration[];
    const opened: Store[] = [];
    const open = (): Store => {
      const s = backend.open();
      opened.push(s);
      return s;
    };

    before(async () => {
      backend = makeBackend();
      await backend.createV2();
      // The starting point really is version 2 with the old events table.
      assert.deepEqual(
        (await backend.migrations()).map((m) => m.version),
        [1, 2],
      );
      const tables = await backend.tables();
      assert.ok(tables.includes('events') && tables.includes('journal') && !tables.includes('event_log'), `${tables}`);
      store = open();
      await store.migrate();
      afterFirst = await backend.migrations();
    });
    after(async () => {
      for (const s of opened) await s.close().catch(() => undefined);
    });

    test('schema_migrations records version 3; events became event_log; order indexes reworked', async () => {
      assert.deepEqual(
        afterFirst.map((m) => [m.version, m.name]),
        backend.known.map((m) => [m.version, m.name]),
      );
      assert.ok(afterFirst.some((m) => m.version === 3));
      const tables = await backend.tables();
      assert.ok(tables.includes('event_log') && !tables.includes('events'), `${tables}`);
      assert.equal(await backend.eventLogRows(), EVENTS.length, 'one row per old event');
      // Migrations after 3 rework them again (4: one index range per query filter, pruning keyed by ts; 7: orders
      // by cid; 9: open orders keyed by id alone, and no NULL cids in the cid index).
      const idx = await backend.indexes();
      assert.deepEqual([...idx.keys()].sort(), [
        'event_log_ts',
        'orders_open',
        'orders_user_cid',
        'orders_user_status',
        'orders_user_symbol_status',
      ]);
      assert.match(idx.get('orders_open') ?? '', /\(order_id\) WHERE/);
      assert.match(idx.get('orders_user_symbol_status') ?? '', /\(user_id, symbol_id, status, order_id\)/);
      assert.match(idx.get('event_log_ts') ?? '', /\(ts, user_id, last_seq\)/);
      assert.match(idx.get('orders_user_cid') ?? '', /\(user_id, cid, order_id\) WHERE \(?cid IS NOT NULL\)?/);
    });

    test('listEvents gives every old event with its seq and ts, the old payload as its line', async () => {
      assert.deepEqual(await store.listEvents(ALICE, 0, 100), stored(ALICE));
      assert.deepEqual(await store.listEvents(BOB, 0, 100), stored(BOB));
      assert.deepEqual(await store.listEvents(CAROL, 0, 100), []);
      // Paging over the migrated one-event rows.
      assert.deepEqual(await store.listEvents(ALICE, 2, 2), stored(ALICE).slice(2, 4));
      assert.deepEqual(await store.listEvents(BOB, 3, 10), []);
    });

    test('each migrated line renders to exactly the old payload, with the old type', async () => {
      const all = [...(await store.listEvents(ALICE, 0, 100)), ...(await store.listEvents(BOB, 0, 100))];
      assert.equal(all.length, EVENTS.length);
      for (const e of all) {
        const old = EVENTS.find((x) => x.userId === e.userId && x.seq === e.seq);
        assert.ok(old, `no old event ${e.userId}/${e.seq}`);
        assert.deepStrictEqual(renderPrivateEvent(e.line, e.seq, market), { type: old.type, text: old.payload });
        assert.equal(JSON.parse(e.line).seq, e.seq);
      }
    });

    test('latestEventSeq, oldestEventSeq and recover().lastSeqByUser', async () => {
      assert.deepEqual(
        [await store.latestEventSeq(ALICE), await store.latestEventSeq(BOB), await store.latestEventSeq(CAROL)],
        [5, 3, 0],
      );
      assert.deepEqual(
        [await store.oldestEventSeq(ALICE), await store.oldestEventSeq(BOB), await store.oldestEventSeq(CAROL)],
        [1, 1, null],
      );
      const r = await store.recover();
      assert.deepEqual(
        [...r.lastSeqByUser].sort((a, b) => a[0] - b[0]),
        [
          [ALICE, 5],
          [BOB, 3],
        ],
      );
    });

    test('orders, balances, meta and journal survive; open orders found by recover() and listOrders', async () => {
      const r = await store.recover();
      assert.deepEqual(r.openOrders, [ORDER_11, ORDER_13]);
      assert.deepEqual(r.meta, META);
      assert.deepEqual(r.balances, BALANCES);
      assert.equal(r.lastJournalSeq, 3);
      assert.deepEqual(await store.readJournal(0, 10), JOURNAL);
      assert.deepEqual(await store.listOrders({ userId: ALICE, status: 'NEW', limit: 10 }), [ORDER_11]);
      assert.deepEqual(await store.listOrders({ userId: ALICE, status: 'FILLED', limit: 10 }), [ORDER_12]);
      assert.deepEqual(await store.listOrders({ userId: BOB, status: 'PARTIALLY_FILLED', limit: 10 }), [ORDER_13]);
      assert.deepEqual(await store.listOrders({ userId: BOB, status: 'NEW', limit: 10 }), []);
      assert.deepEqual(await store.listOrders({ userId: ALICE, limit: 10 }), [ORDER_12, ORDER_11]);
      assert.deepEqual(await store.listOrders({ userId: ALICE, symbolId: BTC_USDT, limit: 10 }), [ORDER_11]);
      assert.deepEqual(await store.getOrder(BOB, 13), ORDER_13);
    });

    test('a second migrate() is a no-op, on the same store and on a newly opened one', async () => {
      await store.migrate();
      const again = open();
      await again.migrate();
      assert.deepEqual(await backend.migrations(), afterFirst, 'nothing re-applied (same applied_at)');
      assert.equal(await backend.eventLogRows(), EVENTS.length);
      assert.deepEqual(await again.listEvents(ALICE, 0, 100), stored(ALICE));
      assert.deepEqual(await again.listEvents(BOB, 0, 100), stored(BOB));
      assert.deepEqual((await again.recover()).openOrders, [ORDER_11, ORDER_13]);
    });

    test('pruneEvents works on migrated rows (never a user newest); new-format rows follow them', async () => {
      // Alice's events are at T0+1000..5000, Bob's at T0+1500..3500.
      assert.equal(await store.pruneEvents(T0 + 3000), 4); // Alice 1, 2; Bob 1, 2
      assert.deepEqual(await store.listEvents(ALICE, 0, 100), stored(ALICE).slice(2));
      assert.deepEqual(await store.listEvents(BOB, 0, 100), stored(BOB).slice(2));
      assert.deepEqual([await store.oldestEventSeq(ALICE), await store.oldestEventSeq(BOB)], [3, 3]);
      assert.equal(await store.pruneEvents(T0 + 1e9), 2); // Alice 3, 4; Bob's 3 is his newest
      assert.deepEqual([await store.oldestEventSeq(ALICE), await store.oldestEventSeq(BOB)], [5, 3]);
      assert.deepEqual([await store.latestEventSeq(ALICE), await store.latestEventSeq(BOB)], [5, 3]);
      assert.equal(await store.pruneEvents(T0 + 1e9), 0);

      // The next batch continues Alice's seq with compact lines in one row after the migrated JSON row.
      const cancel = orderEvent({ ...ORDER_11, status: 'CANCELED', lock: 0, updatedAt: T0 + 6000 });
      const unfreeze = new BalanceEvent(ALICE, USDT, 100_000, 0, 8500, 'order_unfrozen');
      const body = [encodeOrder(cancel), encodeBalance(unfreeze)].join('\n');
      await store.applyBatch({
        orders: [{ ...ORDER_11, status: 'CANCELED', lock: 0, updatedAt: T0 + 6000 }],
        trades: [],
        balances: [],
        events: [{ userId: ALICE, firstSeq: 6, lastSeq: 7, ts: T0 + 6000, body }],
        meta: META,
      });
      const events = await store.listEvents(ALICE, 0, 100);
      assert.deepEqual(
        events.map((e) => [e.seq, e.ts]),
        [
          [5, T0 + 5000],
          [6, T0 + 6000],
          [7, T0 + 6000],
        ],
      );
      assert.deepEqual(
        events.map((e) => renderPrivateEvent(e.line, e.seq, market).text),
        [stored(ALICE)[4]?.line, orderUpdateMessage(cancel, 6, market), balanceUpdateMessage(unfreeze, 7, market)],
      );
      assert.equal((await store.recover()).lastSeqByUser.get(ALICE), 7);
      assert.equal(await store.pruneEvents(T0 + 1e9), 1, 'the migrated row goes once a newer row exists');
      assert.equal(await store.oldestEventSeq(ALICE), 6);
      assert.deepEqual((await store.recover()).openOrders, [ORDER_13]);
    });
  });
}

// ---- SQLite: a temp file ----

const root = mkdtempSync(join(tmpdir(), 'fs-migration-'));
after(() => rmSync(root, { recursive: true, force: true }));
migrationSuite('sqlite', () => sqliteBackend(join(root, 'v2.db')));

// ---- PostgreSQL: its own schema ----

const url = process.env.DATABASE_URL;

if (!url) {
  console.log('postgres migration tests SKIPPED (needs DATABASE_URL)');
  test('postgres migration', { skip: 'SKIPPED (needs DATABASE_URL)' }, () => {});
} else {
  const schema = `fs_test_${randomBytes(5).toString('hex')}_mig`;
  after(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await admin.end();
    }
  });
  migrationSuite('postgres', () => postgresBackend(url, schema));
}
