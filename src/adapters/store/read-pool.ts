// The gateway's store: its reads (ReadStore) run on a small pool of reader threads, each with its own store
// (store-reader.ts: a read-only SQLite connection, or a PostgreSQL pool whose rows are decoded there), so a heavy
// query of one user never blocks the gateway's event loop (/healthz, other users' requests, the WebSocket push);
// migrations and the gateway's few writes (users, API keys) stay on a store of this thread.
//
// Ordering: the engine worker publishes a batch (push, then the HTTP answers) only after its commit returned,
// and a reader's statement starts after the request that carries it arrived, so it sees that batch (a SQLite
// WAL reader sees every transaction committed before its read began; a PostgreSQL statement in READ COMMITTED
// takes its snapshot when it starts). A read goes to the reader with the fewest reads in flight; results cross
// back by structured clone (bigints included).

import { Worker } from 'node:worker_threads';
import {
  READ_METHODS,
  type ApiKeyRecord,
  type Kline,
  type KlineQuery,
  type MarketSeqState,
  type JournalEntry,
  type OrderQuery,
  type PruneCursor,
  type PruneStep,
  type ReadStore,
  type RecoveredState,
  type Revoked,
  type SettlementBatch,
  type Store,
  type StoredBalance,
  type StoredEvent,
  type StoredOrder,
  type StoredTrade,
  type TradeQuery,
  type UserRecord,
  type UserTrade,
} from './store.js';
import type { ReadReply, ReadRequest, ReaderInit } from './store-reader.js';

/** Nice value of the reader threads: under CPU contention the event loop and the engine go first. */
export const READER_NICE = 10;

type ReadMethod = (typeof READ_METHODS)[number];
type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

interface Reader {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  exited: boolean;
}

export class ReadPool {
  private readonly readers: Reader[] = [];
  private nextId = 1;
  private closed = false;
  /** Reads answered per reader thread id (diagnostics; the tests check who ran a query). */
  readonly served = new Map<number, number>();

  private constructor(private readonly target: ReaderInit['target']) {}

