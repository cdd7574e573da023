// A gateway's view of which engine leads: it takes the leader announcements (wire.ts LeaderEnvelope) and keeps the
// newest leader with when it was last heard. Epochs only grow, so an announcement with a smaller epoch than the
// current leader's comes from an old leader that has not noticed yet (paused past its lease): it is ignored, unless
// the current one has gone silent past the bound (then anyone heard is better than nothing: e.g. a recreated lease
// bucket restarts its revisions). No clock of its own: the caller passes the time.

import type { EngineLeader, EngineLeadership } from '../pipeline/engine-port.js';
import type { LeaderEnvelope } from './wire.js';

/** What one announcement did: the first leader heard, a new leader, the same one again, or nothing (an old one). */
export type Heard = 'first' | 'changed' | 'same' | 'ignored';

export class LeaderWatch {
  private current: EngineLeader | null = null;

  /** timeoutMs: silent this long, the leader no longer counts as present. */
  constructor(private readonly timeoutMs: number) {}

  heard(a: LeaderEnvelope, now: number): Heard {
    const c = this.current;
    const next: EngineLeader = { node: a.nodeId, epoch: a.epoch, since: a.since, heardAt: now };
    if (c === null) {
      this.current = next;
      return 'first';
    }
    if (a.epoch === c.epoch && a.nodeId === c.node) {
      this.current = { ...c, heardAt: now };
      return 'same';
    }
    if (a.epoch > c.epoch || this.silentFor(now) !== null) {
      this.current = next;
      return 'changed';
    }
    return 'ignored';
  }

  /** How long the current leader has been silent past the bound (ms), or null while it counts as present. */
  private silentFor(now: number): number | null {
    if (this.current === null) return null;
    const ago = now - this.current.heardAt;
    return ago > this.timeoutMs ? ago : null;
  }

  state(now: number): EngineLeadership {
    const c = this.current;
    if (c === null) return { leader: null, problem: 'no engine leader: none heard from yet' };
    const silent = this.silentFor(now);
    const problem =
      silent === null
        ? null
        : `no engine leader: the last one (${c.node}, epoch ${c.epoch}) was heard ${silent} ms ago ` +
          `(bound ${this.timeoutMs} ms)`;
    return { leader: c, problem };
  }
}
