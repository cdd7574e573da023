// The engine itself, whatever carries its messages: sequencer (order ids, clock), trading core,
// settlement and the writing store. The transport is injected (EngineTransport): a worker thread's port under
// `serve` (engine-worker.ts), NATS under the `engine` role (src/cluster/nats-engine-server.ts). Commands are matched as they arrive; their
// settlement is committed in groups, one transaction per disk sync (group
// commit); acks and private events leave only once their commit is durable
// (store.flushNow() in this thread for SQLite, else store.flush()). Between batches it
// prunes the event log to the configured retention (pruner.ts). Just after each
// whole second it tells the gateway where its clock is, so candles close on time. Each place and cancel is first
// charged to its user's rate limit (user-rate-limits.ts): one over it is answered RATE_LIMITED and not applied.
// Public market data carries the engine's per-symbol seqs and market epoch (market-seq.ts): the seqs are persisted
// with each batch, the epoch row says "running" from start to clean stop, so a start after a crash is a new epoch.

import { Engine } from '../core/engine.js';
import { checkInvariants } from '../core/invariants.js';
import type { Command, CommandResult } from '../core/types.js';
import { openStore } from '../adapters/store/index.js';
import type { CommandLog, SettlementBatch, Store } from '../adapters/store/store.js';
import { Settlement } from './settlement.js';
import { Pruner } from './pruner.js';
import { type Limited, UserRateLimits } from './user-rate-limits.js';
import { catchUpCandles, newestCandles } from './candle-store.js';
import { MarketSeqs, startEpoch } from './market-seq.js';
import {
  type Ack,
  type DepthChange,
  type EngineMessage,
  type EngineRequest,
  type PublicTrade,
  type WorkerInit,
  stageClock,
} from './protocol.js';

/** How the engine talks to its host. */
export interface EngineTransport {
  /** Sends one message to the host, in order. */
  post(m: EngineMessage): void;
  /**
   * Registers the receiver of the host's requests (each call: a group, in submission order; `sentAt`: when the host
   * sent it, on stageClock(), where the transport knows it).
   */
  onRequests(receive: (group: readonly EngineRequest[], sentAt?: number) => void): void;
  /** The engine is done (stopped or failed): release the transport. */
  close(): void;
  /**
   * What the batch about to commit consumed and answered (a cluster engine records it in the same transaction:
   * the stream position and the command results); undefined: nothing to record.
   */
  commandLog?(acks: readonly Ack[]): CommandLog | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type EngineCommandRequest = Exclude<EngineRequest, { kind: 'shutdown' }>;

class EngineWorker {
  /** Commands taken, each with its rate-limit verdict (charged on arrival, in arrival order). */
  private inbox: Array<{ readonly req: EngineCommandRequest; readonly limited: Limited | null }> = [];
  private readonly limits: UserRateLimits;
  private draining = false;
  /** Set by fail(): a batch did not land and never will; nothing after it may be applied or land either. */
  private failed = false;
  private stopping: number | null = null;
  private lastTs = 0;
  private storageOk = true;
  /** Settles when every batch committed so far is durable and its acks are posted. */
  private durable: Promise<void> = Promise.resolve();
  /**
   * Commands received and applied so far, and the groups not yet wholly committed (how many commands had been
   * received with each, when it was sent and received), oldest first: a batch's stages are its oldest command's.
   */
  private received = 0;
  private applied = 0;
  private readonly groups: Array<{ upTo: number; sentAt: number; receivedAt: number }> = [];

  constructor(
    private readonly init: WorkerInit,
    private readonly t: EngineTransport,
    private readonly engine: Engine,
    private readonly settlement: Settlement,
    private readonly store: Store,
    lastTs: number,
    private readonly pruner: Pruner,
    private readonly seqs: MarketSeqs,
  ) {
    this.lastTs = lastTs;
    this.limits = new UserRateLimits(init.rateLimits);
  }

  private clockTimer: NodeJS.Timeout | null = null;

