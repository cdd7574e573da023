// Main-thread side of the engine worker: sends commands, resolves each with
// its ack once committed, refuses new work beyond the queue capacity (5001),
// and re-emits market data and committed private events to listeners. The in-process transport of the engine
// port (engine-port.ts).

import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import {
  type Ack,
  type EngineMessage,
  type EngineRequest,
  type RequestGroup,
  type SnapshotMessage,
  type WorkerInit,
  stageClock,
} from './protocol.js';
import {
  type EngineCommand,
  type EnginePort,
  type EnginePortEvents,
  EngineUnavailableError,
  QueueFullError,
} from './engine-port.js';

export { EngineUnavailableError, QueueFullError } from './engine-port.js';

type Pending = { resolve: (a: Ack) => void; reject: (e: Error) => void };
export type EngineHostEvents = EnginePortEvents;

export class EngineHost extends EventEmitter<EnginePortEvents> implements EnginePort {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextReqId = 1;
  /** Commands submitted during this turn of the event loop: they cross to the worker in one message. */
  private outbox: EngineRequest[] = [];
  private readonly sendOutbox = (): void => {
    if (this.outbox.length === 0) return;
    const batch = this.outbox;
    this.outbox = [];
    this.worker.postMessage({ group: batch, sentAt: stageClock() } satisfies RequestGroup);
  };
  private stopped = false;
  private stopping = false;
  ready = false;
  storageOk = true;
  private readyWait!: { resolve: () => void; reject: (e: Error) => void };
  private readonly readyPromise = new Promise<void>((resolve, reject) => {
    this.readyWait = { resolve, reject };
  });
  recoveredOrders = 0;
  /** The books as of start-up (sent before 'ready'). */
  snapshot: SnapshotMessage | null = null;

  private constructor(
    init: WorkerInit,
    private readonly capacity: number,
  ) {
    super();
    this.worker = new Worker(new URL('./engine-worker.js', import.meta.url), { workerData: init });
    this.worker.on('message', (m: EngineMessage) => this.onMessage(m));
    this.worker.on('error', (e) => this.failAll(e instanceof Error ? e.message : String(e)));
    this.worker.on('exit', (code) => {
      if (!this.stopped) this.failAll(`engine worker exited with code ${code}`);
    });
  }

  /** Starts the worker and resolves once it has recovered the state and is ready. */
  static async start(init: WorkerInit, capacity: number): Promise<EngineHost> {
    const host = new EngineHost(init, capacity);
    await host.readyPromise;
    return host;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends a command; rejects at once with QueueFullError when `capacity` commands are in flight. */
  submit(cmd: EngineCommand): Promise<Ack> {
    if (this.stopping || !this.ready) return Promise.reject(new EngineUnavailableError('engine not available'));
    if (this.pending.size >= this.capacity) return Promise.reject(new QueueFullError());
    const reqId = this.nextReqId++;
    return new Promise<Ack>((resolve, reject) => {
      this.pending.set(reqId, { resolve, reject });
      // One postMessage per loop turn instead of one per command (it was ~6% of the gateway's time).
      if (this.outbox.push({ ...cmd, reqId } as EngineRequest) === 1) setImmediate(this.sendOutbox);
    });
  }

  private onMessage(m: EngineMessage): void {
    switch (m.kind) {
      case 'market':
        this.emit('market', m);
        break;
      case 'clock':
        this.emit('clock', m.ts);
        break;
      case 'snapshot':
        this.snapshot = m;
        this.emit('snapshot', m);
        break;
      case 'committed':
        // Pushes first (listeners write them synchronously), then the answers.
        this.emit('committed', m);
        for (const a of m.acks) {
          const p = this.pending.get(a.reqId);
          if (p !== undefined) {
            this.pending.delete(a.reqId);
            p.resolve(a);
          }
        }
        break;
      case 'ready':
        this.recoveredOrders = m.recoveredOrders;
        this.ready = true;
        this.readyWait.resolve();
        break;
      case 'storage':
        this.storageOk = m.ok;
        this.emit('storage', { ok: m.ok, error: m.error });
        break;
      case 'pruned':
        this.emit('pruned', { events: m.events, ms: m.ms, error: m.error });
        break;
      case 'fatal':
        this.failAll(m.error);
        break;
      case 'stopped':
        break;
    }
  }

  private failAll(error: string): void {
    this.ready = false;
    this.readyWait.reject(new EngineUnavailableError(error));
    for (const p of this.pending.values()) p.reject(new EngineUnavailableError(error));
    this.pending.clear();
    if (this.listenerCount('fatal') > 0) this.emit('fatal', error);
  }

  /** Lets every queued command commit, then stops the worker. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    // From here on new commands are refused (5001); those already sent commit before the worker stops.
    this.stopping = true;
    const done = new Promise<void>((resolve) => {
      this.worker.on('message', (m: EngineMessage) => {
        if (m.kind === 'stopped') resolve();
      });
      this.worker.once('exit', () => resolve());
    });
    this.sendOutbox();
    this.worker.postMessage({ group: [{ kind: 'shutdown', reqId: 0 }], sentAt: stageClock() } satisfies RequestGroup);
    await done;
    this.stopped = true;
    this.ready = false;
    for (const p of this.pending.values()) p.reject(new EngineUnavailableError('engine stopped'));
    this.pending.clear();
    await this.worker.terminate();
  }
}
