// Settlement: folds the core's results of a drain into ONE SettlementBatch
// (latest order states, trades, latest balances, and the private events with
// their per-user gap-free seq, as one event-log row per user: event-codec.ts),
// and the candles its trades touched (candles.ts: the current candle of every
// symbol and interval is kept here, restored at start from the store).
// Pure bookkeeping; the worker commits the batch.

import type { Int } from '../core/int64.js';
import type { BalanceEvent, CommandResult, CoreEvent, OrderEvent, TradeEvent } from '../core/types.js';
import type { Command } from '../core/types.js';
import { encodeCommand } from './journal.js';
import { encodeBalance, encodeOrder, encodeTrade } from './event-codec.js';
import { KLINE_INTERVAL_MS, foldTrade } from './candles.js';
import type {
  EventChunk,
  JournalEntry,
  Kline,
  RecoveredState,
  SettlementBatch,
  StoredBalance,
  StoredOrder,
  StoredTrade,
} from '../adapters/store/store.js';

/** The events of one user in the current batch. */
interface OpenChunk {
  readonly userId: number;
  readonly firstSeq: number;
  lastSeq: number;
  ts: number;
  readonly lines: string[];
}

/** A symbol's row of per-interval slots in `m` (created empty on first use). */
function perInterval(m: Map<number, Array<Kline | undefined>>, symbolId: number): Array<Kline | undefined> {
  let row = m.get(symbolId);
  if (row === undefined)
    m.set(symbolId, (row = new Array<Kline | undefined>(KLINE_INTERVAL_MS.length).fill(undefined)));
  return row;
}