  /** Posts the clock just after every whole second (candle closes: protocol.ts ClockMessage) until stopped. */
  startClock(): void {
    const tick = (): void => {
      const ts = this.now();
      this.t.post({ kind: 'clock', ts });
      this.clockTimer = setTimeout(tick, 1000 - (Date.now() % 1000) + 1);
      this.clockTimer.unref();
    };
    this.clockTimer = setTimeout(tick, 1000 - (Date.now() % 1000) + 1);
    this.clockTimer.unref();
  }

  receive(group: readonly EngineRequest[], sentAt: number): void {
    // Stopped for good (fail()): the core is ahead of what the store holds, so nothing more may be applied.
    if (this.failed) return;
    const before = this.received;
    for (const req of group) {
      if (req.kind === 'shutdown') this.stopping = req.reqId;
      else {
        this.inbox.push({ req, limited: this.limits.charge(req) });
        this.received++;
      }
    }
    if (this.received > before) this.groups.push({ upTo: this.received, sentAt, receivedAt: stageClock() });
    if (!this.draining) void this.drain().catch((e: unknown) => this.fail(e));
  }

  /** The oldest group of the batch of the last `n` applied commands; forgets the groups it wholly holds. */
  private oldestGroupOf(n: number): { sentAt: number; receivedAt: number } {
    const first = this.applied - n;
    while ((this.groups[0]?.upTo ?? Infinity) <= first) this.groups.shift();
    const g = this.groups[0] ?? { sentAt: 0, receivedAt: 0 };
    while ((this.groups[0]?.upTo ?? Infinity) <= this.applied) this.groups.shift();
    return g;
  }

  private now(): number {
    // The clock enters here, at the edge. Monotonic, and from the last persisted time on (recover().lastTs), so
    // an order's created_at and a trade's ts never decrease with the id across restarts either: the stores
    // turn a time range into an id range on that (read-sql.ts), and the event log is pruned by time.
    const t = Date.now();
    this.lastTs = t > this.lastTs ? t : this.lastTs;
    return this.lastTs;
  }

  /**
   * Group commit: commands are matched as soon as they arrive (public market data leaves at once), while their
   * settlement accumulates until the previous batch's flush is done; then everything accumulated is committed in
   * one transaction and flushed (on the thread pool while matching goes on, or in this thread with flushNow()).
   * So one transaction per disk sync, never a queue of them.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    let acks: Ack[] = [];
    let matchedAt = 0;
    try {
      // Let messages that are already queued arrive before the first group.
      await new Promise((r) => setImmediate(r));
      for (;;) {
        while (this.inbox.length > 0 && acks.length < this.init.maxBatch) {
          const group = this.inbox.splice(0, this.init.maxBatch - acks.length);
          const trades: PublicTrade[] = [];
          const depth: DepthChange[] = [];
          for (const { req, limited } of group) {
            acks.push(limited === null ? this.apply(req, trades, depth) : this.refuse(req, limited));
          }
          this.applied += group.length;
          matchedAt = stageClock();
          if (trades.length > 0 || depth.length > 0) {
            const seqs = this.seqs.stamp(trades, depth);
            this.t.post({ kind: 'market', trades, depth, marketEpoch: this.seqs.epoch, seqs });
          }
        }
        if (acks.length === 0) break;
        await this.durable;
        // Commands that arrived while the disk synced join this batch.
        if (this.inbox.length > 0 && acks.length < this.init.maxBatch) continue;
        const done = acks;
        const log = this.t.commandLog?.(done);
        const taken = { ...this.settlement.take(), marketSeqs: this.seqs.takeChanged() };
        const batch = log === undefined ? taken : { ...taken, commands: log };
        acks = [];
        const oldest = this.oldestGroupOf(done.length);
        const t0 = performance.now();
        const commitAt = stageClock();
        await this.commit(batch);
        const t1 = performance.now();
        const committedAt = stageClock();
        const commitMs = t1 - t0;
        // Flushes resolve in commit order, so acks and events leave in order; a failed flush means
        // acknowledged work might not survive a power cut: the worker stops (the server exits). A store that
        // can sync in this thread does (SQLite): matching would wait for the sync anyway (above), and a sync on
        // the thread pool costs two thread wake-ups per batch, each a scheduler delay on a busy machine.
        this.durable = this.flushed().then(
          () => {
            // One message: the host pushes the events, then answers the commands, so an owner's push leaves
            // no later than the HTTP answer for the same order.
            const syncMs = performance.now() - t1;
            const stages = { ...oldest, matchedAt, commitAt, committedAt, syncedAt: stageClock() };
            this.t.post({
              kind: 'committed',
              acks: done,
              events: batch.events,
              commitMs,
              syncMs,
              committedAt: Date.now(),
              stages,
            });
          },
          (e: unknown) => {
            this.t.post({
              kind: 'fatal',
              error: `storage flush failed: ${e instanceof Error ? e.message : String(e)}`,
            });
            this.t.close();
          },
        );
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.draining = false;
    }
    if (this.stopping !== null) {
      if (this.clockTimer !== null) clearTimeout(this.clockTimer);
      this.clockTimer = null;
      await this.durable;
      await this.pruner.stop();
      await this.markStopped();
      await this.store.close();
      this.t.post({ kind: 'stopped', reqId: this.stopping });
      this.t.close();
    }
  }

  /**
   * A clean stop: every batch is durable, so the persisted seqs are exactly the ones sent, and the next start keeps
   * the epoch. Fenced in a cluster (a stale leader must not say so). If it fails (fenced, or the database is gone)
   * the row still says running and the next start takes a new epoch: the safe side, so nothing more to do.
   */
  private async markStopped(): Promise<void> {
    await this.store.setMarketEpoch(this.seqs.epoch, false, this.init.fence).catch(() => undefined);
  }

