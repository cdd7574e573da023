// Every read the gateway can issue is served by an index, without walking a user's whole history: on a data set
// shaped like the issue's (one user with 500,000 orders, rare symbols and statuses, ~410,000 fills, 100,000
// event-log rows, 10,000 users; ANALYZEd, so the planners see real statistics), for every filter combination of GET /orders and
// GET /trades and every other read (read-sql.ts builds what the stores run), and the engine's recovery read of the open
// orders:
// - SQLite: EXPLAIN QUERY PLAN has no SCAN of a table and no temp B-tree, and every index search of a list query
//   has each filter of the request among its index constraints; and the statement, run on a fresh connection, reads
//   only a few hundred pages of the database (counted off the process's read() bytes);
// - PostgreSQL (DATABASE_URL): EXPLAIN ANALYZE, with the planner's custom plan and with its generic plan (what a
//   prepared statement may switch to), has no Seq Scan and touches only a few thousand buffers.
// Each read's rows are also checked against the data set computed in JS.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { OrderQuery, Store, TradeQuery } from '../../src/adapters/store/store.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { PostgresStore } from '../../src/adapters/store/postgres-store.js';
import { type Dialect, type ReadQuery, type Sql, readSql } from '../../src/adapters/store/read-sql.js';
import { OPEN_ORDERS_SQL } from '../../src/adapters/store/rows.js';
import { CID_CYCLE, HEAVY_USER, T0, heavyOrder, heavyShape, heavyTrades, heavyUserSql } from '../support/heavy-user.js';

const N = 500_000;
const LIMIT = 100;
/** Most pages (SQLite) a list read may read; the heavy user's history is ~20,000 pages of orders alone. */
const SQLITE_LIST_PAGES = 600;
const SQLITE_POINT_PAGES = 30;
/** Most buffers (PostgreSQL) a list read may touch (each heap fetch counts), and table rows it may look at. */
const PG_LIST_BUFFERS = 3000;
const PG_POINT_BUFFERS = 60;
const PG_LIST_ROWS = 1500;
const PG_POINT_ROWS = 10;

const shape = heavyShape(N);
const trades = heavyTrades(N);
const tradeOfOrder = new Map(trades.map((t) => [t.takerUserId === HEAVY_USER ? t.takerOrderId : t.makerOrderId, t]));

// Filter values: rare ones (so a plan that filters row by row walks the whole history) and a window in the middle.
const ETH = 2;
const START = T0 + 10 * 300_000;
const END = T0 + 10 * 300_400;
const ORDER_CURSOR = 300_200;
const ETH_ORDER = 300_007; // a FILLED ETH_USDT order of the heavy user (taker)
const TRADE_CURSOR = (tradeOfOrder.get(300_202) as { tradeId: number }).tradeId;

interface Shape {
  readonly name: string;
  readonly read: ReadQuery;
  /** Patterns every index search of the statement's arms must show among its constraints (SQLite). */
  readonly constraints: readonly RegExp[];
  readonly list: boolean;
  /** The index the statement must use (both planners), where one is meant for it. */
  readonly index?: string;
}

/** One filter of a list query: what it sets, and what an index search must show for it (SQLite). */
interface Filter<Q> {
  readonly name: string;
  readonly set: Partial<Q>;
  readonly constraint: RegExp | null;
}

/** Every combination of the filters (2^n shapes). */
function combinations<Q>(
  base: Q,
  filters: readonly Filter<Q>[],
  always: RegExp[],
): Array<{ name: string; q: Q; c: RegExp[] }> {
  const out: Array<{ name: string; q: Q; c: RegExp[] }> = [];
  for (let mask = 0; mask < 1 << filters.length; mask++) {
    const on = filters.filter((_, i) => mask & (1 << i));
    out.push({
      name: on.map((f) => f.name).join(' + ') || '(no filter)',
      q: Object.assign({}, base, ...on.map((f) => f.set)) as Q,
      c: [...always, ...on.flatMap((f) => (f.constraint === null ? [] : [f.constraint]))],
    });
  }
  return out;
}

