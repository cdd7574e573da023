// The engine port over NATS: what a cluster gateway uses instead of an engine worker thread.
//
// - submit: the command goes to the JetStream command stream (at the end of the loop turn, with the others
//   submitted during it) with its command id as Nats-Msg-Id and a deadline (now + commandTtlMs), republished
//   under the same id until JetStream acks it or the deadline passes (the duplicate window stores it once); it
//   resolves when the engine's answer arrives (in a committed batch, or on the answers subject for repeats),
//   whichever engine leads by then. No answer by deadline + margin (the engine said
//   "expired", or died mid-batch and the next leader did not answer in time): the command is settled against the
//   command log (settle.ts): the recorded answer, or 'expired' recorded and CommandNotAppliedError (5002); a log
//   that cannot be read: CommandOutcomeUnknownError (5001, outcome unknown).
// - committed batches: emitted in batch seq order; a seq jump, a new engine epoch or a reconnect emits 'gap'
//   first, so the push server fills every connection from the event log (PostgreSQL) before going on.
// - market data: the mirror starts from a snapshot asked of the engine (request/reply); a market seq jump, a new
//   epoch, or a clock tick saying the engine sent more than we got asks again (messages at or below the snapshot's
//   seq are already in it). Messages and snapshots carry the engine's public market-data epoch and per-symbol seqs.
// - ready only while connected, snapshotted and able to reach the database: a gateway that lost the broker or its
//   database link answers 5001 and says so in /readyz.
// - leadership: which engine leads, from its announcements on the leader subject (leader-watch.ts); /readyz and
//   /metrics show it, and /readyz says "no engine leader" when none was heard within the bound, counted in time
//   this process could run (run-clock.ts: a gateway loop held past the bound does not make the leader silent).

import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  type EngineCommand,
  type EngineLeadership,
  type EnginePort,
  type EnginePortEvents,
  CommandNotAppliedError,
  CommandOutcomeUnknownError,
  EngineUnavailableError,
  QueueFullError,
} from '../pipeline/engine-port.js';
import { type CommandSettler, SETTLE_TIMEOUT_MS } from './settle.js';
import type { Ack, SnapshotMessage } from '../pipeline/protocol.js';
import { ensureCommandStream } from './command-stream.js';
import { LeaderWatch } from './leader-watch.js';
import { RunClock } from './run-clock.js';
import {
  type Answer,
  type ClusterNames,
  type CommandEnvelope,
  type ClockEnvelope,
  type CommittedEnvelope,
  type MarketEnvelope,
  type SnapshotEnvelope,
  decode,
  encode,
  parseLeaderEnvelope,
} from './wire.js';

export interface EngineClientOptions {
  readonly nc: NatsConnection;
  readonly names: ClusterNames;
  /** Most commands waiting for an answer (then 5001 "queue full"). */
  readonly capacity: number;
  /** A command's deadline is this long after the gateway took it. */
  readonly commandTtlMs: number;
  /** No answer by deadline + this: the command is settled against the command log (config cluster.*). */
  readonly deadlineMarginMs: number;
  readonly duplicateWindowMs: number;
  /** No leader announcement for this long: "no engine leader" (config cluster.leaderTimeoutMs). */
  readonly leaderTimeoutMs: number;
  readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void };
  readonly now?: () => number;
  /** Why this gateway cannot reach the database (src/cluster/store-watch.ts), or null; not ready while set. */
  readonly storeProblem?: () => string | null;
  /** Settles a command that got no answer in time (settle.ts); none: such a command's outcome is unknown (5001). */
  readonly settler?: CommandSettler;
}