  /** Over the user's rate limit: answered (and recorded like any answer) without touching the core. */
  private refuse(req: EngineCommandRequest, limited: Limited): Ack {
    return {
      kind: 'ack',
      reqId: req.reqId,
      code: 'RATE_LIMITED',
      orderId: null,
      canceled: false,
      ts: this.now(),
      limited,
    };
  }

  private apply(req: EngineCommandRequest, trades: PublicTrade[], depth: DepthChange[]): Ack {
    const ts = this.now();
    let cmd: Command;
    let orderId: number | null = null;
    switch (req.kind) {
      case 'place':
        orderId = this.settlement.nextOrderId();
        cmd = {
          type: 'place',
          ts,
          orderId,
          userId: req.userId,
          symbolId: req.symbolId,
          side: req.side,
          orderType: req.orderType,
          tif: req.tif,
          price: req.price,
          qty: req.qty,
          quoteQty: req.quoteQty,
          cid: req.cid,
        };
        break;
      case 'cancel':
        cmd = { type: 'cancel', ts, userId: req.userId, orderId: req.orderId, cid: req.cid };
        break;
      default:
        cmd = { type: req.kind, ts, userId: req.userId, assetId: req.assetId, amount: req.amount };
    }
    const result: CommandResult = this.engine.process(cmd);
    this.settlement.add(cmd, result, ts);
    let canceled = false;
    const events = result.events;
    for (let i = 0; i < events.length; i++) {
      const kind = events.kind(i);
      if (kind === 'balance') continue;
      const e = events.at(i);
      if (e.kind === 'trade') {
        trades.push({
          tradeId: e.tradeId,
          symbolId: e.symbolId,
          price: e.price,
          qty: e.qty,
          quoteQty: e.quoteQty,
          takerSide: e.takerSide,
          ts,
        });
      } else if (e.kind === 'depth') {
        depth.push({ symbolId: e.symbolId, side: e.side, price: e.price, qty: e.qty });
      } else if (e.kind === 'order' && e.status === 'CANCELED' && req.kind === 'cancel') {
        canceled = true;
        orderId = e.orderId;
      }
    }
    return { kind: 'ack', reqId: req.reqId, code: result.code, orderId, canceled, ts };
  }