function orderShapes(): Shape[] {
  const filters: Filter<OrderQuery>[] = [
    { name: 'symbol', set: { symbolId: ETH }, constraint: /\bsymbol_id=\?/ },
    { name: 'status', set: { status: 'EXPIRED' }, constraint: /\bstatus=\?/ },
    { name: 'start_time', set: { startTime: START }, constraint: /\b(order_id|created_at)>/ },
    { name: 'end_time', set: { endTime: END }, constraint: /\b(order_id|created_at)</ },
    { name: 'cursor', set: { cursor: ORDER_CURSOR }, constraint: /\border_id</ },
  ];
  return combinations<OrderQuery>({ userId: HEAVY_USER, limit: LIMIT }, filters, [/\buser_id=\?/]).map((x) => ({
    name: `GET /orders ${x.name}`,
    read: { kind: 'orders', q: x.q },
    constraints: x.c,
    list: true,
  }));
}

function tradeShapes(): Shape[] {
  const filters = (byOrder: boolean): Filter<TradeQuery>[] => [
    { name: 'symbol', set: { symbolId: ETH }, constraint: byOrder ? null : /\bsymbol_id=\?/ },
    { name: 'start_time', set: { startTime: START }, constraint: byOrder ? null : /\b(trade_id|ts)>/ },
    { name: 'cursor', set: { cursor: TRADE_CURSOR }, constraint: byOrder ? null : /\btrade_id</ },
  ];
  // An order's fills are few: its own index bounds the search whatever else is asked.
  const byUser = combinations<TradeQuery>({ userId: HEAVY_USER, limit: LIMIT }, filters(false), [
    /\b(maker|taker)_user_id=\?/,
  ]);
  const byOrder = combinations<TradeQuery>({ userId: HEAVY_USER, orderId: ETH_ORDER, limit: LIMIT }, filters(true), [
    /\b(maker|taker)_order_id=\?/,
  ]).map((x) => ({ ...x, name: x.name === '(no filter)' ? 'order_id' : `order_id + ${x.name}` }));
  return [...byUser, ...byOrder].map((x) => ({
    name: `GET /trades ${x.name}`,
    read: { kind: 'trades', q: x.q },
    constraints: x.c,
    list: true,
  }));
}

const point = (name: string, read: ReadQuery, ...constraints: RegExp[]): Shape => ({
  name,
  read,
  constraints,
  list: false,
});

const SHAPES: Shape[] = [
  ...orderShapes(),
  ...tradeShapes(),
  point(
    'GET /order/:id (and cancel)',
    { kind: 'order', userId: HEAVY_USER, orderId: 300_001 },
    /\b(rowid|order_id)=\?/,
  ),
  {
    ...point('GET /order?cid=', { kind: 'orderByCid', userId: HEAVY_USER, cid: 'c1234' }, /\bcid=\?/),
    index: 'orders_user_cid',
  },
  point('GET /balances', { kind: 'balances', userId: HEAVY_USER }, /\buser_id=\?/),
  {
    ...point('GET /events?after=N', { kind: 'events', userId: HEAVY_USER, after: 60_000, limit: LIMIT }, /last_seq>\?/),
    list: true,
  },
  point('events: latest seq', { kind: 'latestSeq', userId: HEAVY_USER }, /\buser_id=\?/),
  point('events: oldest seq', { kind: 'oldestSeq', userId: HEAVY_USER }, /\buser_id=\?/),
  {
    ...point('GET /market/trades', { kind: 'marketTrades', symbolId: ETH, limit: LIMIT }, /\bsymbol_id=\?/),
    list: true,
  },
  point('api key lookup', { kind: 'apiKey', apiKey: `ak_${HEAVY_USER}` }, /\bapi_key=\?/),
  point('user exists', { kind: 'userExists', userId: HEAVY_USER }, /\b(rowid|user_id)=\?/),
];

// ---- what the rows must be (computed from the data set's formulas) ----

function expectedOrders(q: OrderQuery): number[] {
  const out: number[] = [];
  for (let i = shape.orders; i >= 1 && out.length < q.limit; i--) {
    const o = heavyOrder(i);
    if (o.userId !== q.userId) continue;
    if (q.symbolId !== undefined && o.symbolId !== q.symbolId) continue;
    if (q.status !== undefined && o.status !== q.status) continue;
    if (q.startTime !== undefined && o.createdAt < q.startTime) continue;
    if (q.endTime !== undefined && o.createdAt >= q.endTime) continue;
    if (q.cursor !== undefined && i >= q.cursor) continue;
    out.push(i);
  }
  return out;
}

