// Per-user token buckets per request class ('order' | 'cancel' | 'query'): burst = rate, continuous refill,
// idle buckets evicted so memory holds only recently active users. Integer arithmetic; the clock is a parameter.
// Used twice: by each gateway (every class, a cheap first line) and by the engine (orders and cancels, the
// authority across gateways: src/pipeline/user-rate-limits.ts).

export type RateClass = 'order' | 'cancel' | 'query';

export interface RateLimits {
  readonly ordersPerSec: number;
  readonly cancelsPerSec: number;
  readonly queriesPerSec: number;
}

/** Tokens are kept in milli-tokens: refill is `rate` milli-tokens per ms, exact for integer rates. */
const MILLI = 1000;
const CLASS_INDEX: Readonly<Record<RateClass, number>> = { order: 0, cancel: 1, query: 2 };

interface Buckets {
  /** Milli-tokens per class. */
  readonly tokens: [number, number, number];
  /** Last refill time per class (ms). */
  readonly at: [number, number, number];
  /** Last take of any class (ms), for eviction. */
  lastUsed: number;
}

export interface RateLimiterOptions {
  /** How often (at most) a take() sweeps idle buckets; default 1000 ms. */
  readonly sweepIntervalMs?: number;
}

export class RateLimiter {
  private readonly rates: [number, number, number];
  private readonly buckets = new Map<number, Buckets>();
  private readonly sweepIntervalMs: number;
  private lastSweep = -Infinity;

  constructor(limits: RateLimits, options: RateLimiterOptions = {}) {
    this.rates = [limits.ordersPerSec, limits.cancelsPerSec, limits.queriesPerSec];
    for (const r of this.rates) {
      if (!Number.isSafeInteger(r) || r < 1) throw new RangeError(`rate ${r} must be a positive integer per second`);
    }
    this.sweepIntervalMs = options.sweepIntervalMs ?? 1000;
  }

  /** Burst size (= rate per second) of a class. */
  burst(cls: RateClass): number {
    return this.rates[CLASS_INDEX[cls]] as number;
  }

  /**
   * Takes one token of `cls` for `key` (a user id; any integer key works, e.g. a connection id) at `nowMs`.
   * true: allowed; false: over the limit (nothing is taken). A clock that goes backwards refills nothing.
   */
  take(key: number, cls: RateClass, nowMs: number): boolean {
    if (nowMs - this.lastSweep >= this.sweepIntervalMs) this.sweep(nowMs);
    const i = CLASS_INDEX[cls];
    const rate = this.rates[i] as number;
    const full = rate * MILLI;
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: [...this.fullTokens()], at: [nowMs, nowMs, nowMs], lastUsed: nowMs };
      this.buckets.set(key, b);
    }
    const elapsed = nowMs - (b.at[i] as number);
    let tokens = b.tokens[i] as number;
    if (elapsed > 0) {
      // Refill without overflow: past one second (at most) the bucket is full anyway.
      tokens = elapsed >= MILLI ? full : Math.min(full, tokens + elapsed * rate);
      b.at[i] = nowMs;
    }
    if (nowMs > b.lastUsed) b.lastUsed = nowMs;
    if (tokens < MILLI) {
      b.tokens[i] = tokens;
      return false;
    }
    b.tokens[i] = tokens - MILLI;
    return true;
  }

  /**
   * Drops the buckets of keys idle for at least one second: every bucket refills completely within one second
   * (burst = rate), so a dropped bucket is exactly equivalent to a fresh one. Returns how many were dropped.
   */
  sweep(nowMs: number): number {
    this.lastSweep = nowMs;
    let dropped = 0;
    for (const [key, b] of this.buckets) {
      if (nowMs - b.lastUsed >= MILLI) {
        this.buckets.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** Keys currently holding buckets. */
  get size(): number {
    return this.buckets.size;
  }

  private fullTokens(): [number, number, number] {
    return [this.rates[0] * MILLI, this.rates[1] * MILLI, this.rates[2] * MILLI];
  }
}
