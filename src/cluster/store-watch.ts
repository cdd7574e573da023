// Watches a cluster gateway's own link to the database: a cheap round trip every interval, bounded by a timeout
// counted in time the process could run (a loop held up by other work does not make the database late).
// While it fails the gateway refuses orders (5001; its answers and queries could not be read back, and gap fills
// would fail) and /readyz says why; the sockets stay open, and the first round trip that succeeds makes it ready
// again, by itself. The engine has its own link: this only says whether this gateway can read the truth.

import { RunClock } from './run-clock.js';

export interface StoreWatchOptions {
  /** The round trip (the store's ping). */
  readonly ping: () => Promise<void>;
  readonly intervalMs: number;
  /** A ping slower than this counts as a failure (a cut link may hang rather than fail). */
  readonly timeoutMs: number;
  readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

export class StoreWatch {
  private failure: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly o: StoreWatchOptions) {}

  /** Why the database is not reachable from this gateway, or null while it is. */
  get problem(): string | null {
    return this.failure === null ? null : `database lost (${this.failure}): orders refused until it is back`;
  }

  start(): void {
    const tick = async () => {
      await this.check();
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.o.intervalMs);
    };
    this.timer = setTimeout(() => void tick(), this.o.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
  }

  /** One round trip; updates `problem` and logs the transitions. */
  async check(): Promise<void> {
    const timeout = new ResponsiveTimeout(this.o.timeoutMs);
    try {
      await Promise.race([this.o.ping(), timeout.expired]);
      if (this.failure !== null) this.o.log.info({}, 'database is back: orders accepted again');
      this.failure = null;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (this.failure === null) this.o.log.warn({ error: message }, 'database lost: orders refused until it is back');
      this.failure = message;
    } finally {
      timeout.cancel();
    }
  }
}

/** Steps of a ResponsiveTimeout, and the most one step counts however late it fired. */
const STEP_MS = 100;
const STEP_MAX_MS = 2 * STEP_MS;

/**
 * Rejects `expired` once `ms` of time has passed in which this process could run, not `ms` of wall time: a
 * gateway whose event loop was held for seconds (a fan-out of trades to thousands of sockets) would otherwise find
 * its one timer overdue and the database's answer still unread in the socket, and refuse orders for nothing. It
 * ticks every STEP_MS and counts at most STEP_MAX_MS per tick, so a hung link is still caught after about `ms`.
 */
class ResponsiveTimeout {
  readonly expired: Promise<never>;
  private timer: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    const clock = new RunClock(STEP_MAX_MS);
    this.expired = new Promise<never>((_, reject) => {
      const tick = () => {
        const left = ms - clock.now();
        if (left <= 0) reject(new Error(`no answer in ${ms} ms`));
        else this.timer = setTimeout(tick, Math.min(STEP_MS, left));
      };
      this.timer = setTimeout(tick, Math.min(STEP_MS, ms));
    });
    this.expired.catch(() => undefined);
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