function expectedTrades(q: TradeQuery): string[] {
  const out: string[] = [];
  for (let k = trades.length - 1; k >= 0 && out.length < q.limit; k--) {
    const t = trades[k] as (typeof trades)[number];
    const side = t.takerUserId === q.userId ? 'TAKER' : t.makerUserId === q.userId ? 'MAKER' : null;
    if (side === null) continue;
    const orderId = side === 'TAKER' ? t.takerOrderId : t.makerOrderId;
    if (q.symbolId !== undefined && t.symbolId !== q.symbolId) continue;
    if (q.orderId !== undefined && orderId !== q.orderId) continue;
    if (q.startTime !== undefined && t.ts < q.startTime) continue;
    if (q.cursor !== undefined && t.tradeId >= q.cursor) continue;
    out.push(`${t.tradeId}/${side}/${orderId}`);
  }
  return out;
}

async function checkRows(store: Store, read: ReadQuery): Promise<void> {
  switch (read.kind) {
    case 'orders': {
      const got = (await store.listOrders(read.q)).map((o) => o.orderId);
      assert.deepEqual(got, expectedOrders(read.q));
      return;
    }
    case 'trades': {
      const got = (await store.listTrades(read.q)).map((t) => `${t.tradeId}/${t.role}/${t.orderId}`);
      assert.deepEqual(got, expectedTrades(read.q));
      return;
    }
    case 'order':
      assert.equal((await store.getOrder(read.userId, read.orderId))?.createdAt, heavyOrder(read.orderId).createdAt);
      return;
    case 'orderByCid': {
      // The newest of the user's orders with that cid (order i has cid c<i % CID_CYCLE>).
      let want: number | null = null;
      for (let i = shape.orders; i >= 1 && want === null; i--) {
        if (`c${i % CID_CYCLE}` === read.cid && heavyOrder(i).userId === read.userId) want = i;
      }
      assert.ok(want !== null);
      assert.equal((await store.getOrderByCid(read.userId, read.cid))?.orderId, want);
      assert.equal(await store.getOrderByCid(read.userId, 'c-none'), null);
      return;
    }
    case 'events': {
      const got = await store.listEvents(read.userId, read.after, read.limit);
      assert.deepEqual(
        got.map((e) => e.seq),
        Array.from({ length: read.limit }, (_, i) => read.after + 1 + i),
      );
      return;
    }
    case 'latestSeq':
      assert.equal(await store.latestEventSeq(read.userId), shape.events);
      return;
    case 'oldestSeq':
      assert.equal(await store.oldestEventSeq(read.userId), 1);
      return;
    case 'marketTrades': {
      const got = (await store.marketTrades(read.symbolId, read.limit)).map((t) => t.tradeId);
      const want = trades.filter((t) => t.symbolId === read.symbolId).map((t) => t.tradeId);
      assert.deepEqual(got, want.reverse().slice(0, read.limit));
      return;
    }
    case 'balances':
      assert.equal((await store.getBalances(read.userId)).length, 3);
      return;
    case 'apiKey':
      assert.equal((await store.findApiKey(read.apiKey))?.userId, HEAVY_USER);
      return;
    case 'userExists':
      assert.equal(await store.userExists(read.userId), true);
      return;
  }
}

// ---- SQLite ----

interface PlanRow {
  readonly id: number;
  readonly parent: number;
  readonly detail: string;
}

const BIG_TABLES = '(orders|trades|event_log|balances|users|api_keys)';
const HELPER = /SCALAR SUBQUERY|MATERIALIZE|RECURSIVE STEP|SETUP/;