type Pending = { resolve: (a: Ack) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

const SNAPSHOT_RETRY_MS = 500;
/** How often the leader's silence clock is read (a held loop counts at most two ticks). */
const LEADER_TICK_MS = 100;
/** A publish JetStream did not ack is sent again (same Nats-Msg-Id) after this, until the command's deadline. */
const REPUBLISH_DELAY_MS = 200;
/** How long one publish waits for JetStream's ack (at most: the time left before the deadline). */
const PUBLISH_ACK_TIMEOUT_MS = 1_000;

export class NatsEngineClient extends EventEmitter<EnginePortEvents> implements EnginePort {
  /** Names this gateway's command ids (unique across gateways and restarts). */
  readonly gatewayId = randomBytes(6).toString('hex');
  private nextCommand = 1;
  private readonly js: JetStreamClient;
  private readonly pending = new Map<string, Pending>();
  /**
   * Commands submitted during this turn of the event loop: published together at its end, so their publishes leave
   * in one socket write (the client writes what was queued once per microtask checkpoint, i.e. once per request).
   */
  private outbox: CommandEnvelope[] = [];
  private readonly sendOutbox = (): void => {
    const envs = this.outbox;
    this.outbox = [];
    for (const env of envs) void this.publish(env);
  };
  private readonly subs: Subscription[] = [];
  private connected = true;
  private stopping = false;
  /** Set once stop() gave up on what was in flight: no more republishing. */
  private stopped = false;
  snapshot: SnapshotMessage | null = null;
  readonly recoveredOrders = 0;
  readonly storageOk = true;
  /** The last committed batch emitted (null: none yet, or a gap is being filled). */
  private batch: { epoch: string; seq: number } | null = null;
  /** Market position of the mirror; null while a snapshot is being fetched (messages queue in `held`). */
  private market: { epoch: string; seq: number } | null = null;
  private held: MarketEnvelope[] = [];
  private snapshotting = false;
  private readonly now: () => number;
  private readonly leaders: LeaderWatch;
  /** The leader's silence is judged in time this process could run (run-clock.ts), ticked every LEADER_TICK_MS. */
  private readonly running = new RunClock(2 * LEADER_TICK_MS);
  private readonly runningTick: NodeJS.Timeout;

  private constructor(private readonly o: EngineClientOptions) {
    super();
    this.js = jetstream(o.nc);
    this.now = o.now ?? Date.now;
    this.leaders = new LeaderWatch(o.leaderTimeoutMs);
    this.runningTick = setInterval(() => this.running.now(), LEADER_TICK_MS);
    this.runningTick.unref();
  }

  /** Subscribes and starts fetching the books; `ready` once the engine answered a snapshot. */
  static async start(o: EngineClientOptions): Promise<NatsEngineClient> {
    await ensureCommandStream(await jetstreamManager(o.nc), o.names, o.duplicateWindowMs);
    const c = new NatsEngineClient(o);
    const sub = (subject: string, on: (data: Uint8Array) => void) =>
      c.subs.push(
        o.nc.subscribe(subject, {
          callback: (err, m) => {
            if (err === null) on(m.data);
          },
        }),
      );
    sub(o.names.committedSubject, (d) => c.onCommitted(decode<CommittedEnvelope>(d)));
    sub(o.names.answersSubject, (d) => c.resolveAll(decode<Answer[]>(d)));
    sub(o.names.marketSubject, (d) => c.onMarket(decode<MarketEnvelope>(d)));
    sub(o.names.leaderSubject, (d) => c.onLeader(d));
    sub(o.names.clockSubject, (d) => c.onClock(decode<Partial<ClockEnvelope>>(d)));
    await o.nc.flush();
    void c.watchStatus();
    void c.resnapshot();
    return c;
  }

  get ready(): boolean {
    return (
      this.connected &&
      !this.stopping &&
      this.snapshot !== null &&
      this.market !== null &&
      (this.o.storeProblem?.() ?? null) === null
    );
  }

  get unavailable(): string | null {
    if (this.stopping) return 'gateway stopping';
    if (!this.connected) return 'broker (NATS) connection lost: orders refused until it is back';
    const storeProblem = this.o.storeProblem?.() ?? null;
    if (storeProblem !== null) return storeProblem;
    if (this.market === null) return 'waiting for the engine (books snapshot)';
    return null;
  }

  get leadership(): EngineLeadership {
    return this.leaders.state(this.running.now());
  }

  private onLeader(data: Uint8Array): void {
    let a;
    try {
      a = parseLeaderEnvelope(decode<unknown>(data));
    } catch {
      a = null;
    }
    if (a === null) {
      this.o.log.warn({}, 'unreadable leader announcement ignored');
      return;
    }
    const before = this.leaders.state(this.running.now()).leader;
    const heard = this.leaders.heard(a, this.running.now());
    if (heard !== 'first' && heard !== 'changed') return;
    const leader = this.leaders.state(this.running.now()).leader;
    if (leader === null) return;
    const to = { node: leader.node, epoch: leader.epoch };
    if (heard === 'changed') {
      this.o.log.warn({ from: before && { node: before.node, epoch: before.epoch }, to }, 'engine leader changed');
    } else {
      this.o.log.info(to, 'engine leader');
    }
    this.emit('leader', { leader, changed: heard === 'changed' });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  submit(cmd: EngineCommand): Promise<Ack> {
    if (!this.ready) return Promise.reject(new EngineUnavailableError('engine not available'));
    if (this.pending.size >= this.o.capacity) return Promise.reject(new QueueFullError());
    const env: CommandEnvelope = {
      id: `${this.gatewayId}-${(this.nextCommand++).toString(36)}`,
      deadline: this.now() + this.o.commandTtlMs,
      cmd,
    };
    return new Promise<Ack>((resolve, reject) => {
      // Past deadline + margin no engine commits it any more: then the command log says what became of it.
      const timer = setTimeout(() => void this.settle(env.id), env.deadline + this.o.deadlineMarginMs - this.now());
      this.pending.set(env.id, { resolve, reject, timer });
      if (this.outbox.push(env) === 1) setImmediate(this.sendOutbox);
    });
  }

  /** Publishes until JetStream acks (a lost ack or a broker hiccup: again, same msg id) or the deadline passes. */
  private async publish(env: CommandEnvelope): Promise<void> {
    const data = encode(env);
    for (let attempt = 0; ; attempt++) {
      const left = env.deadline - this.now();
      if (!this.pending.has(env.id) || left <= 0 || this.stopped) return;
      try {
        await this.js.publish(this.o.names.commandSubject, data, {
          msgID: env.id,
          timeout: Math.max(50, Math.min(PUBLISH_ACK_TIMEOUT_MS, left)),
        });
        return;
      } catch (e) {
        if (attempt === 0) this.o.log.warn({ id: env.id, err: (e as Error).message }, 'command publish: republishing');
        await new Promise((r) => setTimeout(r, REPUBLISH_DELAY_MS));
      }
    }
  }

  /** No answer by deadline + margin: the command log's answer, else 'expired' recorded (settle.ts). */
  private async settle(id: string): Promise<void> {
    const p = this.pending.get(id);
    if (p === undefined) return;
    const settler = this.o.settler;
    if (settler === undefined) {
      this.pending.delete(id);
      this.emit('settled', 'unknown');
      p.reject(new CommandOutcomeUnknownError('no answer from the engine in time'));
      return;
    }
    let answer: Answer;
    try {
      answer = JSON.parse(await settler.settle(id)) as Answer;
    } catch (e) {
      if (this.pending.delete(id)) {
        this.o.log.warn(
          { id, err: (e as Error).message },
          'command outcome unknown: the command log could not be read',
        );
        this.emit('settled', 'unknown');
        p.reject(new CommandOutcomeUnknownError(`no answer in time and the command log could not be read`));
      }
      return;
    }
    // An answer that arrived meanwhile over NATS already settled it (the same answer: the log holds one).
    if (!this.pending.delete(id)) return;
    this.emit('settled', 'expired' in answer ? 'not_applied' : 'answered');
    if ('expired' in answer) {
      this.o.log.warn({ id }, 'no answer in time: the command is settled as not applied (5002)');
      p.reject(new CommandNotAppliedError());
    } else p.resolve({ ...answer.ack, reqId: 0 });
  }

  private resolveAll(answers: readonly Answer[]): void {
    for (const a of answers) {
      // "Expired" from an engine is not the end: the timer settles it against the log once no engine can commit it.
      if ('expired' in a) continue;
      const p = this.pending.get(a.id);
      if (p === undefined) continue;
      this.pending.delete(a.id);
      clearTimeout(p.timer);
      p.resolve({ ...a.ack, reqId: 0 });
    }
  }

  private onCommitted(b: CommittedEnvelope): void {
    const last = this.batch;
    if (last === null || last.epoch !== b.epoch || b.batchSeq !== last.seq + 1) {
      // Missed batches (or we cannot tell): every connection reads its gap from the log first.
      if (last !== null) this.o.log.warn({ last, got: { epoch: b.epoch, seq: b.batchSeq } }, 'batch gap: refilling');
      this.emit('gap');
    }
    this.batch = { epoch: b.epoch, seq: b.batchSeq };
    const acks = b.answers.flatMap((a) => ('ack' in a ? [{ ...a.ack, reqId: 0 }] : []));
    // Pushes first, then the answers (as the worker transport does).
    this.emit('committed', {
      kind: 'committed',
      acks,
      events: b.events,
      commitMs: b.commitMs,
      syncMs: b.syncMs,
      committedAt: b.committedAt,
      ...(b.stages === undefined ? {} : { stages: b.stages }),
    });
    this.resolveAll(b.answers);
  }

  private onMarket(m: MarketEnvelope): void {
    if (this.market === null) {
      this.held.push(m);
      return;
    }
    if (m.epoch !== this.market.epoch || m.seq !== this.market.seq + 1) {
      if (m.epoch === this.market.epoch && m.seq <= this.market.seq) return;
      this.o.log.warn({ at: this.market, got: { epoch: m.epoch, seq: m.seq } }, 'market data gap: re-snapshot');
      this.market = null;
      this.held = [m];
      void this.resnapshot();
      return;
    }
    this.market = { epoch: m.epoch, seq: m.seq };
    this.emit('market', {
      kind: 'market',
      trades: m.trades,
      depth: m.depth,
      marketEpoch: m.marketEpoch,
      seqs: m.seqs,
    });
  }

  private onClock(m: Partial<ClockEnvelope>): void {
    if (typeof m.ts === 'number' && Number.isSafeInteger(m.ts)) this.emit('clock', m.ts);
    const at = this.market;
    if (at === null || typeof m.epoch !== 'string' || typeof m.seq !== 'number') return;
    if (m.epoch !== at.epoch || m.seq > at.seq) {
      // The last market messages (or a whole new engine's) never reached us: nothing later would tell.
      this.o.log.warn({ at, clock: { epoch: m.epoch, seq: m.seq } }, 'market data behind the engine: re-snapshot');
      this.market = null;
      this.held = [];
      void this.resnapshot();
    }
  }

  /** Asks the engine for its books until it answers; then applies what arrived meanwhile. */
  private async resnapshot(): Promise<void> {
    if (this.snapshotting) return;
    this.snapshotting = true;
    this.market = null;
    try {
      while (!this.stopping) {
        try {
          const r = await this.o.nc.request(this.o.names.snapshotSubject, undefined, { timeout: 2000 });
          const s = decode<SnapshotEnvelope>(r.data);
          this.snapshot = { kind: 'snapshot', marketEpoch: s.marketEpoch, books: s.books };
          this.emit('snapshot', this.snapshot);
          this.market = { epoch: s.epoch, seq: s.seq };
          const held = this.held;
          this.held = [];
          for (const m of held) this.onMarket(m);
          return;
        } catch {
          await new Promise((r) => setTimeout(r, SNAPSHOT_RETRY_MS));
        }
      }
    } finally {
      this.snapshotting = false;
    }
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.o.nc.status()) {
      if (s.type === 'disconnect') {
        this.connected = false;
        this.o.log.warn({ server: s.server }, 'broker lost: orders refused until it is back');
      } else if (s.type === 'reconnect') {
        this.connected = true;
        this.o.log.info({ server: s.server }, 'broker is back');
        // Whatever was published meanwhile is lost to us: refill from the log, re-snapshot the books.
        this.batch = null;
        this.emit('gap');
        void this.resnapshot();
      } else if (s.type === 'close' && !this.stopping) {
        this.failAll('broker connection closed');
        if (this.listenerCount('fatal') > 0) this.emit('fatal', 'broker connection closed');
      }
    }
  }

  private failAll(reason: string): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new CommandOutcomeUnknownError(reason));
    }
    this.pending.clear();
  }

  /** Stops taking commands; waits (up to the answer timeout) for those in flight, then unsubscribes. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.runningTick);
    // Those in flight get their answer, or are settled (deadline + margin, then the log's read).
    const until = this.now() + this.o.commandTtlMs + this.o.deadlineMarginMs + 2 * SETTLE_TIMEOUT_MS;
    while (this.pending.size > 0 && this.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.stopped = true;
    this.failAll('gateway stopped');
    await this.o.settler?.close();
    for (const s of this.subs) s.unsubscribe();
  }
}
