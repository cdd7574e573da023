// Refuses a signed request whose signature was already accepted (issue 9, defect 4): every ACCEPTED signature is
// remembered until its timestamp leaves the signature window, after which the window check refuses the request
// anyway. Per process: several gateways behind a balancer need this shared (or clients pinned to one gateway).
//
// Decisions:
// - Key: the signature itself, lower-cased (hex digits in either case are the same HMAC, so "ABC…" replays
//   "abc…"). It is not a credential (it signs one request, which is then refused); memory only, never logged.
// - Only valid signatures are remembered (the caller claims after verifying), so junk cannot fill the cache.
// - Lifetime: until timestamp + window (the server still accepts the timestamp until then), i.e. at most twice
//   the window after acceptance (a timestamp may be up to one window ahead of the clock).
// - Bounded: at most `max` entries. When full, a new signature is REFUSED ('full' -> 5001, retry shortly) rather
//   than an old one forgotten: forgetting would let exactly that request be replayed, and shrinking the window
//   would refuse honest clients with a little clock skew instead. Bearer-token requests are not affected.
// - Expiry in O(expired): entries sit in one bucket per second of their expiry; whole buckets are dropped.

export type ClaimResult = 'ok' | 'replay' | 'full';

export interface ReplayCheck {
  /** Records a verified signature of a request stamped `timestampMs`; 'replay' when it was already recorded. */
  claim(signature: string, timestampMs: number, nowMs: number): ClaimResult;
}

export class ReplayGuard implements ReplayCheck {
  /** signature -> expiry (ms): refused while now <= expiry. */
  private readonly seen = new Map<string, number>();
  /** expiry second -> the signatures expiring in it. */
  private readonly buckets = new Map<number, string[]>();
  private sweptSecond = -Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly max: number,
  ) {
    if (!Number.isSafeInteger(windowMs) || windowMs < 1) throw new RangeError(`window ${windowMs} must be >= 1 ms`);
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`max ${max} must be a positive integer`);
  }

  claim(signature: string, timestampMs: number, nowMs: number): ClaimResult {
    this.sweep(nowMs);
    const key = signature.toLowerCase();
    const expiry = this.seen.get(key);
    if (expiry !== undefined && nowMs <= expiry) return 'replay';
    if (this.seen.size >= this.max) return 'full';
    const until = timestampMs + this.windowMs;
    this.seen.set(key, until);
    const second = Math.floor(until / 1000);
    const bucket = this.buckets.get(second);
    if (bucket === undefined) this.buckets.set(second, [key]);
    else bucket.push(key);
    return 'ok';
  }

  /** Drops every entry whose expiry second has passed (at most once per second of the clock). */
  sweep(nowMs: number): void {
    const now = Math.floor(nowMs / 1000);
    if (now === this.sweptSecond) return;
    this.sweptSecond = now;
    for (const [second, keys] of this.buckets) {
      if (second >= now) continue;
      for (const k of keys) {
        const e = this.seen.get(k);
        if (e !== undefined && Math.floor(e / 1000) === second) this.seen.delete(k);
      }
      this.buckets.delete(second);
    }
  }

  /** Signatures remembered now. */
  get size(): number {
    return this.seen.size;
  }
}
