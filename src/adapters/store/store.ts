// The Store port: everything the exchange persists and reads back, and within it
// the ReadStore part the gateway reads. One implementation per database
// (sqlite-store.ts, postgres-store.ts; a SQLite gateway wraps its reads in
// reader threads: sqlite-read-pool.ts); the shared test suite in test/store/
// runs against each. Amounts are Int (exact int64), stored as BIGINT / INTEGER
// and read back in canonical form.

import type { Int } from '../../core/int64.js';
import type { OrderStatus, OrderType, RejectReason, Side, TimeInForce } from '../../core/types.js';
import type { Kline } from '../../pipeline/candles.js';
import type { MarketSeqRow, MarketSeqState } from '../../pipeline/market-seq.js';

export type { Kline, MarketSeqRow, MarketSeqState };

/** An order's latest persisted state (upserted by order_id). */
export interface StoredOrder {
  readonly orderId: number;
  readonly userId: number;
  readonly symbolId: number;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly tif: TimeInForce;
  /** 0 for MARKET. */
  readonly price: Int;
  readonly qty: Int;
  readonly quoteQty: Int;
  readonly cid: string | null;
  readonly status: OrderStatus;
  readonly filledQty: Int;
  readonly filledQuote: Int;
  readonly filledNotional: Int;
  /** What the order still holds frozen (0 once it has ended); needed to rebuild the book. */
  readonly lock: Int;
  readonly rejectReason: RejectReason | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface StoredTrade {
  readonly tradeId: number;
  readonly symbolId: number;
  readonly price: Int;
  readonly qty: Int;
  readonly quoteQty: Int;
  readonly takerSide: Side;
  readonly makerOrderId: number;
  readonly makerUserId: number;
  readonly takerOrderId: number;
  readonly takerUserId: number;
  readonly makerFee: Int;
  readonly takerFee: Int;
  readonly ts: number;
}

export interface StoredBalance {
  readonly userId: number;
  readonly assetId: number;
  readonly avail: Int;
  readonly frozen: Int;
}

export type PrivateEventType = 'order.update' | 'trade' | 'balance.update';

/**
 * One row of the per-user event log (outbox): the consecutive private events of one user that one batch
 * settled, seq firstSeq..lastSeq, one line each in `body` (newline-separated, format in
 * pipeline/event-codec.ts). One row per user and batch instead of one per event keeps the commit small.
 */
export interface EventChunk {
  readonly userId: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Time of the batch's last command (ms); pruning goes by it. */
  readonly ts: number;
  readonly body: string;
}

/** One private event read back from the log; render `line` with wire/format.ts renderPrivateEvent. */
export interface StoredEvent {
  readonly userId: number;
  /** Per user, gap-free, starting at 1. */
  readonly seq: number;
  readonly line: string;
  /** The ts of the row it was written with. */
  readonly ts: number;
}

/** The last event-log row a pruning step looked at. */
export interface PruneCursor {
  readonly ts: number;
  readonly userId: number;
  readonly lastSeq: number;
}

export interface PruneStep {
  /** Events deleted by the step. */
  readonly events: number;
  /** Where the next step starts; null when no row older than the cutoff is left to look at. */
  readonly next: PruneCursor | null;
}

/** One applied command, in the order the core applied it (JSON, Ints as decimal strings). */
export interface JournalEntry {
  /** Gap-free from 1. */
  readonly seq: number;
  readonly ts: number;
  readonly command: string;
}

/** Counters that must survive restarts so ids are never reused. */
export interface StoreMeta {
  readonly lastOrderId: number;
  readonly lastTradeId: number;
}

/**
 * What a cluster engine consumed from its command stream for one batch (command-log-sql.ts): the stream
 * position it reached and each command's answer by command id, written in the batch's own transaction, so that
 * a restarted engine goes on right after the last committed command and a repeated command id gets its
 * original answer. PostgreSQL only.
 */
export interface CommandLog {
  /** The command stream, and the last stream seq this batch covers. */
  readonly stream: string;
  readonly consumedSeq: number;
  readonly results: ReadonlyArray<{
    readonly commandId: string;
    readonly answer: string;
    readonly ts: number;
    /**
     * The command's deadline plus the margin (ms): past it by the database's clock the batch must not commit (a
     * gateway may have settled the command as expired meanwhile). Absent: no bound.
     */
    readonly notAfter?: number;
  }>;
  /** The committing engine's leadership (cluster_leader row): the batch commits only while it is still current. */
  readonly fence?: { readonly name: string; readonly epoch: number };
}

/** Everything one group commit writes, in ONE transaction. */
export interface SettlementBatch {
  readonly orders: readonly StoredOrder[];
  readonly trades: readonly StoredTrade[];
  readonly balances: readonly StoredBalance[];
  readonly events: readonly EventChunk[];
  readonly meta: StoreMeta;
  /** The commands whose results this batch holds; replaying the journal reproduces the state. */
  readonly journal?: readonly JournalEntry[];
  /** The latest state of every candle the batch's trades touched (upserted by symbol, interval, open time). */
  readonly klines?: readonly Kline[];
  /** Cluster engines only (PostgreSQL). */
  readonly commands?: CommandLog;
  /** The market-data seqs of the symbols the batch's drains stepped (upserted by symbol). */
  readonly marketSeqs?: readonly MarketSeqRow[];
}

export interface UserRecord {
  readonly userId: number;
  readonly createdAt: number;
}

export interface ApiKeyRecord {
  readonly apiKey: string;
  readonly userId: number;
  /** The secret encrypted at rest (AES-GCM with the server's key), never the plain secret. */
  readonly secretEnc: string;
  readonly createdAt: number;
  readonly revoked: boolean;
}

/** Everything revoked so far (start-up loads it into memory). */
export interface Revoked {
  readonly userIds: readonly number[];
  readonly apiKeys: readonly string[];
}

/** What start-up reads to rebuild the core exactly as of the last committed batch. */
export interface RecoveredState {
  readonly meta: StoreMeta;
  readonly balances: readonly StoredBalance[];
  /** Open orders (status NEW or PARTIALLY_FILLED), in order_id order (= arrival order). */
  readonly openOrders: readonly StoredOrder[];
  /** Highest seq per user. */
  readonly lastSeqByUser: ReadonlyMap<number, number>;
  /** Highest user id handed out (0 when none). */
  readonly lastUserId: number;
  /** Highest journal seq (0 when empty). */
  readonly lastJournalSeq: number;
  /**
   * The latest time (ms) any persisted command, event, order or trade carries (0 when empty). The engine's clock
   * never goes below it, so times keep growing with ids across restarts even if the wall clock went back.
   */
  readonly lastTs: number;
}

export interface OrderQuery {
  readonly userId: number;
  readonly symbolId?: number;
  readonly status?: OrderStatus;
  /** Inclusive, ms. */
  readonly startTime?: number;
  /** Exclusive, ms. */
  readonly endTime?: number;
  /** Return orders with order_id < cursor (newest first). */
  readonly cursor?: number;
  readonly limit: number;
}

export interface TradeQuery {
  readonly userId: number;
  readonly symbolId?: number;
  readonly orderId?: number;
  readonly startTime?: number;
  /** Return trades with trade_id < cursor (newest first). */
  readonly cursor?: number;
  readonly limit: number;
}

/** Candles of one symbol and interval whose open_time is in [startTime, endTime]. */
export interface KlineQuery {
  readonly symbolId: number;
  readonly intervalMs: number;
  readonly startTime?: number;
  readonly endTime?: number;
  /** With startTime: the oldest `limit` from it; without: the newest `limit` up to endTime. */
  readonly limit: number;
}

/** A user's view of a trade: its own side of it. */
export interface UserTrade extends StoredTrade {
  readonly orderId: number;
  readonly side: Side;
  readonly role: 'MAKER' | 'TAKER';
  readonly fee: Int;
}

/**
 * What the gateway reads (the routes, authentication, the push service's resume). The SQLite gateway serves these
 * from reader threads with their own read-only connections (sqlite-read-pool.ts), so no read blocks its event loop.
 */
export interface ReadStore {
  getOrder(userId: number, orderId: number): Promise<StoredOrder | null>;
  /** The user's newest order with this cid (null: none). */
  getOrderByCid(userId: number, cid: string): Promise<StoredOrder | null>;
  listOrders(q: OrderQuery): Promise<StoredOrder[]>;
  listTrades(q: TradeQuery): Promise<UserTrade[]>;
  /** Latest public trades of a symbol, newest first. */
  marketTrades(symbolId: number, limit: number): Promise<StoredTrade[]>;
  getBalances(userId: number): Promise<StoredBalance[]>;
  /** Candles, oldest first (see KlineQuery). */
  klines(q: KlineQuery): Promise<Kline[]>;
  /** Events with seq > after, ascending, at most limit. */
  listEvents(userId: number, after: number, limit: number): Promise<StoredEvent[]>;
  /** Newest seq of a user (0 when none). */
  latestEventSeq(userId: number): Promise<number>;
  /** Oldest retained seq of a user (null when the user has none retained). */
  oldestEventSeq(userId: number): Promise<number | null>;
  userExists(userId: number): Promise<boolean>;
  findApiKey(apiKey: string): Promise<ApiKeyRecord | null>;
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
}

/** The ReadStore methods, by name (what a reader thread may be asked to run). */
export const READ_METHODS = [
  'getOrder',
  'getOrderByCid',
  'listOrders',
  'listTrades',
  'marketTrades',
  'getBalances',
  'klines',
  'listEvents',
  'latestEventSeq',
  'oldestEventSeq',
  'userExists',
  'findApiKey',
  'ping',
] as const satisfies readonly (keyof ReadStore)[];

export interface Store extends ReadStore {
  /** Driver name for logs and /readyz ("sqlite", "postgres"). */
  readonly kind: string;
  /** Creates or upgrades the schema; safe to call on every start. */
  migrate(): Promise<void>;
  /** Writes the whole batch in one transaction, or nothing (throws). Readers see it once this resolves. */
  applyBatch(batch: SettlementBatch): Promise<void>;
  /**
   * Whether this batch is in the store already (its last journal entry is). Asked before applyBatch is retried: an
   * attempt whose connection broke during COMMIT may have committed after all, and must not be written twice.
   * Absent: an attempt that failed wrote nothing (a local database).
   */
  hasBatch?(batch: SettlementBatch): Promise<boolean>;
  /**
   * Resolves once every batch applied before the call would survive a power cut (rejects if the
   * storage cannot promise that). Acknowledgements wait for it; the next batch need not.
   */
  flush(): Promise<void>;
  /**
   * flush() done in the calling thread, for a writer with a thread of its own (the engine worker): returns once
   * every batch applied before it would survive a power cut, throws if the storage cannot promise that. Absent
   * where flush() has nothing to wait for in this thread.
   */
  flushNow?(): void;
  recover(): Promise<RecoveredState>;
  /** The persisted market-data seqs and epoch (epoch 0, not running, no seqs: never written). */
  marketSeqState(): Promise<MarketSeqState>;
  /**
   * Writes the market epoch row (durably before resolving). With a fence (cluster engines, PostgreSQL), only while
   * that leadership is still current: otherwise it writes nothing and throws the FencedError.
   */
  setMarketEpoch(
    epoch: number,
    running: boolean,
    fence?: { readonly name: string; readonly epoch: number },
  ): Promise<void>;

