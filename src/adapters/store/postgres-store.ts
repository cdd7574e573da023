// The PostgreSQL Store: a pg.Pool; each settlement batch is one statement of multi-row writes (batch-sql.ts:
// `INSERT ... SELECT * FROM unnest($1::bigint[], ...)`), whatever the batch size, a cluster batch's fence and
// command log included.
//
// BIGINT values arrive as decimal text and are parsed exactly (toInt: Number only for at most
// 15 digits, BigInt beyond). Parametrised queries are named, so each is parsed once per connection.

import pg from 'pg';
import type {
  ApiKeyRecord,
  Kline,
  KlineQuery,
  JournalEntry,
  OrderQuery,
  PruneCursor,
  PruneStep,
  RecoveredState,
  Revoked,
  SettlementBatch,
  Store,
  StoredBalance,
  StoredEvent,
  StoredOrder,
  StoredTrade,
  TradeQuery,
  UserRecord,
  UserTrade,
  MarketSeqState,
} from './store.js';
import { checkNotNewer, POSTGRES_MIGRATIONS } from './schema.js';
import { checkBatchVerdict, checkFence, settledError } from './command-log-sql.js';
import { BATCH_SQL, CLUSTER_BATCH_SQL, batchParams, logParams } from './batch-sql.js';
import { type ReadQuery, readSql } from './read-sql.js';
import { cursorOf, eventsOf, pruneAll, pruneDeleteSql, pruneEndSql } from './prune-sql.js';
import {
  apiKeyFromRow,
  BALANCE_COLS,
  balanceFromRow,
  KLINE_COLS,
  KLINE_COLUMNS,
  klineFromRow,
  klineTuple,
  latestKlines,
  eventsFromRows,
  LAST_SEQ_SQL,
  LAST_USER_SQL,
  LAST_JOURNAL_SQL,
  LAST_TS_SQL,
  OPEN_ORDERS_SQL,
  orderFromRow,
  type Row,
  toNum,
  tradeFromRow,
  transpose,
  trimTradePage,
  userTradeFromRow,
} from './rows.js';

type Queryable = pg.Pool | pg.PoolClient;

const SQL = {
  readJournal: 'SELECT seq, ts, command FROM journal WHERE seq > $1 ORDER BY seq LIMIT $2',
  hasJournalEntry: 'SELECT 1 FROM journal WHERE seq = $1',
  meta: 'SELECT last_order_id, last_trade_id FROM meta WHERE id = 1',
  allBalances: `SELECT ${BALANCE_COLS} FROM balances ORDER BY user_id, asset_id`,
  createUser: 'INSERT INTO users (created_at) VALUES ($1) RETURNING user_id, created_at',
  addApiKey: 'INSERT INTO api_keys (api_key, user_id, secret_enc, created_at, revoked) VALUES ($1, $2, $3, $4, $5)',
  anyApiKey:
    'SELECT api_key, user_id, secret_enc, created_at, revoked FROM api_keys ORDER BY created_at, api_key LIMIT 1',
  listApiKeys:
    'SELECT api_key, user_id, secret_enc, created_at, revoked FROM api_keys WHERE user_id = $1 ORDER BY created_at, api_key',
  revokeApiKey: 'UPDATE api_keys SET revoked = TRUE WHERE api_key = $1 RETURNING api_key',
  // One statement, so one implicit transaction: the user and all its keys, or nothing.
  revokeUser:
    'WITH u AS (UPDATE users SET revoked = TRUE WHERE user_id = $1) ' +
    'UPDATE api_keys SET revoked = TRUE WHERE user_id = $1 AND NOT revoked RETURNING api_key',
  revokedUsers: 'SELECT user_id FROM users WHERE revoked ORDER BY user_id',
  revokedKeys: 'SELECT api_key FROM api_keys WHERE revoked ORDER BY api_key',
  marketSeqs: 'SELECT symbol_id, depth_seq, trade_seq FROM market_seqs ORDER BY symbol_id',
  marketEpoch: 'SELECT epoch, running FROM market_epoch WHERE id = 1',
  setMarketEpoch:
    'INSERT INTO market_epoch (id, epoch, running) VALUES (1, $1, $2) ' +
    'ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, running = excluded.running',
} as const;

