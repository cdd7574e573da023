// The engine port: what the HTTP routes, the WebSocket server and the market-data mirror need from the engine,
// whatever carries the commands. Two transports implement it: EngineHost (the worker thread of `serve`,
// engine-host.ts) and NatsEngineClient (a gateway of the cluster, src/cluster/nats-engine-client.ts). The shared
// suite test/pipeline/engine-port-suite.ts runs against both.

import type { EventEmitter } from 'node:events';
import type { Ack, CommittedMessage, EngineRequest, MarketMessage, SnapshotMessage } from './protocol.js';

/** A command as the gateway submits it (the transport numbers it). */
type Unsent<T> = T extends unknown ? Omit<T, 'reqId'> : never;
export type EngineCommand = Unsent<Exclude<EngineRequest, { kind: 'shutdown' }>>;

export class QueueFullError extends Error {
  constructor() {
    super('engine queue is full');
  }
}

/** The engine cannot take or answer the command (stopped, starting, broker or database lost, command expired). */
export class EngineUnavailableError extends Error {}

/**
 * A cluster command that got no answer in time and that the command log now records as expired: it was not applied
 * and no engine will apply it later (5002). src/cluster/settle.ts.
 */
export class CommandNotAppliedError extends Error {
  constructor() {
    super('the command was not applied');
    this.name = 'CommandNotAppliedError';
  }
}

/**
 * A cluster command that got no answer in time and whose outcome the gateway could not settle (the command log
 * could not be read): it may or may not have been applied (5001 saying so).
 */
export class CommandOutcomeUnknownError extends EngineUnavailableError {
  constructor(reason: string) {
    super(`outcome unknown: ${reason}`);
    this.name = 'CommandOutcomeUnknownError';
  }
}

/** Which engine process leads a cluster, as a gateway last heard it (src/cluster/leader-watch.ts). */
export interface EngineLeader {
  readonly node: string;
  /** Its leadership epoch: a later leader's is larger. */
  readonly epoch: number;
  /** When it took the lead (ms, its clock). */
  readonly since: number;
  /** When this gateway last heard it (ms). */
  readonly heardAt: number;
}

/** The engines' leadership as one gateway sees it. */
export interface EngineLeadership {
  /** The last leader heard (null: none yet). */
  readonly leader: EngineLeader | null;
  /** Why no leader counts as present (none heard yet, or silent past the bound), else null. */
  readonly problem: string | null;
}

export interface EnginePortEvents {
  /** Public market data, right after matching. */
  market: [MarketMessage];
  /** The engine's clock passed this time (ms): candles ending before it are complete. */
  clock: [number];
  /** Full books: at start, and whenever a mirror must start over (a transport saw a gap in market data). */
  snapshot: [SnapshotMessage];
  /** A committed batch: its private events (push them) and the answers to its commands. */
  committed: [CommittedMessage];
  storage: [{ ok: boolean; error: string | null }];
  pruned: [{ events: number; ms: number; error: string | null }];
  fatal: [string];
  /**
   * Committed batches may have been missed (a transport saw a batch seq jump or reconnected): whoever pushes
   * private events must fill each connection's gap from the event log before going on.
   */
  gap: [];
  /** A cluster gateway heard a leader for the first time (changed: false) or a new one (changed: true). */
  leader: [{ readonly leader: EngineLeader; readonly changed: boolean }];
  /**
   * A cluster gateway's command got no answer in time and was settled (src/cluster/settle.ts): the log's answer
   * (answered), 5002 not placed (not_applied), or 5001 outcome unknown (unknown).
   */
  settled: [SettleOutcome];
}

export type SettleOutcome = 'answered' | 'not_applied' | 'unknown';

export interface EnginePort extends EventEmitter<EnginePortEvents> {
  /** Recovery is done and commands are taken. */
  readonly ready: boolean;
  readonly storageOk: boolean;
  /** Why it is not ready, for /readyz (undefined or null: no more to say than "engine not ready"). */
  readonly unavailable?: string | null;
  /** Who leads the engines (cluster gateways); undefined: the engine is in this process (serve). */
  readonly leadership?: EngineLeadership;
  /** Commands submitted and not answered yet. */
  readonly inFlight: number;
  /** The books as of start (or the latest re-snapshot). */
  readonly snapshot: SnapshotMessage | null;
  readonly recoveredOrders: number;
  /** Resolves with the command's answer once the batch holding it has committed. */
  submit(cmd: EngineCommand): Promise<Ack>;
  /** Stops taking commands, lets those already taken finish, then releases the transport. */
  stop(): Promise<void>;
}
