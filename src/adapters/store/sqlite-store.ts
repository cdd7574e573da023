// The SQLite Store: one better-sqlite3 connection (synchronous calls behind the async port).
//
// Durability: WAL mode with synchronous=NORMAL, plus an fdatasync of the WAL file after commits: flush() runs
// it on libuv's thread pool, flushNow() in the calling thread (the engine worker, whose thread does nothing
// else meanwhile: two thread hand-offs less per batch). A commit writes its WAL frames (a process crash cannot
// lose them: they are in the OS page cache) and returns; acknowledgements wait for the sync that follows it,
// so nothing acknowledged is lost to an OS crash or power cut either — the guarantee of synchronous=FULL — and
// one sync covers every commit made before it started. (NORMAL keeps the database consistent on power loss; SQLite syncs the WAL
// itself before each checkpoint.) An in-memory database has nothing to flush.
// Amounts are read with safeIntegers() (as bigint) and brought back to canonical Int, so values
// beyond 2^53 round-trip exactly; numbers and bigints are bound as they are.

import { closeSync, existsSync, fdatasync, fdatasyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
import { checkNotNewer, SQLITE_MIGRATIONS } from './schema.js';
import { CHECKPOINT_EVERY_MS, CHECKPOINTER_NICE, SqliteCheckpointer } from './sqlite-checkpointer.js';
import { type ReadQuery, readSql } from './read-sql.js';
import { cursorOf, eventsOf, pruneAll, pruneDeleteSql, pruneEndSql } from './prune-sql.js';
import {
  apiKeyFromRow,
  BALANCE_COLS,
  balanceFromRow,
  balanceTuple,
  EVENT_LOG_COLS,
  eventChunkTuple,
  KLINE_COLS,
  KLINE_UPDATE_SET,
  klineFromRow,
  klineTuple,
  latestKlines,
  eventsFromRows,
  LAST_SEQ_SQL,
  LAST_USER_SQL,
  LAST_JOURNAL_SQL,
  LAST_TS_SQL,
  latestBalances,
  latestOrders,
  OPEN_ORDERS_SQL,
  ORDER_COLS,
  ORDER_UPDATE_SET,
  orderFromRow,
  orderTuple,
  type Row,
  toNum,
  TRADE_COLS,
  tradeFromRow,
  tradeTuple,
  trimTradePage,
  userTradeFromRow,
} from './rows.js';

const marks = (n: number): string => new Array<string>(n).fill('?').join(', ');

const SQL = {
  upsertOrder:
    `INSERT INTO orders (${ORDER_COLS}) VALUES (${marks(18)}) ` +
    `ON CONFLICT (order_id) DO UPDATE SET ${ORDER_UPDATE_SET}`,
  insertTrade: `INSERT INTO trades (${TRADE_COLS}) VALUES (${marks(13)})`,
  upsertBalance:
    `INSERT INTO balances (${BALANCE_COLS}) VALUES (?, ?, ?, ?) ` +
    'ON CONFLICT (user_id, asset_id) DO UPDATE SET avail = excluded.avail, frozen = excluded.frozen',
  insertEvents: `INSERT INTO event_log (${EVENT_LOG_COLS}) VALUES (?, ?, ?, ?, ?)`,
  updateMeta: 'UPDATE meta SET last_order_id = ?, last_trade_id = ? WHERE id = 1',
  insertJournal: 'INSERT INTO journal (seq, ts, command) VALUES (?, ?, ?)',
  upsertKline:
    `INSERT INTO klines (${KLINE_COLS}) VALUES (${marks(12)}) ` +
    `ON CONFLICT (symbol_id, interval_ms, open_time) DO UPDATE SET ${KLINE_UPDATE_SET}`,
  deleteKlines: 'DELETE FROM klines WHERE symbol_id = ? AND interval_ms = ?',
  upsertMarketSeq:
    'INSERT INTO market_seqs (symbol_id, depth_seq, trade_seq) VALUES (?, ?, ?) ' +
    'ON CONFLICT (symbol_id) DO UPDATE SET depth_seq = excluded.depth_seq, trade_seq = excluded.trade_seq',
  marketSeqs: 'SELECT symbol_id, depth_seq, trade_seq FROM market_seqs ORDER BY symbol_id',
  marketEpoch: 'SELECT epoch, running FROM market_epoch WHERE id = 1',
  setMarketEpoch:
    'INSERT INTO market_epoch (id, epoch, running) VALUES (1, ?, ?) ' +
    'ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, running = excluded.running',
  readJournal: 'SELECT seq, ts, command FROM journal WHERE seq > ? ORDER BY seq LIMIT ?',
  meta: 'SELECT last_order_id, last_trade_id FROM meta WHERE id = 1',
  allBalances: `SELECT ${BALANCE_COLS} FROM balances ORDER BY user_id, asset_id`,
  createUser: 'INSERT INTO users (created_at) VALUES (?) RETURNING user_id, created_at',
  addApiKey: 'INSERT INTO api_keys (api_key, user_id, secret_enc, created_at, revoked) VALUES (?, ?, ?, ?, ?)',
  anyApiKey:
    'SELECT api_key, user_id, secret_enc, created_at, revoked FROM api_keys ORDER BY created_at, api_key LIMIT 1',
  listApiKeys:
    'SELECT api_key, user_id, secret_enc, created_at, revoked FROM api_keys WHERE user_id = ? ORDER BY created_at, api_key',
  revokeApiKey: 'UPDATE api_keys SET revoked = 1 WHERE api_key = ? RETURNING api_key',
  revokeUser: 'UPDATE users SET revoked = 1 WHERE user_id = ?',
  revokeUserKeys: 'UPDATE api_keys SET revoked = 1 WHERE user_id = ? AND revoked = 0 RETURNING api_key',
  revokedUsers: 'SELECT user_id FROM users WHERE revoked = 1 ORDER BY user_id',
  revokedKeys: 'SELECT api_key FROM api_keys WHERE revoked = 1 ORDER BY api_key',
} as const;

export interface SqliteStoreOptions {
  /** How long a statement waits for another process's lock, ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /**
   * A read-only connection to an existing, migrated database (a reader thread's: sqlite-read-pool.ts). It sees
   * every transaction committed before each of its statements starts (WAL readers do not block the writer).
   */
  readonly readonly?: boolean;
  /** Run the WAL checkpoints on a thread of their own (sqlite-checkpointer.ts): the engine's writer does. */
  readonly checkpointThread?: boolean;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly writeBatch: Database.Transaction<(batch: SettlementBatch) => void>;
  private readonly readRecovery: Database.Transaction<() => RecoveredState>;
  private readonly pruneStep: Database.Transaction<(b: number, f: PruneCursor | null, m: number) => PruneStep>;
  private readonly memory: boolean;
  private readonly readonly: boolean;
  /** Our own descriptor of the WAL file, for flush(); opened on first use. */
  private walFd: number | null = null;
  /** The sync now running, and the one queued behind it (it covers commits made after the first began). */
  private syncing: Promise<void> | null = null;
  private syncNext: Promise<void> | null = null;
  /** fdatasync calls completed, for diagnostics and tests. */
  walSyncs = 0;
  /** The thread that checkpoints the WAL, when opened with checkpointThread. */
  readonly checkpointer: SqliteCheckpointer | null = null;

  /** Opens (creating the file and its parent directory) without migrating; call migrate(). */
  constructor(
    readonly path: string,
    opts: SqliteStoreOptions = {},
  ) {
    const memory = path === ':memory:' || path === '';
    this.memory = memory;
    this.readonly = opts.readonly === true;
    if (this.readonly) {
      this.db = new Database(path, { readonly: true, fileMustExist: true });
      this.db.pragma('cache_size = -16384'); // the OS page cache holds the rest
    } else {
      if (!memory) {
        // Owner-only: the database holds balances, orders and encrypted API secrets. SQLite gives its -wal and
        // -shm files the database file's permissions.
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
      }
      this.db = new Database(path);
      if (!memory) this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      // 64 MiB page cache and a checkpoint every ~80 MB of WAL instead of 4 MB: the indexes' pages stay
      // hot and checkpoints (which stall the committing thread) are rare. +35% create_order/s in bench:http.
      this.db.pragma('cache_size = -65536');
      if (!memory) this.db.pragma('wal_autocheckpoint = 20000');
      if (!memory && opts.checkpointThread === true) {
        this.checkpointer = new SqliteCheckpointer({ path, intervalMs: CHECKPOINT_EVERY_MS, nice: CHECKPOINTER_NICE });
      }
    }
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
    this.writeBatch = this.db.transaction((b: SettlementBatch) => this.write(b));
    this.readRecovery = this.db.transaction(() => this.readState());
    this.pruneStep = this.db.transaction((b: number, f: PruneCursor | null, m: number) => this.pruneStepNow(b, f, m));
  }

  /** The connection's durability settings, for diagnostics. */
  settings(): { journalMode: string; synchronous: number; busyTimeoutMs: number } {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
    };
  }

  async migrate(): Promise<void> {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, ' +
        'applied_at INTEGER NOT NULL) STRICT',
    );
    const versions = (): number[] =>
      this.rows('SELECT version FROM schema_migrations ORDER BY version').map((r) => toNum(r.version));
    checkNotNewer(versions(), SQLITE_MIGRATIONS);
    for (const m of SQLITE_MIGRATIONS) {
      const apply = this.db.transaction(() => {
        if (versions().includes(m.version)) return; // re-checked under the write lock
        this.db.exec(m.sql);
        this.stmt('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          Date.now(),
        );
      });
      apply.immediate();
    }
  }

  async applyBatch(batch: SettlementBatch): Promise<void> {
    if (batch.commands !== undefined) throw new Error('sqlite store: a cluster command log needs PostgreSQL');
    this.writeBatch.immediate(batch);
  }

  flush(): Promise<void> {
    if (this.memory || this.readonly || !this.db.open) return Promise.resolve();
    if (this.syncing === null) return (this.syncing = this.syncWal());
    // The running sync may have started before this caller's commit: one more after it covers it.
    this.syncNext ??= this.syncing.then(
      () => {
        this.syncNext = null;
        return (this.syncing = this.syncWal());
      },
      (e: unknown) => {
        this.syncNext = null;
        throw e;
      },
    );
    return this.syncNext;
  }

  flushNow(): void {
    if (this.memory || this.readonly || !this.db.open) return;
    if (this.walFd === null) {
      try {
        this.walFd = openSync(`${this.path}-wal`, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing was ever committed through a WAL
        throw e;
      }
    }
    fdatasyncSync(this.walFd);
    this.walSyncs++;
  }

  private syncWal(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      if (this.walFd === null) {
        try {
          this.walFd = openSync(`${this.path}-wal`, 'r');
        } catch (e) {
          // No WAL file: nothing was ever committed through it.
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return resolve();
          return reject(e as Error);
        }
      }
      fdatasync(this.walFd, (err) => {
        if (err) return reject(err);
        this.walSyncs++;
        resolve();
      });
    }).finally(() => {
      if (this.syncing === done) this.syncing = null;
    });
    return done;
  }

  private write(b: SettlementBatch): void {
    const order = this.stmt(SQL.upsertOrder);
    for (const o of latestOrders(b.orders)) order.run(orderTuple(o));
    const trade = this.stmt(SQL.insertTrade);
    for (const t of b.trades) trade.run(tradeTuple(t));
    const balance = this.stmt(SQL.upsertBalance);
    for (const x of latestBalances(b.balances)) balance.run(balanceTuple(x));
    const events = this.stmt(SQL.insertEvents);
    for (const c of b.events) events.run(eventChunkTuple(c));
    this.stmt(SQL.updateMeta).run(b.meta.lastOrderId, b.meta.lastTradeId);
    if (b.journal !== undefined && b.journal.length > 0) {
      const j = this.stmt(SQL.insertJournal);
      for (const e of b.journal) j.run(e.seq, e.ts, e.command);
    }
    if (b.klines !== undefined && b.klines.length > 0) {
      const k = this.stmt(SQL.upsertKline);
      for (const x of latestKlines(b.klines)) k.run(klineTuple(x));
    }
    if (b.marketSeqs !== undefined && b.marketSeqs.length > 0) {
      const m = this.stmt(SQL.upsertMarketSeq);
      for (const x of b.marketSeqs) m.run(x.symbolId, x.depthSeq, x.tradeSeq);
    }
  }

  async marketSeqState(): Promise<MarketSeqState> {
    const e = this.rows(SQL.marketEpoch)[0];
    return {
      epoch: toNum(e?.epoch ?? 0),
      running: e !== undefined && toNum(e.running) !== 0,
      seqs: this.rows(SQL.marketSeqs).map((r) => ({
        symbolId: toNum(r.symbol_id),
        depthSeq: toNum(r.depth_seq),
        tradeSeq: toNum(r.trade_seq),
      })),
    };
  }

  async setMarketEpoch(epoch: number, running: boolean, fence?: { name: string; epoch: number }): Promise<void> {
    if (fence !== undefined) throw new Error('sqlite store: a fenced (cluster) engine needs PostgreSQL');
    this.stmt(SQL.setMarketEpoch).run(epoch, running ? 1 : 0);
    await this.flush();
  }

  async replaceKlines(symbolId: number, intervalMs: number, klines: readonly Kline[]): Promise<void> {
    this.db.transaction(() => {
      this.stmt(SQL.deleteKlines).run(symbolId, intervalMs);
      const k = this.stmt(SQL.upsertKline);
      for (const x of klines) k.run(klineTuple(x));
    })();
    await this.flush();
  }

  async latestEventSeq(userId: number): Promise<number> {
    return toNum(this.read({ kind: 'latestSeq', userId })[0]?.seq ?? 0);
  }

  async readJournal(after: number, limit: number): Promise<JournalEntry[]> {
    return this.rows(SQL.readJournal, [after, limit]).map((r) => ({
      seq: toNum(r.seq),
      ts: toNum(r.ts),
      command: String(r.command),
    }));
  }

  async recover(): Promise<RecoveredState> {
    return this.readRecovery();
  }

  private readState(): RecoveredState {
    const meta = this.rows(SQL.meta)[0];
    if (!meta) throw new Error('sqlite store: meta row missing (was migrate() run?)');
    const lastSeqByUser = new Map<number, number>();
    for (const r of this.rows(LAST_SEQ_SQL)) lastSeqByUser.set(toNum(r.user_id), toNum(r.seq));
    return {
      meta: { lastOrderId: toNum(meta.last_order_id), lastTradeId: toNum(meta.last_trade_id) },
      balances: this.rows(SQL.allBalances).map(balanceFromRow),
      openOrders: this.rows(OPEN_ORDERS_SQL).map(orderFromRow),
      lastSeqByUser,
      lastUserId: toNum(this.rows(LAST_USER_SQL)[0]?.user_id ?? 0),
      lastJournalSeq: toNum(this.rows(LAST_JOURNAL_SQL)[0]?.seq ?? 0),
      lastTs: toNum(this.rows(LAST_TS_SQL)[0]?.ts ?? 0),
    };
  }

  async getOrder(userId: number, orderId: number): Promise<StoredOrder | null> {
    const r = this.read({ kind: 'order', userId, orderId })[0];
    return r ? orderFromRow(r) : null;
  }

  async getOrderByCid(userId: number, cid: string): Promise<StoredOrder | null> {
    const r = this.read({ kind: 'orderByCid', userId, cid })[0];
    return r ? orderFromRow(r) : null;
  }

  async listOrders(q: OrderQuery): Promise<StoredOrder[]> {
    if (q.limit <= 0) return [];
    return this.read({ kind: 'orders', q }).map(orderFromRow);
  }

  async listTrades(q: TradeQuery): Promise<UserTrade[]> {
    if (q.limit <= 0) return [];
    return trimTradePage(this.read({ kind: 'trades', q }).map(userTradeFromRow), q.limit);
  }

  async marketTrades(symbolId: number, limit: number): Promise<StoredTrade[]> {
    if (limit <= 0) return [];
    return this.read({ kind: 'marketTrades', symbolId, limit }).map(tradeFromRow);
  }

  async klines(q: KlineQuery): Promise<Kline[]> {
    if (q.limit <= 0) return [];
    return this.read({ kind: 'klines', q }).map(klineFromRow);
  }

  async tradesAfter(symbolId: number, after: number, limit: number): Promise<StoredTrade[]> {
    if (limit <= 0) return [];
    return this.read({ kind: 'tradesAfter', symbolId, after, limit }).map(tradeFromRow);
  }

  async getBalances(userId: number): Promise<StoredBalance[]> {
    return this.read({ kind: 'balances', userId }).map(balanceFromRow);
  }

  async listEvents(userId: number, after: number, limit: number): Promise<StoredEvent[]> {
    if (limit <= 0) return [];
    // Every row holds at least one event past `after`, so `limit` rows are always enough.
    return eventsFromRows(this.read({ kind: 'events', userId, after, limit }), after, limit);
  }

  async oldestEventSeq(userId: number): Promise<number | null> {
    const v = this.read({ kind: 'oldestSeq', userId })[0]?.seq;
    return v === null || v === undefined ? null : toNum(v);
  }

  async pruneEvents(before: number): Promise<number> {
    return pruneAll((b, from, max) => this.pruneEventsStep(b, from, max), before);
  }

  async pruneEventsStep(before: number, from: PruneCursor | null, maxRows: number): Promise<PruneStep> {
    return this.pruneStep.immediate(before, from, maxRows);
  }

  private pruneStepNow(before: number, from: PruneCursor | null, maxRows: number): PruneStep {
    const endSql = pruneEndSql(before, from, maxRows, 'sqlite');
    const end = cursorOf(this.rows(endSql.text, endSql.values)[0]);
    const del = pruneDeleteSql(before, from, end, 'sqlite');
    return { events: eventsOf(this.rows(del.text, del.values)), next: end };
  }

  async createUser(createdAt: number): Promise<UserRecord> {
    const r = this.rows(SQL.createUser, [createdAt])[0] as Row;
    await this.flush(); // a user id handed out is never handed out again, even after a power cut
    return { userId: toNum(r.user_id), createdAt: toNum(r.created_at) };
  }

  async userExists(userId: number): Promise<boolean> {
    return this.read({ kind: 'userExists', userId }).length > 0;
  }

  async addApiKey(key: ApiKeyRecord): Promise<void> {
    this.stmt(SQL.addApiKey).run(key.apiKey, key.userId, key.secretEnc, key.createdAt, key.revoked ? 1 : 0);
    await this.flush();
  }

  async findApiKey(apiKey: string): Promise<ApiKeyRecord | null> {
    const r = this.read({ kind: 'apiKey', apiKey })[0];
    return r ? apiKeyFromRow(r) : null;
  }

  async anyApiKey(): Promise<ApiKeyRecord | null> {
    const r = this.rows(SQL.anyApiKey, [])[0];
    return r ? apiKeyFromRow(r) : null;
  }

  async listApiKeys(userId: number): Promise<ApiKeyRecord[]> {
    return this.rows(SQL.listApiKeys, [userId]).map(apiKeyFromRow);
  }

  async revokeApiKey(apiKey: string): Promise<boolean> {
    const found = this.rows(SQL.revokeApiKey, [apiKey]).length > 0;
    await this.flush();
    return found;
  }

  async revokeUser(userId: number): Promise<number> {
    const keys = this.db.transaction(() => {
      this.stmt(SQL.revokeUser).run(userId);
      return this.rows(SQL.revokeUserKeys, [userId]).length;
    })();
    await this.flush();
    return keys;
  }

  async listRevoked(): Promise<Revoked> {
    return {
      userIds: this.rows(SQL.revokedUsers).map((r) => toNum(r.user_id)),
      apiKeys: this.rows(SQL.revokedKeys).map((r) => String(r.api_key)),
    };
  }

  async ping(): Promise<void> {
    this.rows('SELECT 1 AS one');
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.flush().catch(() => undefined); // closing checkpoints (and syncs) whatever is left
    await this.checkpointer?.stop();
    if (this.walFd !== null) closeSync(this.walFd);
    this.walFd = null;
    if (!this.readonly) this.db.pragma('optimize'); // refreshes planner statistics where they are stale (cheap)
    this.db.close();
    this.statements.clear();
  }

  /** Prepared once per SQL text, on first use (tables may not exist before migrate()). */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (s.reader) s.safeIntegers(true);
      this.statements.set(sql, s);
    }
    return s;
  }

  private rows(sql: string, params: readonly unknown[] = []): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  private read(r: ReadQuery): Row[] {
    const q = readSql(r, 'sqlite');
    return this.rows(q.text, q.values);
  }
}
