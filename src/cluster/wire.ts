// What crosses NATS between gateways and the engine: subject and stream names under one prefix, and the JSON
// encoding of every message (exact integers: a bigint travels as {"$int":"<decimal>"}, never as a float).

import type { Ack, BatchStages, CommittedMessage, MarketMessage, SnapshotMessage } from '../pipeline/protocol.js';
import type { EngineCommand } from '../pipeline/engine-port.js';
import type { EventChunk } from '../adapters/store/store.js';

/** A prefix keeps clusters (and tests) sharing one NATS server apart. */
export const CLUSTER_PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

export interface ClusterNames {
  /** JetStream stream holding the commands, and its one subject. */
  readonly commandStream: string;
  readonly commandSubject: string;
  /** Core NATS: committed batches (private events + answers), after the engine's transaction. */
  readonly committedSubject: string;
  /** Core NATS: answers that belong to no new batch (repeated command ids, expired commands). */
  readonly answersSubject: string;
  /** Core NATS: public market data, right after matching. */
  readonly marketSubject: string;
  /** Request/reply: the engine's current books with the market seq they are at. */
  readonly snapshotSubject: string;
  /** Core NATS: the engine's clock (ms), just after each whole second, so gateways close candles on time. */
  readonly clockSubject: string;
  /** Core NATS: a gateway persisted a revocation; the others reload theirs from PostgreSQL (a wake-up only). */
  readonly revokedSubject: string;
  /** Core NATS: the leading engine names itself (LeaderEnvelope) when it takes over and on each clock tick. */
  readonly leaderSubject: string;
}

export function clusterNames(prefix: string): ClusterNames {
  if (!CLUSTER_PREFIX_PATTERN.test(prefix)) throw new Error(`cluster prefix ${JSON.stringify(prefix)} is invalid`);
  return {
    commandStream: `${prefix}_commands`,
    commandSubject: `${prefix}.commands`,
    committedSubject: `${prefix}.committed`,
    answersSubject: `${prefix}.answers`,
    marketSubject: `${prefix}.market`,
    snapshotSubject: `${prefix}.snapshot`,
    clockSubject: `${prefix}.clock`,
    revokedSubject: `${prefix}.revoked`,
    leaderSubject: `${prefix}.leader`,
  };
}

/** A command on the stream: its id (also the Nats-Msg-Id) and the time after which the engine must not apply it. */
export interface CommandEnvelope {
  readonly id: string;
  readonly deadline: number;
  readonly cmd: EngineCommand;
}

/** The answer to one command: its ack, or why the engine did not apply it. */
export type Answer =
  { readonly id: string; readonly ack: Omit<Ack, 'reqId'> } | { readonly id: string; readonly expired: true };

/** One committed batch. `epoch` changes when the engine restarts; batchSeq counts from 1 within it. */
export interface CommittedEnvelope {
  readonly epoch: string;
  readonly batchSeq: number;
  readonly answers: readonly Answer[];
  readonly events: readonly EventChunk[];
  readonly commitMs: number;
  readonly syncMs: number;
  readonly committedAt: number;
  /**
   * When the batch passed each stage in the engine (stageClock(): epoch ms with a sub-ms fraction, so comparable
   * across the processes of one machine); sentAt is 0 (the engine does not know when a gateway sent a command).
   */
  readonly stages?: BatchStages;
}

export interface MarketEnvelope {
  readonly epoch: string;
  /** Counts market messages from 1 within the epoch: a jump means one was missed. */
  readonly seq: number;
  readonly trades: MarketMessage['trades'];
  readonly depth: MarketMessage['depth'];
  /** The market-data epoch and per-symbol seqs the engine gave this drain (pipeline/market-seq.ts). */
  readonly marketEpoch: number;
  readonly seqs: MarketMessage['seqs'];
}

export interface SnapshotEnvelope {
  readonly epoch: string;
  /** The market seq the books are at: messages up to it are already in them. */
  readonly seq: number;
  readonly marketEpoch: number;
  /** Each book with its symbol's market-data seqs. */
  readonly books: SnapshotMessage['books'];
}

/** The engine's clock tick, with where its market messages are (a gateway that is behind missed some). */
export interface ClockEnvelope {
  readonly ts: number;
  readonly epoch: string;
  /** The seq of the last market message published before this tick. */
  readonly seq: number;
}

/** Who leads the engines: sent by the leader at the start of its leadership and with each clock tick. */
export interface LeaderEnvelope {
  /** The leading engine process (src/node/engine-node.ts names it: host, pid, random suffix). */
  readonly nodeId: string;
  /** Its leadership epoch (the lease's KV revision, also in cluster_leader): a later leader's is larger. */
  readonly epoch: number;
  /** When it took the lease (ms, its clock). */
  readonly since: number;
}

const NODE_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** Reads a leader announcement; null when it is not one (a gateway ignores it rather than trusting a bad one). */
export function parseLeaderEnvelope(v: unknown): LeaderEnvelope | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const { nodeId, epoch, since } = o;
  if (typeof nodeId !== 'string' || !NODE_ID_PATTERN.test(nodeId)) return null;
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) return null;
  if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0) return null;
  return { nodeId, epoch, since };
}

export type { CommittedMessage };

const replacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? { $int: v.toString() } : v);
const reviver = (_k: string, v: unknown): unknown => {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$int' && typeof o.$int === 'string' && /^-?[0-9]+$/.test(o.$int)) {
      return BigInt(o.$int);
    }
  }
  return v;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Most messages hold no bigint: JSON.stringify without the replacer (a call per value) throws on the first bigint,
 * and only then is the message written again with it. The output is the same either way.
 */
export function encode(v: unknown): Uint8Array {
  let text: string;
  try {
    text = JSON.stringify(v);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    text = JSON.stringify(v, replacer);
  }
  return encoder.encode(text);
}

/**
 * An {"$int":…} object needs the text `"$int"` (a quote inside a JSON string is escaped, so no string's content
 * holds it): without it, JSON.parse runs without the reviver (a call per value), with the same result.
 */
export function decode<T>(data: Uint8Array): T {
  const text = decoder.decode(data);
  return JSON.parse(text, text.includes('"$int"') ? reviver : undefined) as T;
}
