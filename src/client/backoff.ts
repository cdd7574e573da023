// Reconnect delays: exponential backoff capped at a maximum, with jitter from an injectable random source.

export interface BackoffOptions {
  /** Delay before the first reconnect attempt (before jitter); default 100 ms. */
  initialDelayMs?: number;
  /** Cap of the delay (before jitter); default 5 000 ms. */
  maxDelayMs?: number;
  /** Growth per failed attempt; default 2. */
  factor?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialDelayMs: 100, maxDelayMs: 5_000, factor: 2 };

/**
 * Delay of reconnect attempt `attempt` (0 = first): base = min(max, initial * factor^attempt), then a random
 * point in [base / 2, base] ("equal jitter": never zero, so a server that closes at once is not hammered, and
 * many clients dropped together do not come back in step). `random` answers in [0, 1).
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialDelayMs, maxDelayMs, factor } = { ...DEFAULT_BACKOFF, ...opts };
  const base = Math.min(maxDelayMs, initialDelayMs * factor ** Math.max(0, attempt));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(base / 2 + (base / 2) * r);
}