export interface PostgresStoreOptions {
  /** Schema to create (on migrate) and use via search_path; default: the server's search_path. */
  readonly schema?: string;
  /** Pool size (default 10). */
  readonly max?: number;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private readonly schema: string | undefined;
  private readonly names = new Map<string, string>();
  private closed = false;
  /** Last error of a pooled connection outside a query (the pool replaces it; kept for diagnostics). */
  lastIdleError: Error | null = null;

  /** Connects lazily; call migrate() before use. */
  constructor(url: string, opts: PostgresStoreOptions = {}) {
    if (opts.schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(opts.schema)) {
      throw new Error(`postgres store: invalid schema name ${JSON.stringify(opts.schema)}`);
    }
    this.schema = opts.schema;
    const config: pg.PoolConfig = { connectionString: url, max: opts.max ?? 10 };
    if (opts.schema !== undefined) config.options = `-c search_path=${opts.schema}`;
    this.pool = new pg.Pool(config);
    // Without a listener an idle connection's error (server restart) would crash the process.
    this.pool.on('error', (err) => {
      this.lastIdleError = err;
    });
  }

  async migrate(): Promise<void> {
    await this.withClient(async (c) => {
      const lockKey = `fillstream.migrate.${this.schema ?? ''}`;
      // Session lock: concurrent starts migrate one after the other. On error the connection is
      // discarded, which releases the lock too.
      await c.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
      if (this.schema !== undefined) await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await c.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, ' +
          'applied_at BIGINT NOT NULL)',
      );
      const res = await c.query<Row>('SELECT version FROM schema_migrations ORDER BY version');
      const applied = res.rows.map((r) => toNum(r.version));
      checkNotNewer(applied, POSTGRES_MIGRATIONS);
      for (const m of POSTGRES_MIGRATIONS) {
        if (applied.includes(m.version)) continue;
        await this.inTransaction(c, async () => {
          await c.query(m.sql);
          await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            m.version,
            m.name,
            Date.now(),
          ]);
        });
      }
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
    });
  }

  async applyBatch(b: SettlementBatch): Promise<void> {
    const log = b.commands;
    if (log === undefined) {
      await this.q(this.pool, BATCH_SQL, batchParams(b));
      return;
    }
    // A cluster engine's batch: what it consumed and answered commits with what it produced, or neither does, in
    // the same one statement that checks the fence and the deadlines first (batch-sql.ts).
    let verdict;
    try {
      verdict = (await this.q(this.pool, CLUSTER_BATCH_SQL, [...logParams(log), ...batchParams(b)]))[0];
    } catch (e) {
      throw settledError(e);
    }
    checkBatchVerdict(verdict, log);
  }

  async marketSeqState(): Promise<MarketSeqState> {
    const e = (await this.q(this.pool, SQL.marketEpoch))[0];
    const seqs = await this.q(this.pool, SQL.marketSeqs);
    return {
      epoch: toNum(e?.epoch ?? 0),
      running: e?.running === true,
      seqs: seqs.map((r) => ({
        symbolId: toNum(r.symbol_id),
        depthSeq: toNum(r.depth_seq),
        tradeSeq: toNum(r.trade_seq),
      })),
    };
  }

  async setMarketEpoch(epoch: number, running: boolean, fence?: { name: string; epoch: number }): Promise<void> {
    if (fence === undefined) {
      await this.q(this.pool, SQL.setMarketEpoch, [epoch, running]);
      return;
    }
    // Only the current leader: a stale one (a later leader took over) must not mark the market stopped.
    await this.withClient((c) =>
      this.inTransaction(c, async () => {
        await checkFence(c, fence);
        await this.q(c, SQL.setMarketEpoch, [epoch, running]);
      }),
    );
  }

  async hasBatch(b: SettlementBatch): Promise<boolean> {
    const last = b.journal?.at(-1);
    if (last === undefined) return false;
    return (await this.q(this.pool, SQL.hasJournalEntry, [last.seq])).length > 0;
  }

  /** A committed transaction is already durable (synchronous_commit is left at its default, on). */
  async flush(): Promise<void> {}

  async latestEventSeq(userId: number): Promise<number> {
    return toNum((await this.read({ kind: 'latestSeq', userId }))[0]?.seq ?? 0);
  }

  async readJournal(after: number, limit: number): Promise<JournalEntry[]> {
    return (await this.q(this.pool, SQL.readJournal, [after, limit])).map((r) => ({
      seq: toNum(r.seq),
      ts: toNum(r.ts),
      command: String(r.command),
    }));
  }

  /** One consistent snapshot (REPEATABLE READ), as of the last committed batch. */
  async recover(): Promise<RecoveredState> {
    return this.withClient((c) =>
      this.inTransaction(
        c,
        async () => {
          const meta = (await this.q(c, SQL.meta))[0];
          if (!meta) throw new Error('postgres store: meta row missing (was migrate() run?)');
          const balances = (await this.q(c, SQL.allBalances)).map(balanceFromRow);
          const openOrders = (await this.q(c, OPEN_ORDERS_SQL)).map(orderFromRow);
          const lastSeqByUser = new Map<number, number>();
          for (const r of await this.q(c, LAST_SEQ_SQL)) lastSeqByUser.set(toNum(r.user_id), toNum(r.seq));
          const lastUser = (await this.q(c, LAST_USER_SQL))[0];
          const lastJournal = (await this.q(c, LAST_JOURNAL_SQL))[0];
          const lastTs = (await this.q(c, LAST_TS_SQL))[0];
          return {
            meta: { lastOrderId: toNum(meta.last_order_id), lastTradeId: toNum(meta.last_trade_id) },
            balances,
            openOrders,
            lastSeqByUser,
            lastUserId: toNum(lastUser?.user_id ?? 0),
            lastJournalSeq: toNum(lastJournal?.seq ?? 0),
            lastTs: toNum(lastTs?.ts ?? 0),
          };
        },
        'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
      ),
    );
  }

  async getOrder(userId: number, orderId: number): Promise<StoredOrder | null> {
    const r = (await this.read({ kind: 'order', userId, orderId }))[0];
    return r ? orderFromRow(r) : null;
  }

  async getOrderByCid(userId: number, cid: string): Promise<StoredOrder | null> {
    const r = (await this.read({ kind: 'orderByCid', userId, cid }))[0];
    return r ? orderFromRow(r) : null;
  }

  async listOrders(q: OrderQuery): Promise<StoredOrder[]> {
    if (q.limit <= 0) return [];
    return (await this.read({ kind: 'orders', q })).map(orderFromRow);
  }

  async listTrades(q: TradeQuery): Promise<UserTrade[]> {
    if (q.limit <= 0) return [];
    return trimTradePage((await this.read({ kind: 'trades', q })).map(userTradeFromRow), q.limit);
  }

  async marketTrades(symbolId: number, limit: number): Promise<StoredTrade[]> {
    if (limit <= 0) return [];
    return (await this.read({ kind: 'marketTrades', symbolId, limit })).map(tradeFromRow);
  }

  async klines(q: KlineQuery): Promise<Kline[]> {
    if (q.limit <= 0) return [];
    return (await this.read({ kind: 'klines', q })).map(klineFromRow);
  }

  async tradesAfter(symbolId: number, after: number, limit: number): Promise<StoredTrade[]> {
    if (limit <= 0) return [];
    return (await this.read({ kind: 'tradesAfter', symbolId, after, limit })).map(tradeFromRow);
  }

  /** One transaction: the old candles go and the new ones arrive as column arrays. */
  async replaceKlines(symbolId: number, intervalMs: number, klines: readonly Kline[]): Promise<void> {
    await this.withClient((c) =>
      this.inTransaction(c, async () => {
        await c.query('DELETE FROM klines WHERE symbol_id = $1 AND interval_ms = $2', [symbolId, intervalMs]);
        const cols = KLINE_COLUMNS.map((col, i) => `$${i + 1}::${col[1]}[]`).join(', ');
        await c.query(
          `INSERT INTO klines (${KLINE_COLS}) SELECT * FROM unnest(${cols})`,
          transpose(latestKlines(klines).map(klineTuple), KLINE_COLUMNS.length),
        );
      }),
    );
  }

  async getBalances(userId: number): Promise<StoredBalance[]> {
    return (await this.read({ kind: 'balances', userId })).map(balanceFromRow);
  }

  async listEvents(userId: number, after: number, limit: number): Promise<StoredEvent[]> {
    if (limit <= 0) return [];
    // Every row holds at least one event past `after`, so `limit` rows are always enough.
    return eventsFromRows(await this.read({ kind: 'events', userId, after, limit }), after, limit);
  }

  async oldestEventSeq(userId: number): Promise<number | null> {
    const v = (await this.read({ kind: 'oldestSeq', userId }))[0]?.seq;
    return v === null || v === undefined ? null : toNum(v);
  }

  async pruneEvents(before: number): Promise<number> {
    return pruneAll((b, from, max) => this.pruneEventsStep(b, from, max), before);
  }

  /** Two statements; no transaction needed: only rows older than the cutoff are touched, and nothing else deletes. */
  async pruneEventsStep(before: number, from: PruneCursor | null, maxRows: number): Promise<PruneStep> {
    const endSql = pruneEndSql(before, from, maxRows, 'pg');
    const end = cursorOf((await this.q(this.pool, endSql.text, endSql.values))[0]);
    const del = pruneDeleteSql(before, from, end, 'pg');
    return { events: eventsOf(await this.q(this.pool, del.text, del.values)), next: end };
  }

  async createUser(createdAt: number): Promise<UserRecord> {
    const r = (await this.q(this.pool, SQL.createUser, [createdAt]))[0] as Row;
    return { userId: toNum(r.user_id), createdAt: toNum(r.created_at) };
  }

  async userExists(userId: number): Promise<boolean> {
    return (await this.read({ kind: 'userExists', userId })).length > 0;
  }

  async addApiKey(key: ApiKeyRecord): Promise<void> {
    await this.q(this.pool, SQL.addApiKey, [key.apiKey, key.userId, key.secretEnc, key.createdAt, key.revoked]);
  }

  async findApiKey(apiKey: string): Promise<ApiKeyRecord | null> {
    const r = (await this.read({ kind: 'apiKey', apiKey }))[0];
    return r ? apiKeyFromRow(r) : null;
  }

  async anyApiKey(): Promise<ApiKeyRecord | null> {
    const r = (await this.q(this.pool, SQL.anyApiKey, []))[0];
    return r ? apiKeyFromRow(r) : null;
  }

  async listApiKeys(userId: number): Promise<ApiKeyRecord[]> {
    return (await this.q(this.pool, SQL.listApiKeys, [userId])).map(apiKeyFromRow);
  }

  async revokeApiKey(apiKey: string): Promise<boolean> {
    return (await this.q(this.pool, SQL.revokeApiKey, [apiKey])).length > 0;
  }

  async revokeUser(userId: number): Promise<number> {
    return (await this.q(this.pool, SQL.revokeUser, [userId])).length;
  }

  async listRevoked(): Promise<Revoked> {
    return {
      userIds: (await this.q(this.pool, SQL.revokedUsers, [])).map((r) => toNum(r.user_id)),
      apiKeys: (await this.q(this.pool, SQL.revokedKeys, [])).map((r) => String(r.api_key)),
    };
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private read(r: ReadQuery): Promise<Row[]> {
    const q = readSql(r, 'pg');
    return this.q(this.pool, q.text, q.values);
  }

  private async q(on: Queryable, text: string, values: readonly unknown[] = []): Promise<Row[]> {
    const res = await on.query<Row>({ name: this.nameOf(text), text, values: [...values] });
    return res.rows;
  }

  /** A stable prepared-statement name per SQL text (a name must always mean the same text). */
  private nameOf(text: string): string {
    let name = this.names.get(text);
    if (name === undefined) {
      name = `fs_${this.names.size + 1}`;
      this.names.set(text, name);
    }
    return name;
  }

  /** Runs fn on one pooled connection; after any error that connection is discarded, not reused. */
  private async withClient<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let failed: Error | undefined;
    // The pool listens for errors of idle connections only: one that arrives while this connection is checked out
    // but between two queries (a server restart's "terminating connection") would crash the process. Noted here;
    // the next query on it fails and the caller retries on a fresh connection.
    const onError = (err: Error) => {
      failed ??= err;
      this.lastIdleError = err;
    };
    c.on('error', onError);
    try {
      return await fn(c);
    } catch (err) {
      failed = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      c.removeListener('error', onError);
      c.release(failed);
    }
  }

  private async inTransaction<T>(c: pg.PoolClient, fn: () => Promise<T>, begin = 'BEGIN'): Promise<T> {
    await c.query(begin);
    try {
      const out = await fn();
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined); // the connection is discarded anyway
      throw err;
    }
  }
}
