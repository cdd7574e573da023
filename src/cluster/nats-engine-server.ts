// The `engine` role's transport: runs the engine (pipeline/engine-runner.ts) with commands from the JetStream
// command stream and publishes what it commits to NATS.
//
// - In order, at most once: an ordered consumer reads the stream from just after the last stream seq a committed
//   batch recorded (cluster_consumers, written in the batch's own transaction with each command's answer in
//   cluster_command_results). A command id seen before (in flight here, answered in this process, or recorded in
//   PostgreSQL) is never applied again: it gets its original answer. A command past its deadline is never
//   applied: it is answered "expired"; and a batch holding one whose deadline plus the margin has passed by the
//   database's clock, or one a gateway already settled as expired, rolls back (LateBatchError) and the engine stops
//   (src/cluster/settle.ts: a gateway without an answer settles the command against the log).
// - After commit: each committed batch (private events and answers) goes out on the committed subject with the
//   engine's epoch, a batch seq and when it passed each stage here (its commit instant among them); market data with a market seq (and the clock tick says the last one sent);
//   gateways detect gaps from those. Market data also carries the public market-data epoch and per-symbol seqs
//   the engine runner gave it (pipeline/market-seq.ts); a cluster engine's start always begins a new market epoch
//   (a takeover), and only the current leader marks the market stopped (fenced).
// - The engine keeps a mirror of its own books (from its market data) to answer snapshot requests.
// - It names itself on the leader subject (node, leadership epoch, since when): once a second while it recovers,
//   then with each clock tick, so gateways know who leads and notice when nobody does.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { type ConsumerMessages, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { consumedSeq, ensureCommandLog, recordedAnswers } from '../adapters/store/command-log-sql.js';
import type { CommandLog } from '../adapters/store/store.js';
import { type EngineTransport, runEngine } from '../pipeline/engine-runner.js';
import { MarketData } from '../pipeline/market-data.js';
import type { Ack, EngineMessage, EngineRequest, WorkerInit } from '../pipeline/protocol.js';
import { ensureCommandStream } from './command-stream.js';
import {
  type Answer,
  type ClusterNames,
  type CommandEnvelope,
  type ClockEnvelope,
  type CommittedEnvelope,
  type LeaderEnvelope,
  type MarketEnvelope,
  type SnapshotEnvelope,
  decode,
  encode,
} from './wire.js';

/** Answers remembered in memory (beyond: PostgreSQL answers). */
const RECENT_ANSWERS = 100_000;
/** A pull request's lifetime (also the client's retry delay when re-creating the consumer after a reconnect). */
const CONSUME_EXPIRES_MS = 2_000;

export interface EngineServerOptions {
  readonly nc: NatsConnection;
  readonly names: ClusterNames;
  /** For the command log's reads (cursor, recorded answers); the engine's store writes through its own pool. */
  readonly pool: pg.Pool;
  readonly init: WorkerInit;
  readonly duplicateWindowMs: number;
  /** Past a command's deadline plus this, by the database's clock, no batch holding it commits (config cluster.*). */
  readonly deadlineMarginMs?: number;
  /** The leadership this engine commits under (cluster_leader row, checked in every batch); none: unfenced. */
  readonly fence?: { readonly name: string; readonly epoch: number };
  /** Who this engine is, as it announces itself to the gateways (its epoch is the fence's when fenced). */
  readonly leader: LeaderEnvelope;
  readonly log: {
    info(o: object, m: string): void;
    warn(o: object, m: string): void;
    error(o: object, m: string): void;
  };
  readonly now?: () => number;
}

export interface EngineServerEvents {
  fatal: [string];
  storage: [{ ok: boolean; error: string | null }];
}