const ENDED = new Set(['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);

export class Settlement {
  private readonly lastSeq = new Map<number, number>();
  /** Creation time of orders still open (an order's row keeps it across upserts). */
  private readonly createdAt = new Map<number, number>();
  private orders = new Map<number, StoredOrder>();
  private trades: StoredTrade[] = [];
  private balances = new Map<string, StoredBalance>();
  private chunks = new Map<number, OpenChunk>();
  private journal: JournalEntry[] = [];
  /**
   * The newest candle per symbol and interval (by symbol id, then the interval's index in KLINE_INTERVAL_MS), the
   * ones changed since the last take (same shape), and changed ones a newer candle replaced within the batch.
   */
  private readonly candles = new Map<number, Array<Kline | undefined>>();
  private dirtyCandles = new Map<number, Array<Kline | undefined>>();
  private endedCandles: Kline[] = [];
  private lastJournalSeq: number;
  lastOrderId: number;
  lastTradeId: number;

  /** `candles: false` leaves candles out (bench:klines measures what folding them costs). */
  constructor(
    recovered: RecoveredState,
    private readonly opts: { readonly candles?: boolean } = {},
  ) {
    for (const [u, s] of recovered.lastSeqByUser) this.lastSeq.set(u, s);
    for (const o of recovered.openOrders) this.createdAt.set(o.orderId, o.createdAt);
    this.lastOrderId = recovered.meta.lastOrderId;
    this.lastTradeId = recovered.meta.lastTradeId;
    this.lastJournalSeq = recovered.lastJournalSeq;
  }

  /** The newest stored candles (one per symbol and interval), before any trade is added. */
  restoreCandles(klines: readonly Kline[]): void {
    for (const k of klines) {
      const i = KLINE_INTERVAL_MS.indexOf(k.intervalMs);
      if (i < 0) continue;
      const row = perInterval(this.candles, k.symbolId);
      const cur = row[i];
      if (cur === undefined || cur.openTime < k.openTime) row[i] = k;
    }
  }

  /** The newest candle of a symbol and interval (undefined before its first trade). */
  candle(symbolId: number, intervalMs: number): Kline | undefined {
    return this.candles.get(symbolId)?.[KLINE_INTERVAL_MS.indexOf(intervalMs)];
  }

  private push(userId: number, ts: number, line: string): void {
    const seq = (this.lastSeq.get(userId) ?? 0) + 1;
    this.lastSeq.set(userId, seq);
    const c = this.chunks.get(userId);
    if (c === undefined) this.chunks.set(userId, { userId, firstSeq: seq, lastSeq: seq, ts, lines: [line] });
    else {
      c.lastSeq = seq;
      c.ts = ts;
      c.lines.push(line);
    }
  }

  /** Adds one command (to the journal) and its events, in the core's order (each materialised as it is read). */
  add(
    cmd: Command,
    result: { readonly code: CommandResult['code']; readonly events: Iterable<CoreEvent> },
    ts: number,
  ): void {
    this.journal.push({ seq: ++this.lastJournalSeq, ts, command: encodeCommand(cmd) });
    for (const e of result.events) {
      switch (e.kind) {
        case 'order':
          this.order(e);
          this.push(e.userId, ts, encodeOrder(e));
          break;
        case 'trade':
          this.trade(e);
          this.push(e.makerUserId, ts, encodeTrade(e, 'MAKER'));
          this.push(e.takerUserId, ts, encodeTrade(e, 'TAKER'));
          break;
        case 'balance':
          this.balance(e);
          this.push(e.userId, ts, encodeBalance(e));
          break;
        case 'depth':
          break;
      }
    }
  }

  private order(e: OrderEvent): void {
    let created = this.createdAt.get(e.orderId);
    if (created === undefined) {
      created = e.ts;
      this.createdAt.set(e.orderId, created);
    }
    if (ENDED.has(e.status)) this.createdAt.delete(e.orderId);
    if (e.orderId > this.lastOrderId) this.lastOrderId = e.orderId;
    this.orders.set(e.orderId, {
      orderId: e.orderId,
      userId: e.userId,
      symbolId: e.symbolId,
      side: e.side,
      orderType: e.orderType,
      tif: e.tif,
      price: e.price,
      qty: e.qty,
      quoteQty: e.quoteQty,
      cid: e.cid,
      status: e.status,
      filledQty: e.filledQty,
      filledQuote: e.filledQuote,
      filledNotional: e.filledNotional,
      lock: e.lock,
      rejectReason: e.rejectReason,
      createdAt: created,
      updatedAt: e.ts,
    });
  }

  private trade(e: TradeEvent): void {
    if (e.tradeId > this.lastTradeId) this.lastTradeId = e.tradeId;
    if (this.opts.candles !== false) this.foldCandles(e);
    this.trades.push({
      tradeId: e.tradeId,
      symbolId: e.symbolId,
      price: e.price,
      qty: e.qty,
      quoteQty: e.quoteQty,
      takerSide: e.takerSide,
      makerOrderId: e.makerOrderId,
      makerUserId: e.makerUserId,
      takerOrderId: e.takerOrderId,
      takerUserId: e.takerUserId,
      makerFee: e.makerFee,
      takerFee: e.takerFee,
      ts: e.ts,
    });
  }

  private foldCandles(e: TradeEvent): void {
    const cur = perInterval(this.candles, e.symbolId);
    const dirty = perInterval(this.dirtyCandles, e.symbolId);
    for (let i = 0; i < KLINE_INTERVAL_MS.length; i++) {
      const prev = cur[i];
      const k = foldTrade(prev, e, KLINE_INTERVAL_MS[i] as number);
      if (k === prev) continue;
      // A new candle: the one it replaces, if this batch changed it, is written with the batch too.
      if (prev !== undefined && dirty[i] === prev && prev.openTime !== k.openTime) this.endedCandles.push(prev);
      cur[i] = k;
      dirty[i] = k;
    }
  }

  private balance(e: BalanceEvent): void {
    const avail: Int = e.avail;
    this.balances.set(`${e.userId}:${e.assetId}`, { userId: e.userId, assetId: e.assetId, avail, frozen: e.frozen });
  }

  /** The sequencer's next order id (ids are never reused: the counter is persisted with each batch). */
  nextOrderId(): number {
    return ++this.lastOrderId;
  }

  private takeCandles(): Kline[] {
    const out = this.endedCandles;
    for (const row of this.dirtyCandles.values()) for (const k of row) if (k !== undefined) out.push(k);
    this.endedCandles = [];
    this.dirtyCandles = new Map();
    return out;
  }

  /** Hands over everything added since the last take, as one batch. */
  take(): SettlementBatch {
    const events: EventChunk[] = [];
    for (const c of this.chunks.values()) {
      events.push({ userId: c.userId, firstSeq: c.firstSeq, lastSeq: c.lastSeq, ts: c.ts, body: c.lines.join('\n') });
    }
    const batch: SettlementBatch = {
      orders: [...this.orders.values()],
      trades: this.trades,
      balances: [...this.balances.values()],
      events,
      meta: { lastOrderId: this.lastOrderId, lastTradeId: this.lastTradeId },
      journal: this.journal,
      klines: this.takeCandles(),
    };
    this.journal = [];

    this.orders = new Map();
    this.trades = [];
    this.balances = new Map();
    this.chunks = new Map();
    return batch;
  }
}