  /** Starts `size` readers and waits until each has reached the database. */
  static async start(target: ReaderInit['target'], size: number): Promise<ReadPool> {
    const pool = new ReadPool(target);
    try {
      for (let i = 0; i < size; i++) pool.readers.push(pool.spawn());
      await Promise.all(pool.readers.map((r) => pool.call('ping', [], r)));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  private spawn(): Reader {
    const init: ReaderInit = { target: this.target, nice: READER_NICE };
    const worker = new Worker(new URL('./store-reader.js', import.meta.url), { workerData: init });
    const r: Reader = { worker, pending: new Map(), exited: false };
    worker.on('message', (m: ReadReply) => {
      const p = r.pending.get(m.id);
      if (p === undefined) return;
      r.pending.delete(m.id);
      if (m.ok) {
        this.served.set(m.threadId, (this.served.get(m.threadId) ?? 0) + 1);
        p.resolve(m.value);
      } else p.reject(new Error(m.error));
    });
    worker.on('error', (e) => this.fail(r, e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => {
      r.exited = true;
      this.fail(r, new Error(`store reader exited with code ${code}`));
      const i = this.readers.indexOf(r);
      // A reader that died while serving is replaced; its reads in flight have failed (5000 for their requests).
      if (i >= 0 && !this.closed) this.readers[i] = this.spawn();
    });
    return r;
  }

  private fail(r: Reader, e: Error): void {
    for (const p of r.pending.values()) p.reject(e);
    r.pending.clear();
  }

  /** Runs one ReadStore call on a reader thread (the least busy one unless given). */
  call<K extends ReadMethod>(method: K, args: Parameters<ReadStore[K]>, on?: Reader): ReturnType<ReadStore[K]> {
    return new Promise<unknown>((resolve, reject) => {
      if (this.closed) return reject(new Error('reader pool is closed'));
      let r = on ?? (this.readers[0] as Reader);
      for (const x of this.readers) if (x.pending.size < r.pending.size) r = x;
      const id = this.nextId++;
      r.pending.set(id, { resolve, reject });
      r.worker.postMessage({ id, method, args } satisfies ReadRequest);
    }) as ReturnType<ReadStore[K]>;
  }

  /** Reader thread ids, for diagnostics. */
  get threadIds(): number[] {
    return this.readers.map((r) => r.worker.threadId);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.readers.map(
        (r) =>
          new Promise<void>((resolve) => {
            if (r.exited) return resolve();
            r.worker.once('exit', () => resolve());
            r.worker.postMessage('close');
          }),
      ),
    );
  }
}

/** A Store whose reads go to a ReadPool; everything else runs on its own store in this thread. */
export class GatewayStore implements Store {
  private constructor(
    private readonly own: Store,
    readonly pool: ReadPool,
  ) {}

  get kind(): string {
    return this.own.kind;
  }

  /** `own` is open and migrated; the readers are started on the same database. */
  static async start(own: Store, target: ReaderInit['target'], readers: number): Promise<GatewayStore> {
    return new GatewayStore(own, await ReadPool.start(target, readers));
  }

  migrate(): Promise<void> {
    return this.own.migrate();
  }
  applyBatch(batch: SettlementBatch): Promise<void> {
    return this.own.applyBatch(batch);
  }
  hasBatch(batch: SettlementBatch): Promise<boolean> {
    return this.own.hasBatch?.(batch) ?? Promise.resolve(false);
  }
  flush(): Promise<void> {
    return this.own.flush();
  }
  recover(): Promise<RecoveredState> {
    return this.own.recover();
  }
  marketSeqState(): Promise<MarketSeqState> {
    return this.own.marketSeqState();
  }
  setMarketEpoch(
    epoch: number,
    running: boolean,
    fence?: { readonly name: string; readonly epoch: number },
  ): Promise<void> {
    return this.own.setMarketEpoch(epoch, running, fence);
  }
  pruneEvents(before: number): Promise<number> {
    return this.own.pruneEvents(before);
  }
  pruneEventsStep(before: number, from: PruneCursor | null, maxRows: number): Promise<PruneStep> {
    return this.own.pruneEventsStep(before, from, maxRows);
  }
  createUser(createdAt: number): Promise<UserRecord> {
    return this.own.createUser(createdAt);
  }
  addApiKey(key: ApiKeyRecord): Promise<void> {
    return this.own.addApiKey(key);
  }
  readJournal(after: number, limit: number): Promise<JournalEntry[]> {
    return this.own.readJournal(after, limit);
  }
  // Candle rebuilds (CLI, engine start-up): bulk work on this thread's store, never on a route.
  tradesAfter(symbolId: number, after: number, limit: number): Promise<StoredTrade[]> {
    return this.own.tradesAfter(symbolId, after, limit);
  }
  replaceKlines(symbolId: number, intervalMs: number, klines: readonly Kline[]): Promise<void> {
    return this.own.replaceKlines(symbolId, intervalMs, klines);
  }
  // Credentials: start-up and admin operations, rare and small, on this thread's store.
  anyApiKey(): Promise<ApiKeyRecord | null> {
    return this.own.anyApiKey();
  }
  listApiKeys(userId: number): Promise<ApiKeyRecord[]> {
    return this.own.listApiKeys(userId);
  }
  revokeApiKey(apiKey: string): Promise<boolean> {
    return this.own.revokeApiKey(apiKey);
  }
  revokeUser(userId: number): Promise<number> {
    return this.own.revokeUser(userId);
  }
  listRevoked(): Promise<Revoked> {
    return this.own.listRevoked();
  }

  getOrder(userId: number, orderId: number): Promise<StoredOrder | null> {
    return this.pool.call('getOrder', [userId, orderId]);
  }
  getOrderByCid(userId: number, cid: string): Promise<StoredOrder | null> {
    return this.pool.call('getOrderByCid', [userId, cid]);
  }
  listOrders(q: OrderQuery): Promise<StoredOrder[]> {
    return this.pool.call('listOrders', [q]);
  }
  listTrades(q: TradeQuery): Promise<UserTrade[]> {
    return this.pool.call('listTrades', [q]);
  }
  marketTrades(symbolId: number, limit: number): Promise<StoredTrade[]> {
    return this.pool.call('marketTrades', [symbolId, limit]);
  }
  klines(q: KlineQuery): Promise<Kline[]> {
    return this.pool.call('klines', [q]);
  }
  getBalances(userId: number): Promise<StoredBalance[]> {
    return this.pool.call('getBalances', [userId]);
  }
  listEvents(userId: number, after: number, limit: number): Promise<StoredEvent[]> {
    return this.pool.call('listEvents', [userId, after, limit]);
  }
  latestEventSeq(userId: number): Promise<number> {
    return this.pool.call('latestEventSeq', [userId]);
  }
  oldestEventSeq(userId: number): Promise<number | null> {
    return this.pool.call('oldestEventSeq', [userId]);
  }
  userExists(userId: number): Promise<boolean> {
    return this.pool.call('userExists', [userId]);
  }
  findApiKey(apiKey: string): Promise<ApiKeyRecord | null> {
    return this.pool.call('findApiKey', [apiKey]);
  }
  ping(): Promise<void> {
    return this.pool.call('ping', []);
  }

  async close(): Promise<void> {
    await this.pool.close();
    await this.own.close();
  }
}
