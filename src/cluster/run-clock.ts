// Time in which this process could run, as opposed to wall time: each reading adds the wall time since the last
// one, but at most maxStepMs of it. A caller that reads it at least every step (a timer) gets wall time while its
// event loop turns, and loses what a held loop (a fan-out of trades to thousands of sockets, a long GC) kept it
// from reading: a bound judged on it does not expire for the process's own stall, only for the other side's. Used
// by the gateway's database watch (store-watch.ts) and its view of the engine leader (nats-engine-client.ts).

export class RunClock {
  private ran = 0;
  private last: number;

  constructor(
    private readonly maxStepMs: number,
    private readonly wall: () => number = () => performance.now(),
  ) {
    this.last = wall();
  }

  /** Milliseconds of running time since the clock was made. */
  now(): number {
    const t = this.wall();
    this.ran += Math.max(0, Math.min(t - this.last, this.maxStepMs));
    this.last = t;
    return this.ran;
  }
}