function checkSqlitePlan(s: Shape, plan: readonly PlanRow[]): void {
  const text = plan.map((r) => r.detail).join('\n');
  const byId = new Map(plan.map((r) => [r.id, r]));
  const helper = (r: PlanRow): boolean => {
    for (let p = byId.get(r.parent); p !== undefined; p = byId.get(p.parent)) if (HELPER.test(p.detail)) return true;
    return false;
  };
  assert.doesNotMatch(text, new RegExp(`^SCAN ${BIG_TABLES}\\b`, 'm'), `a table scan in\n${text}`);
  assert.doesNotMatch(text, /TEMP B-TREE/, `a temp B-tree in\n${text}`);
  const arms = plan.filter((r) => new RegExp(`^SEARCH ${BIG_TABLES} USING`).test(r.detail) && !helper(r));
  assert.ok(arms.length > 0, `no index search in\n${text}`);
  for (const arm of arms) {
    for (const c of s.constraints) assert.match(arm.detail, c, `${arm.detail} lacks ${c} in\n${text}`);
    if (s.index !== undefined) assert.match(arm.detail, new RegExp(`USING (COVERING )?INDEX ${s.index}\\b`), text);
  }
}

const readBytes = (): number => Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1]);

/** Pages of the database file a statement reads on a fresh connection (nothing cached in SQLite yet). */
function sqlitePages(path: string, sql: Sql): number {
  const db = new Database(path, { readonly: true });
  try {
    const stmt = db.prepare(sql.text);
    stmt.safeIntegers(true);
    const before = readBytes();
    stmt.all(...sql.values);
    return (readBytes() - before) / 4096;
  } finally {
    db.close();
  }
}

describe('query plans, sqlite: every read uses an index on 500k-shaped data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-plans-'));
  const path = join(dir, 'plans.db');
  let store: SqliteStore;
  let db: Database.Database;
  before(async () => {
    store = new SqliteStore(path);
    await store.migrate();
    const seed = new Database(path);
    for (const sql of heavyUserSql('sqlite', N)) seed.exec(sql);
    seed.close();
    db = new Database(path, { readonly: true });
  });
  after(async () => {
    db?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const s of SHAPES) {
    test(s.name, async () => {
      const sql = readSql(s.read, 'sqlite');
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql.text}`).all(...sql.values) as PlanRow[];
      checkSqlitePlan(s, plan);
      const pages = sqlitePages(path, sql);
      const most = s.list ? SQLITE_LIST_PAGES : SQLITE_POINT_PAGES;
      assert.ok(pages <= most, `${pages} pages read (at most ${most})`);
      await checkRows(store, s.read);
    });
  }

  // Not a gateway read: the engine's start reads every open order (here none of the 500,000), in id order.
  test('engine recovery: the open orders, through orders_open', async () => {
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${OPEN_ORDERS_SQL}`).all() as PlanRow[];
    const text = plan.map((r) => r.detail).join('\n');
    assert.match(text, /^SCAN orders USING INDEX orders_open$/m, text);
    assert.doesNotMatch(text, /TEMP B-TREE/, text);
    const pages = sqlitePages(path, { text: OPEN_ORDERS_SQL, values: [] });
    assert.ok(pages <= SQLITE_POINT_PAGES, `${pages} pages read (at most ${SQLITE_POINT_PAGES})`);
    assert.equal((await store.recover()).openOrders.length, 0);
  });
});

// ---- PostgreSQL ----

interface PgNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly 'Actual Rows'?: number;
  readonly 'Actual Loops'?: number;
  readonly 'Rows Removed by Filter'?: number;
  readonly 'Rows Removed by Index Recheck'?: number;
  readonly 'Shared Hit Blocks'?: number;
  readonly 'Shared Read Blocks'?: number;
  readonly Plans?: PgNode[];
}

function nodes(n: PgNode): PgNode[] {
  return [n, ...(n.Plans ?? []).flatMap(nodes)];
}

/** Table rows a plan looked at: what its scans returned or threw away, over all their loops. */
function rowsRead(plan: PgNode): number {
  let n = 0;
  for (const x of nodes(plan)) {
    if (x['Relation Name'] === undefined) continue;
    const seen =
      (x['Actual Rows'] ?? 0) + (x['Rows Removed by Filter'] ?? 0) + (x['Rows Removed by Index Recheck'] ?? 0);
    n += seen * (x['Actual Loops'] ?? 1);
  }
  return n;
}

