// Timers for delays of any length. Node's setTimeout keeps delays in a signed 32-bit field: anything past
// 2^31 - 1 ms (~24.8 days) is silently replaced by 1 ms, so a 30-day token expiry would fire at once. A
// LongTimeout waits in chunks of at most that much and fires once, after the whole delay.

/** The longest delay setTimeout honours (ms). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface LongTimeout {
  /** Stops the timer; safe to call more than once, and after it fired. */
  clear(): void;
}

/**
 * Calls `fn` once after `delayMs` (negative, NaN or 0: on the next turn of the timer loop). The underlying timer is
 * unref'd when `unref` is true (it then does not keep the process alive). `maxChunkMs` exists for tests.
 */
export function setLongTimeout(
  fn: () => void,
  delayMs: number,
  opts: { unref?: boolean; maxChunkMs?: number } = {},
): LongTimeout {
  const chunk = Math.min(opts.maxChunkMs ?? MAX_TIMEOUT_MS, MAX_TIMEOUT_MS);
  const wait = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
  const due = performance.now() + wait;
  let timer: NodeJS.Timeout | null = null;
  const arm = (left: number) => {
    timer = setTimeout(step, Math.min(Math.max(0, left), chunk));
    if (opts.unref === true) timer.unref();
  };
  const step = () => {
    const left = due - performance.now();
    if (left > 0.5) arm(left);
    else {
      timer = null;
      fn();
    }
  };
  arm(wait);
  return {
    clear() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