  /** Deletes events older than `before` (ms), never a user's newest; returns how many events. */
  pruneEvents(before: number): Promise<number>;
  /**
   * One bounded step of that: looks at up to `maxRows` rows older than `before` past `from` (null: from the
   * oldest), in (ts, user, seq) order, deletes those that are not their user's newest, and says where to go on
   * (null: the pass is done). The engine worker prunes this way between its batches.
   */
  pruneEventsStep(before: number, from: PruneCursor | null, maxRows: number): Promise<PruneStep>;

  createUser(createdAt: number): Promise<UserRecord>;
  addApiKey(key: ApiKeyRecord): Promise<void>;
  /** The oldest stored API key, or null when there is none (start-up checks its encryption key against it). */
  anyApiKey(): Promise<ApiKeyRecord | null>;
  /** A user's API keys (revoked ones too), oldest first. */
  listApiKeys(userId: number): Promise<ApiKeyRecord[]>;
  /** Marks one key revoked (durably before resolving); false when there is no such key. Revoking twice is fine. */
  revokeApiKey(apiKey: string): Promise<boolean>;
  /** Marks a user and all its keys revoked in one transaction (durably); returns how many keys it newly revoked. */
  revokeUser(userId: number): Promise<number>;
  listRevoked(): Promise<Revoked>;

  /** Trades of a symbol with trade_id > after, ascending, at most limit (candle rebuilds read them this way). */
  tradesAfter(symbolId: number, after: number, limit: number): Promise<StoredTrade[]>;
  /** Replaces every stored candle of a symbol and interval with `klines`, in one transaction. */
  replaceKlines(symbolId: number, intervalMs: number, klines: readonly Kline[]): Promise<void>;

  /** Journal entries with seq > after, ascending, at most limit. */
  readJournal(after: number, limit: number): Promise<JournalEntry[]>;

  close(): Promise<void>;
}