export class NatsEngineServer extends EventEmitter<EngineServerEvents> {
  /** Changes at every start: gateways see a new sequence of batches and market messages. */
  readonly epoch = randomBytes(6).toString('hex');
  private batchSeq = 0;
  private marketSeq = 0;
  private nextReqId = 1;
  private readonly byReq = new Map<number, { id: string; seq: number; deadline: number }>();
  /** Command ids taken and not committed yet, with repeats waiting for the same answer. */
  private readonly inFlight = new Map<string, number>();
  private readonly waiting = new Map<string, number>();
  private readonly recent = new Map<string, string>();
  private receive: ((group: readonly EngineRequest[]) => void) | null = null;
  private readonly mirror: MarketData;
  private messages: ConsumerMessages | null = null;
  private snapshotSub: Subscription | null = null;
  private arrivals: JsMsg[] = [];
  private processing: Promise<void> = Promise.resolve();
  private readonly ready: Promise<number>;
  private readyWait!: { resolve: (orders: number) => void; reject: (e: Error) => void };
  private stopped: { promise: Promise<void>; resolve: () => void };
  private stopping = false;
  private failed = false;
  private readonly now: () => number;
  recoveredOrders = 0;

  private constructor(private readonly o: EngineServerOptions) {
    super();
    this.now = o.now ?? Date.now;
    this.mirror = new MarketData(o.init.market.symbols.map((s) => s.id));
    this.ready = new Promise<number>((resolve, reject) => (this.readyWait = { resolve, reject }));
    let resolveStopped!: () => void;
    this.stopped = { promise: new Promise<void>((r) => (resolveStopped = r)), resolve: () => resolveStopped() };
  }

  /** The public market-data epoch this engine runs under (pipeline/market-seq.ts; set once it recovered). */
  get marketEpoch(): number {
    return this.mirror.epoch;
  }

