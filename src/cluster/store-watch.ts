// Watches a cluster gateway's own link to the database: a cheap round trip every interval, bounded by a timeout.
// While it fails the gateway refuses orders (5001; its answers and queries could not be read back, and gap fills
// would fail) and /readyz says why; the sockets stay open, and the first round trip that succeeds makes it ready
// again, by itself. The engine has its own link: this only says whether this gateway can read the truth.

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
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.o.ping(),
        new Promise<never>((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`no answer in ${this.o.timeoutMs} ms`)), this.o.timeoutMs);
        }),
      ]);
      if (this.failure !== null) this.o.log.info({}, 'database is back: orders accepted again');
      this.failure = null;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (this.failure === null) this.o.log.warn({ error: message }, 'database lost: orders refused until it is back');
      this.failure = message;
    } finally {
      clearTimeout(timeout);
    }
  }
}
