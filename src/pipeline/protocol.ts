// Messages between the gateway (main thread) and the engine worker (core +
// settlement + the writing store). Ints may be bigints: structured clone keeps them.

import type { Int } from '../core/int64.js';
import type { OrderType, ResultCode, Side, TimeInForce } from '../core/types.js';
import type { EventChunk } from '../adapters/store/store.js';
import type { RateLimits } from '../rate-limit.js';
import type { MarketSeqRow } from './market-seq.js';

export type { MarketSeqRow };

/** Gateway to worker: each message is an array of requests, in submission order. */
export type EngineRequest =
  | {
      readonly kind: 'place';
      readonly reqId: number;
      readonly userId: number;
      readonly symbolId: number;
      readonly side: Side;
      readonly orderType: OrderType;
      readonly tif: TimeInForce;
      readonly price: Int;
      readonly qty: Int;
      readonly quoteQty: Int;
      readonly cid: string | null;
      /** When the gateway charged the user's order bucket (wall clock ms): the engine's bucket is charged then too. */
      readonly at: number;
    }
  | {
      readonly kind: 'cancel';
      readonly reqId: number;
      readonly userId: number;
      readonly orderId: number | null;
      readonly cid: string | null;
      /** When the gateway charged the user's cancel bucket (wall clock ms). */
      readonly at: number;
    }
  | {
      readonly kind: 'deposit' | 'withdraw';
      readonly reqId: number;
      readonly userId: number;
      readonly assetId: number;
      readonly amount: Int;
    }
  | { readonly kind: 'shutdown'; readonly reqId: number };

/**
 * The core's verdict, or RATE_LIMITED: the engine's per-user bucket (user-rate-limits.ts) refused the command, which
 * was then not applied at all (no order id taken, no event).
 */
export type AckCode = ResultCode | 'RATE_LIMITED';

/** Answer to a command, sent only after the batch holding it has committed. */
export interface Ack {
  readonly kind: 'ack';
  readonly reqId: number;
  readonly code: AckCode;
  /** RATE_LIMITED only: which per-user limit refused it, and its rate (per second, burst the same). */
  readonly limited?: { readonly cls: 'order' | 'cancel'; readonly perSec: number };
  /** The id the sequencer gave a placed order, or the id of the order a cancel canceled. */
  readonly orderId: number | null;
  /** For a cancel: whether an open order was actually canceled. */
  readonly canceled: boolean;
  readonly ts: number;
}

export interface PublicTrade {
  readonly tradeId: number;
  readonly symbolId: number;
  readonly price: Int;
  readonly qty: Int;
  /** cost(price, qty) in quote units, as settled (candles sum it). */
  readonly quoteQty: Int;
  readonly takerSide: Side;
  readonly ts: number;
}

/**
 * The engine's clock passed `ts` (sent just after each whole second): every trade stamped at or before `ts` has
 * already been sent (same port, in order), so candles that end before it are complete and can be closed.
 */
export interface ClockMessage {
  readonly kind: 'clock';
  readonly ts: number;
}

export interface DepthChange {
  readonly symbolId: number;
  readonly side: Side;
  readonly price: Int;
  /** New level total; 0 removes the level. */
  readonly qty: Int;
}

/** Public market data of one drain, sent right after matching (before the commit). */
export interface MarketMessage {
  readonly kind: 'market';
  readonly trades: readonly PublicTrade[];
  readonly depth: readonly DepthChange[];
  /** The engine's market epoch (market-seq.ts). */
  readonly marketEpoch: number;
  /** The seqs of each symbol the drain touched, after it (its trades are numbered up to tradeSeq, in order). */
  readonly seqs: readonly MarketSeqRow[];
}

/** Full books (at start-up, or asked for by a cluster gateway), so the gateway's mirror starts exact. */
export interface SnapshotMessage {
  readonly kind: 'snapshot';
  readonly marketEpoch: number;
  readonly books: ReadonlyArray<{
    readonly symbolId: number;
    readonly bids: ReadonlyArray<readonly [Int, Int]>;
    readonly asks: ReadonlyArray<readonly [Int, Int]>;
    /** The symbol's seqs as of these books. */
    readonly depthSeq: number;
    readonly tradeSeq: number;
  }>;
}

/** A batch is durable: its private events (one event-log row per user) and the answers to its commands. */
export interface CommittedMessage {
  readonly kind: 'committed';
  readonly acks: readonly Ack[];
  readonly events: readonly EventChunk[];
  readonly commitMs: number;
  /** From the end of the transaction until the disk sync that covers it returned (0 where commits are durable). */
  readonly syncMs: number;
  /** Wall clock (ms) right after the commit, for the commit-to-send latency. */
  readonly committedAt: number;
  /** When the batch passed each stage on the engine's side (absent where the transport does not measure it). */
  readonly stages?: BatchStages;
}

/**
 * Where a batch's time went, for the per-stage latency metric (fillstream_order_stage_seconds): instants in ms on
 * a clock the threads of one process share (stageClock()), taken for the batch's oldest command.
 */
export interface BatchStages {
  /** The gateway handed the oldest command's group to the engine (0: not known, e.g. over NATS). */
  readonly sentAt: number;
  /** The engine received that group. */
  readonly receivedAt: number;
  /** The batch's last command was matched. */
  readonly matchedAt: number;
  /** The batch's transaction began (after the previous batch's disk sync returned). */
  readonly commitAt: number;
  /** The transaction ended. */
  readonly committedAt: number;
  /** The disk sync covering it returned and the batch was posted back. */
  readonly syncedAt: number;
}

/** What the engine host posts to the worker thread: the commands of one loop turn, and when they left. */
export interface RequestGroup {
  readonly group: readonly EngineRequest[];
  /** stageClock() when posted. */
  readonly sentAt: number;
}

/** A sub-millisecond clock shared by the threads of one process (each thread's timeOrigin is wall-clock based). */
export function stageClock(): number {
  return performance.timeOrigin + performance.now();
}

export type EngineMessage =
  | MarketMessage
  | ClockMessage
  | SnapshotMessage
  | CommittedMessage
  | { readonly kind: 'ready'; readonly recoveredOrders: number; readonly lastOrderId: number }
  | { readonly kind: 'storage'; readonly ok: boolean; readonly error: string | null }
  /** A pass of event retention deleted events, or failed (it is retried at the next interval). */
  | { readonly kind: 'pruned'; readonly events: number; readonly ms: number; readonly error: string | null }
  | { readonly kind: 'stopped'; readonly reqId: number }
  | { readonly kind: 'fatal'; readonly error: string };

export interface WorkerInit {
  readonly databaseUrl: string;
  readonly market: {
    readonly assets: readonly import('../core/types.js').AssetConfig[];
    readonly symbols: readonly import('../core/types.js').SymbolConfig[];
    readonly feeAccountId: number;
  };
  /** Largest number of commands folded into one transaction. */
  readonly maxBatch: number;
  /** Private events older than this are pruned (config eventRetentionSeconds), every pruneIntervalMs. */
  readonly eventRetentionMs: number;
  readonly pruneIntervalMs: number;
  /** The per-user limits (config rateLimits); the engine enforces the order and cancel ones for every gateway. */
  readonly rateLimits: RateLimits;
  /** A cluster engine's leadership: its start is a takeover (a new market epoch) and its market-epoch writes are fenced. */
  readonly fence?: { readonly name: string; readonly epoch: number };
}