  /** Recovers the engine, then consumes commands from just after the last committed one. */
  static async start(o: EngineServerOptions): Promise<NatsEngineServer> {
    const s = new NatsEngineServer(o);
    // Leading from here on: say so while recovering too (the engine's clock ticks take over once it runs).
    s.announce();
    const recovering = setInterval(() => s.announce(), 1000);
    try {
      await ensureCommandStream(await jetstreamManager(o.nc), o.names, o.duplicateWindowMs);
      await ensureCommandLog(o.pool);
      runEngine(o.fence === undefined ? o.init : { ...o.init, fence: o.fence }, s.transport()).catch((e: unknown) =>
        s.onEngine({ kind: 'fatal', error: String(e) }),
      );
      s.recoveredOrders = await s.ready;
    } finally {
      clearInterval(recovering);
    }
    s.snapshotSub = o.nc.subscribe(o.names.snapshotSubject, {
      callback: (err, msg) => {
        if (err === null) msg.respond(encode(s.snapshotEnvelope()));
      },
    });
    const from = (await consumedSeq(o.pool, o.names.commandStream)) + 1;
    const consumer = await jetstream(o.nc).consumers.get(o.names.commandStream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    // Pull requests expire after 2 s (not the client's 30 s): after a broker restart the client re-creates the
    // ordered consumer, and when JetStream was not answering yet it retries after one `expires`, so commands flow
    // again within seconds of the broker's return instead of half a minute.
    s.messages = await consumer.consume({ expires: CONSUME_EXPIRES_MS });
    void s.pump(s.messages);
    o.log.info({ epoch: s.epoch, from, stream: o.names.commandStream }, 'engine consuming commands');
    return s;
  }

  private transport(): EngineTransport {
    return {
      post: (m) => this.onEngine(m),
      onRequests: (receive) => (this.receive = receive),
      close: () => undefined,
      commandLog: (acks) => this.commandLog(acks),
    };
  }

  private async pump(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        if (this.arrivals.push(m) === 1) setImmediate(() => this.takeArrivals());
      }
    } catch (e) {
      if (!this.stopping) this.emit('fatal', `command stream: ${(e as Error).message}`);
    }
  }

  /** One group per loop turn; groups are handled strictly one after the other (stream order). */
  private takeArrivals(): void {
    const group = this.arrivals;
    this.arrivals = [];
    this.processing = this.processing
      .then(() => this.handle(group))
      .catch((e: unknown) => {
        // Going on would skip commands (or apply them out of order): stop instead; a restart resumes at the cursor.
        this.emit('fatal', `taking commands failed: ${e instanceof Error ? e.message : String(e)}`);
      });
  }

  private async handle(group: readonly JsMsg[]): Promise<void> {
    const envs: Array<{ env: CommandEnvelope; seq: number }> = [];
    for (const m of group) {
      try {
        envs.push({ env: decode<CommandEnvelope>(m.data), seq: m.seq });
      } catch (e) {
        this.o.log.warn({ seq: m.seq, err: (e as Error).message }, 'unreadable command skipped');
      }
    }
    const unknown = envs.map((e) => e.env.id).filter((id) => !this.recent.has(id) && !this.inFlight.has(id));
    const recorded = await this.lookup(unknown);
    const requests: EngineRequest[] = [];
    const now = this.now();
    for (const { env, seq } of envs) {
      const known = this.recent.get(env.id) ?? recorded.get(env.id);
      if (known !== undefined) {
        this.publishAnswers([JSON.parse(known) as Answer]);
      } else if (this.inFlight.has(env.id)) {
        this.waiting.set(env.id, (this.waiting.get(env.id) ?? 0) + 1);
      } else if (this.stopping || this.failed) {
        // Not taken, not answered: the next engine start reads it again from the stream (the cursor is before it).
        continue;
      } else if (now > env.deadline) {
        const answer: Answer = { id: env.id, expired: true };
        this.remember(env.id, JSON.stringify(answer));
        this.publishAnswers([answer]);
      } else {
        const reqId = this.nextReqId++;
        this.byReq.set(reqId, { id: env.id, seq, deadline: env.deadline });
        this.inFlight.set(env.id, reqId);
        requests.push({ ...env.cmd, reqId } as EngineRequest);
      }
    }
    if (requests.length > 0) this.receive?.(requests);
  }

  /** Recorded answers; retried until PostgreSQL answers (applying without knowing could apply twice). */
  private async lookup(ids: readonly string[]): Promise<Map<string, string>> {
    let delay = 50;
    for (;;) {
      try {
        return await recordedAnswers(this.o.pool, ids);
      } catch (e) {
        this.o.log.error({ err: (e as Error).message }, 'command log lookup failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  private remember(id: string, answer: string): void {
    this.recent.set(id, answer);
    if (this.recent.size > RECENT_ANSWERS) this.recent.delete(this.recent.keys().next().value as string);
  }

  private answerOf(a: Ack): Answer | null {
    const taken = this.byReq.get(a.reqId);
    if (taken === undefined) return null;
    const { reqId: _r, ...ack } = a;
    return { id: taken.id, ack };
  }

  private commandLog(acks: readonly Ack[]): CommandLog | undefined {
    let consumed = 0;
    const results: Array<{ commandId: string; answer: string; ts: number; notAfter?: number }> = [];
    const margin = this.o.deadlineMarginMs;
    for (const a of acks) {
      const taken = this.byReq.get(a.reqId);
      const answer = this.answerOf(a);
      if (taken === undefined || answer === null) continue;
      consumed = Math.max(consumed, taken.seq);
      const r = { commandId: taken.id, answer: JSON.stringify(answer), ts: a.ts };
      results.push(margin === undefined ? r : { ...r, notAfter: taken.deadline + margin });
    }
    if (consumed === 0) return undefined;
    const log = { stream: this.o.names.commandStream, consumedSeq: consumed, results };
    return this.o.fence === undefined ? log : { ...log, fence: this.o.fence };
  }

  /** Names this engine as the leader (LeaderEnvelope on the leader subject). */
  private announce(): void {
    if (this.stopping) return;
    const { nodeId, epoch, since } = this.o.leader;
    const env: LeaderEnvelope = { nodeId, epoch, since };
    this.o.nc.publish(this.o.names.leaderSubject, encode(env));
  }

  private publishAnswers(answers: readonly Answer[]): void {
    if (answers.length > 0) this.o.nc.publish(this.o.names.answersSubject, encode(answers));
  }

  private onEngine(m: EngineMessage): void {
    switch (m.kind) {
      case 'market': {
        this.mirror.apply(m);
        const env: MarketEnvelope = {
          epoch: this.epoch,
          seq: ++this.marketSeq,
          trades: m.trades,
          depth: m.depth,
          marketEpoch: m.marketEpoch,
          seqs: m.seqs,
        };
        this.o.nc.publish(this.o.names.marketSubject, encode(env));
        break;
      }
      case 'snapshot':
        this.mirror.applySnapshot(m);
        break;
      case 'clock':
        this.o.nc.publish(
          this.o.names.clockSubject,
          encode({ ts: m.ts, epoch: this.epoch, seq: this.marketSeq } satisfies ClockEnvelope),
        );
        this.announce();
        break;
      case 'committed': {
        const answers: Answer[] = [];
        for (const a of m.acks) {
          const answer = this.answerOf(a);
          if (answer === null) continue;
          this.byReq.delete(a.reqId);
          this.inFlight.delete(answer.id);
          this.remember(answer.id, JSON.stringify(answer));
          answers.push(answer);
          // Repeats that arrived while it was in flight get the same answer.
          for (let n = this.waiting.get(answer.id) ?? 0; n > 0; n--) answers.push(answer);
          this.waiting.delete(answer.id);
        }
        const env: CommittedEnvelope = {
          epoch: this.epoch,
          batchSeq: ++this.batchSeq,
          answers,
          events: m.events,
          commitMs: m.commitMs,
          syncMs: m.syncMs,
          committedAt: m.committedAt,
          ...(m.stages === undefined ? {} : { stages: m.stages }),
        };
        this.o.nc.publish(this.o.names.committedSubject, encode(env));
        break;
      }
      case 'ready':
        this.readyWait.resolve(m.recoveredOrders);
        break;
      case 'storage':
        this.emit('storage', { ok: m.ok, error: m.error });
        break;
      case 'pruned':
        if (m.error !== null) this.o.log.warn({ error: m.error }, 'event retention: pruning failed; retried later');
        break;
      case 'fatal':
        // The engine stopped for good (a fenced or late batch, a failed flush): take no more commands.
        this.failed = true;
        this.readyWait.reject(new Error(m.error));
        if (this.listenerCount('fatal') > 0) this.emit('fatal', m.error);
        this.stopped.resolve();
        break;
      case 'stopped':
        this.stopped.resolve();
        break;
    }
  }

  private snapshotEnvelope(): SnapshotEnvelope {
    const books = this.o.init.market.symbols.map((s) => {
      const sym = this.mirror.get(s.id);
      return {
        symbolId: s.id,
        bids: sym === undefined ? [] : [...sym.book('BUY').entries()],
        asks: sym === undefined ? [] : [...sym.book('SELL').entries()],
        depthSeq: sym?.seq ?? 0,
        tradeSeq: sym?.tradeSeq ?? 0,
      };
    });
    return { epoch: this.epoch, seq: this.marketSeq, marketEpoch: this.mirror.epoch, books };
  }

  /** Stops consuming, lets every taken command commit and publish, then stops the engine. */
  async stop(): Promise<void> {
    if (this.stopping) return this.stopped.promise;
    this.stopping = true;
    await this.messages?.close();
    this.takeArrivals();
    await this.processing;
    this.receive?.([{ kind: 'shutdown', reqId: 0 }]);
    await this.stopped.promise;
    this.snapshotSub?.unsubscribe();
    await this.o.nc.flush();
  }
}