const literal = (v: unknown): string => (typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v));

const url = process.env.DATABASE_URL;
if (!url) {
  console.log('postgres query-plan tests SKIPPED (needs DATABASE_URL)');
  test('query plans, postgres', { skip: 'SKIPPED (needs DATABASE_URL)' }, () => {});
} else {
  describe('query plans, postgres: every read uses an index on 500k-shaped data (custom and generic plans)', () => {
    const schema = `fs_test_${randomBytes(5).toString('hex')}_plans`;
    let store: PostgresStore;
    let client: pg.Client;
    before(async () => {
      store = new PostgresStore(url, { schema, max: 2 });
      await store.migrate();
      client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await client.connect();
      for (const sql of heavyUserSql('pg', N)) await client.query(sql);
      await client.query('ANALYZE');
    });
    after(async () => {
      await store?.close();
      await client?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client?.end();
    });

    let prepared = 0;
    async function explain(sql: Sql, mode: 'custom' | 'generic'): Promise<PgNode> {
      const options = 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)';
      if (mode === 'custom') {
        const r = await client.query<{ 'QUERY PLAN': [{ Plan: PgNode }] }>(`${options} ${sql.text}`, sql.values);
        return (r.rows[0] as { 'QUERY PLAN': [{ Plan: PgNode }] })['QUERY PLAN'][0].Plan;
      }
      const name = `qp_${++prepared}`;
      await client.query(`PREPARE ${name} AS ${sql.text}`);
      try {
        await client.query('SET plan_cache_mode = force_generic_plan');
        const args = sql.values.map(literal).join(', ');
        const r = await client.query(`${options} EXECUTE ${name}${args === '' ? '' : `(${args})`}`);
        return (r.rows[0] as { 'QUERY PLAN': [{ Plan: PgNode }] })['QUERY PLAN'][0].Plan;
      } finally {
        await client.query('RESET plan_cache_mode');
        await client.query(`DEALLOCATE ${name}`);
      }
    }

    for (const s of SHAPES) {
      test(s.name, async () => {
        const sql = readSql(s.read, 'pg' satisfies Dialect);
        for (const mode of ['custom', 'generic'] as const) {
          const plan = await explain(sql, mode);
          const all = nodes(plan);
          const seq = all.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name']);
          assert.deepEqual(seq, [], `${mode} plan scans ${seq.join(', ')}: ${JSON.stringify(plan)}`);
          const buffers = (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
          const most = s.list ? PG_LIST_BUFFERS : PG_POINT_BUFFERS;
          assert.ok(
            buffers <= most,
            `${mode} plan touched ${buffers} buffers (at most ${most}): ${JSON.stringify(plan)}`,
          );
          if (s.index !== undefined) {
            const used = all.flatMap((n) => (n['Index Name'] === undefined ? [] : [n['Index Name']]));
            assert.ok(used.includes(s.index), `${mode} plan does not use ${s.index}: ${JSON.stringify(plan)}`);
          }
          const rows = rowsRead(plan);
          const mostRows = s.list ? PG_LIST_ROWS : PG_POINT_ROWS;
          assert.ok(rows <= mostRows, `${mode} plan read ${rows} rows (at most ${mostRows}): ${JSON.stringify(plan)}`);
        }
        await checkRows(store, s.read);
      });
    }

    test('engine recovery: the open orders, through orders_open', async () => {
      for (const mode of ['custom', 'generic'] as const) {
        const plan = await explain({ text: OPEN_ORDERS_SQL, values: [] }, mode);
        const all = nodes(plan);
        const used = all.flatMap((n) => (n['Index Name'] === undefined ? [] : [n['Index Name']]));
        assert.deepEqual(
          all.filter((n) => n['Node Type'] === 'Seq Scan'),
          [],
          JSON.stringify(plan),
        );
        assert.ok(used.includes('orders_open'), `${mode} plan does not use orders_open: ${JSON.stringify(plan)}`);
        assert.equal(
          all.filter((n) => n['Node Type'] === 'Sort').length,
          0,
          `${mode} plan sorts: ${JSON.stringify(plan)}`,
        );
      }
      assert.equal((await store.recover()).openOrders.length, 0);
    });
  });
}