  /** The store's flush(), or its flushNow() where it has one (settled before this returns). */
  private flushed(): Promise<void> {
    if (this.store.flushNow === undefined) return this.store.flush();
    try {
      this.store.flushNow();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /**
   * Stops for good: a batch that must not land (fenced, or late: LateBatchError), so nothing after it may land
   * either, and the core's memory (ahead of the store now) is never used again: a restart recovers from the store.
   */
  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.inbox = [];
    if (this.clockTimer !== null) clearTimeout(this.clockTimer);
    this.clockTimer = null;
    this.t.post({ kind: 'fatal', error: e instanceof Error ? e.message : String(e) });
    this.t.close();
    void this.pruner.stop().then(() => this.store.close());
  }

  /**
   * Retries until the batch is durable (or found to have landed already): the core is already ahead, so the batch
   * must land. Except a fenced or late batch (cluster engines only): it was rolled back and this engine must stop,
   * so it throws.
   */
  private async commit(batch: SettlementBatch): Promise<void> {
    let delay = 50;
    for (let attempt = 0; ; attempt++) {
      try {
        // A retry: the attempt before may have committed although its answer was lost (the connection broke
        // during COMMIT); writing it again would fail on its own rows forever.
        if (attempt === 0 || (await this.store.hasBatch?.(batch)) !== true) await this.store.applyBatch(batch);
        if (!this.storageOk) {
          this.storageOk = true;
          this.t.post({ kind: 'storage', ok: true, error: null });
        }
        return;
      } catch (e) {
        // Rolled back for good: a later leader took over, or a command of it is past its deadline (or settled as
        // expired by a gateway). Retrying cannot help and going on would diverge from the store.
        if (e instanceof Error && (e.name === 'FencedError' || e.name === 'LateBatchError')) throw e;
        this.storageOk = false;
        this.t.post({ kind: 'storage', ok: false, error: (e as Error).message });
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
  }
}

/** Recovers the state from the store, then runs the engine on the transport until a shutdown request. */
export async function runEngine(init: WorkerInit, t: EngineTransport): Promise<void> {
  const post = (m: EngineMessage): void => t.post(m);
  const store = await openStore(init.databaseUrl, { checkpointThread: true });
  const recovered = await store.recover();
  const engine = new Engine(init.market);
  for (const b of recovered.balances) engine.restoreBalance(b.userId, b.assetId, b.avail, b.frozen);
  for (const o of recovered.openOrders) {
    if (o.orderType !== 'LIMIT' || (o.tif !== 'GTC' && o.tif !== 'POST_ONLY')) {
      throw new Error(`recovery: open order ${o.orderId} is ${o.orderType} ${o.tif}, which never rests`);
    }
    engine.restoreOrder({ ...o, orderType: 'LIMIT', tif: o.tif });
  }
  engine.nextTradeId = recovered.meta.lastTradeId + 1;
  const violations = checkInvariants(engine);
  if (violations.length > 0) throw new Error(`recovered state breaks invariants: ${violations.slice(0, 5).join('; ')}`);
  const settlement = new Settlement(recovered);
  const symbolIds = init.market.symbols.map((s) => s.id);
  const candles = await catchUpCandles(store, symbolIds, await newestCandles(store, symbolIds), recovered.meta);
  settlement.restoreCandles(candles.newest);
  // The market epoch: kept after a clean stop, the next one after a crash or a takeover (market-seq.ts).
  const persisted = await store.marketSeqState();
  const seqs = new MarketSeqs(symbolIds, persisted.seqs, startEpoch(persisted, init.fence !== undefined));
  await store.setMarketEpoch(seqs.epoch, true, init.fence);
  const pruner = new Pruner(store, init.eventRetentionMs, init.pruneIntervalMs, (r) => post({ kind: 'pruned', ...r }));
  const worker = new EngineWorker(init, t, engine, settlement, store, recovered.lastTs, pruner, seqs);
  t.onRequests((group, sentAt) => worker.receive(group, sentAt ?? 0));
  const books = [];
  for (const s of engine.symbols) {
    if (s === undefined) continue;
    const { depthSeq, tradeSeq } = seqs.get(s.cfg.id);
    books.push({
      symbolId: s.cfg.id,
      bids: s.book.bids.depth(Infinity),
      asks: s.book.asks.depth(Infinity),
      depthSeq,
      tradeSeq,
    });
  }
  post({ kind: 'snapshot', marketEpoch: seqs.epoch, books });
  post({ kind: 'ready', recoveredOrders: recovered.openOrders.length, lastOrderId: recovered.meta.lastOrderId });
  pruner.start();
  worker.startClock();
}
