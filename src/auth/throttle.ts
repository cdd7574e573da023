// Throttling of failed authentication (issue 9, defect 8): per source address and per API key, a fixed window of
// failures that starts a ban, like exchanges' 429/418 bans. While banned, every authentication attempt from that
// address (or with that API key) is answered 4291 before its credential is even looked at. Successful
// authentications are never counted. Per process (a cluster would share it or pin clients: issue 11).
//
// Decisions:
// - What counts: every credential refused with 2001 or 2002 (HTTP user routes, admin routes, WebSocket auth),
//   replays included. maxFailures of them within failureWindowMs start a ban of banMs; the window restarts after.
// - Address: IPv4 as is (IPv4-mapped IPv6 unwrapped), IPv6 by its /64 (one host usually owns a whole /64, so
//   counting single IPv6 addresses would let it rotate freely).
// - API key: the X-API-KEY string as presented, so guessing the secret of one key from many addresses is stopped
//   too. The cost: someone who knows a key (an identifier, not a secret) can keep its owner's HMAC requests
//   banned; the owner's bearer tokens keep working, and exchanges accept the same trade-off.
// - Memory: at most `maxEntries` per table. Entries whose window and ban have both ended are swept (at most once
//   per second); when still full, the oldest entry goes (an attacker needs that many addresses or keys, and one
//   address is banned after maxFailures keys).

import ipaddr from 'ipaddr.js';
import { ApiError } from '../errors.js';

export interface ThrottleLimits {
  readonly maxFailures: number;
  readonly failureWindowMs: number;
  readonly banMs: number;
}

interface Entry {
  windowStart: number;
  failures: number;
  /** ms; 0 when not banned */
  bannedUntil: number;
}

/** One table: key -> failures in the current window and ban. */
export class FailureCounter {
  private readonly entries = new Map<string, Entry>();
  private lastSweep = -Infinity;

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly maxEntries = 100_000,
  ) {}

  /** ms left of the key's ban (0: not banned). */
  bannedFor(key: string, nowMs: number): number {
    const e = this.entries.get(key);
    return e === undefined || e.bannedUntil <= nowMs ? 0 : e.bannedUntil - nowMs;
  }

  /** Counts one failure; true when it starts a ban. */
  fail(key: string, nowMs: number): boolean {
    this.sweep(nowMs);
    let e = this.entries.get(key);
    if (e === undefined || nowMs - e.windowStart >= this.limits.failureWindowMs) {
      if (e === undefined && this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next();
        if (oldest.done !== true) this.entries.delete(oldest.value);
      }
      const bannedUntil = e?.bannedUntil ?? 0;
      e = { windowStart: nowMs, failures: 0, bannedUntil };
      this.entries.set(key, e);
    }
    e.failures++;
    if (e.failures >= this.limits.maxFailures && e.bannedUntil <= nowMs) {
      e.bannedUntil = nowMs + this.limits.banMs;
      e.windowStart = nowMs;
      e.failures = 0;
      return true;
    }
    return false;
  }

  /** Drops entries whose window and ban have ended (at most once per second unless forced). */
  sweep(nowMs: number, force = false): void {
    if (!force && nowMs - this.lastSweep < 1000) return;
    this.lastSweep = nowMs;
    for (const [k, e] of this.entries) {
      if (e.bannedUntil <= nowMs && nowMs - e.windowStart >= this.limits.failureWindowMs) this.entries.delete(k);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Longer API keys are refused anyway (auth.ts); a table key never holds more of a presented one. */
const MAX_KEY = 128;

/** A ban that one failure started, for the audit log. */
export interface BanStarted {
  readonly scope: 'ip' | 'api_key';
  readonly until: number;
}

export class AuthThrottle {
  private readonly byIp: FailureCounter;
  private readonly byKey: FailureCounter;

  constructor(
    private readonly limits: ThrottleLimits,
    maxEntries = 100_000,
  ) {
    for (const [k, v] of Object.entries(limits)) {
      if (!Number.isSafeInteger(v) || (v as number) < 1) throw new RangeError(`${k} ${v} must be a positive integer`);
    }
    this.byIp = new FailureCounter(limits, maxEntries);
    this.byKey = new FailureCounter(limits, maxEntries);
  }

  /** 4291 when the address or the API key is banned; null otherwise. */
  check(ip: string, apiKey: string | undefined, nowMs: number): ApiError | null {
    const ipLeft = this.byIp.bannedFor(ip, nowMs);
    const keyLeft = apiKey === undefined ? 0 : this.byKey.bannedFor(apiKey.slice(0, MAX_KEY), nowMs);
    if (ipLeft === 0 && keyLeft === 0) return null;
    const secs = Math.ceil(Math.max(ipLeft, keyLeft) / 1000);
    const who = ipLeft >= keyLeft ? 'from this address' : 'with this API key';
    return new ApiError(4291, `too many failed authentications ${who}: retry in ${secs} s`, {
      retryAfterSeconds: secs,
    });
  }

  /** Counts one failed authentication; returns the bans it started. */
  fail(ip: string, apiKey: string | undefined, nowMs: number): BanStarted[] {
    const bans: BanStarted[] = [];
    const until = nowMs + this.limits.banMs;
    if (this.byIp.fail(ip, nowMs)) bans.push({ scope: 'ip', until });
    if (apiKey !== undefined && this.byKey.fail(apiKey.slice(0, MAX_KEY), nowMs))
      bans.push({ scope: 'api_key', until });
    return bans;
  }

  /** Entries held (addresses, keys), for tests and diagnostics. */
  get sizes(): { ip: number; apiKey: number } {
    return { ip: this.byIp.size, apiKey: this.byKey.size };
  }
}

/** The throttling key of a peer address: IPv4 dotted quad, or an IPv6 /64 ("2001:db8:1:2::/64"). */
export function clientKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(address);
  } catch {
    return address.slice(0, 64);
  }
  if (ip.kind() === 'ipv4') return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}
