// Event retention, run by the engine worker (the writer): every interval, one pass over the event log deletes the
// rows older than the retention, never a user's newest (store.pruneEventsStep). A pass goes in bounded steps
// and yields to the event loop between them, so the worker's matching and group commits carry on in between
// and no commit waits behind a long delete.

import { PRUNE_STEP_ROWS } from '../adapters/store/prune-sql.js';
import type { PruneCursor, Store } from '../adapters/store/store.js';

export interface PruneReport {
  /** Events deleted by the pass. */
  readonly events: number;
  /** How long the pass took (ms), steps and the waits between them. */
  readonly ms: number;
  readonly error: string | null;
}

export class Pruner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly retentionMs: number,
    private readonly intervalMs: number,
    private readonly report: (r: PruneReport) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.pass(), this.intervalMs);
  }

  /** One pass now (a pass already running is not doubled: this waits for it). */
  pass(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<void> {
    const t0 = performance.now();
    const before = this.clock() - this.retentionMs;
    let events = 0;
    let error: string | null = null;
    try {
      let from: PruneCursor | null = null;
      do {
        const step = await this.store.pruneEventsStep(before, from, PRUNE_STEP_ROWS);
        events += step.events;
        from = step.next;
        // Let queued commands be matched and committed before the next step.
        await new Promise((r) => setImmediate(r));
      } while (from !== null && !this.stopped);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    if (events > 0 || error !== null) this.report({ events, ms: performance.now() - t0, error });
  }

  /** No new pass; waits for the running one to stop after its current step. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.running;
  }
}
