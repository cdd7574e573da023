// Engine leadership from a NATS KV lease. One key in a bucket whose TTL is the lease: the leader holds it by
// compare-and-swap renewals (update with the last revision it wrote), a standby takes it with create() once it has
// expired (a leader that died or stopped renewing). The KV revision at the moment a node took the key is its
// leadership epoch: revisions only grow, so a later leader always has a larger epoch, which the database uses as a
// fence (every settlement batch checks it in its own transaction: see the engine store).
//
// The lease alone is not safety: a leader paused past its lease (a long GC pause, a frozen VM) still believes it
// leads until its next renewal fails. The epoch fence in the database is: whatever a leader commits after a later
// leader took over is refused. So a leader that could not renew for a whole lease (the broker unreachable or
// restarting) says so ('expired') and keeps trying: when the key is still its own, or gone (expired while nobody
// could reach the broker) and it can create it again, it leads on under the same epoch ('resumed'; the fence row
// still holds that epoch unless another node took over meanwhile, and then its next batch is refused); when another
// node holds the key, it has lost. A standby that was cut off from the broker waits two leases after reconnecting
// before it takes an expired key, so that a living leader gets its own lease back first after a broker restart.
//
// The local NATS server is 2.9.10: per-key TTLs do not exist there, bucket TTLs do — hence one bucket per lease.

import { EventEmitter } from 'node:events';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';

export interface LeaseOptions {
  /** KV bucket of the lease (created when missing, with the lease as its TTL). */
  readonly bucket: string;
  /** This node's name, stored as the key's value (for operators: who leads). */
  readonly nodeId: string;
  /** How long a leader that stops renewing keeps the lease (ms). */
  readonly leaseMs: number;
}

export type LeaseEvents = {
  /** This node took the lease; the epoch is larger than every earlier leader's. */
  acquired: [epoch: number];
  /** The leader could not renew for a whole lease; it keeps trying (see the header), under the same epoch. */
  expired: [reason: string];
  /** The leader renewed again after 'expired': its key was still its own, or free and taken back. */
  resumed: [how: string];
  /** This node no longer leads (its key is another node's now, or stop()). */
  lost: [reason: string];
};

const KEY = 'leader';

export class LeaderLease extends EventEmitter<LeaseEvents> {
  private epoch: number | null = null;
  /** Revision of our last successful write of the key. */
  private revision = 0;
  private lastRenewedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private busy = false;
  /** A leader that has not renewed for a whole lease (reported once, until it renews again). */
  private expired = false;
  /** A standby does not take the key before this time (set when its broker connection comes back). */
  private graceUntil = 0;

  private constructor(
    private readonly kv: KV,
    private readonly opts: LeaseOptions,
    private readonly now: () => number,
  ) {
    super();
  }

  /** Opens (or creates) the lease's bucket. Does not try to lead yet: call start(). */
  static async open(nc: NatsConnection, opts: LeaseOptions, now: () => number = Date.now): Promise<LeaderLease> {
    if (!Number.isSafeInteger(opts.leaseMs) || opts.leaseMs < 500) throw new RangeError('leaseMs must be >= 500');
    // KV calls time out within half a lease: one lost on a dying connection must not hold up the next renewal.
    const js = jetstream(nc, { timeout: Math.floor(opts.leaseMs / 2) });
    const kv = await new Kvm(js).create(opts.bucket, { ttl: opts.leaseMs, history: 1 });
    const lease = new LeaderLease(kv, opts, now);
    void lease.watchBroker(nc);
    return lease;
  }

  /** After a reconnect: a standby holds back (grace), a leader renews at once. */
  private async watchBroker(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type !== 'reconnect') continue;
      if (this.epoch === null) {
        this.graceUntil = this.now() + 2 * this.opts.leaseMs;
      } else if (!this.stopped) {
        if (this.timer !== null) clearTimeout(this.timer);
        void this.tick();
      }
    }
  }

  /** The epoch while this node leads, else null. */
  get leaderEpoch(): number | null {
    return this.epoch;
  }

  /** Who holds the lease now, as the bucket says (null: nobody). */
  async holder(): Promise<{ nodeId: string; revision: number } | null> {
    const e = await this.kv.get(KEY);
    if (e === null || e.operation !== 'PUT') return null;
    return { nodeId: e.string(), revision: e.revision };
  }

  /** Tries to lead and keeps trying (standby) or renewing (leader) until stop(). */
  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Stops renewing and trying. A leader deletes the key so that a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.epoch !== null) {
      const rev = this.revision;
      this.lose('stopped');
      // Only our own key: a delete conditioned on our last revision cannot remove a newer leader's.
      await this.kv.delete(KEY, { previousSeq: rev }).catch(() => undefined);
    }
  }

  /** Stops renewing without giving the key back (tests: a leader that froze). */
  freeze(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private lose(reason: string): void {
    if (this.epoch === null) return;
    this.epoch = null;
    this.emit('lost', reason);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    // Renew three times per lease; a standby looks four times per lease. The next tick is armed before this one
    // waits on NATS, so a renewal that hangs cannot keep this node leading past its lease.
    this.schedule(Math.floor(this.opts.leaseMs / (this.epoch !== null ? 3 : 4)));
    if (this.epoch !== null && !this.expired && this.now() - this.lastRenewedAt >= this.opts.leaseMs) {
      this.expired = true;
      this.emit('expired', `lease not renewed for ${this.opts.leaseMs} ms`);
    }
    if (this.busy) return;
    this.busy = true;
    try {
      if (this.epoch === null) await this.tryAcquire();
      else await this.renew();
    } finally {
      this.busy = false;
    }
  }

  private async tryAcquire(): Promise<void> {
    if (this.now() < this.graceUntil) return;
    let rev: number;
    try {
      rev = await this.kv.create(KEY, this.opts.nodeId);
    } catch {
      return; // someone leads (or NATS is unreachable): stay standby
    }
    if (this.stopped) return;
    this.revision = rev;
    this.epoch = rev;
    this.lastRenewedAt = this.now();
    this.emit('acquired', rev);
  }

  private async renew(): Promise<void> {
    const startedAt = this.now();
    try {
      this.revision = await this.kv.update(KEY, this.opts.nodeId, this.revision);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      // "wrong last sequence": the key is not at our last revision. Anything else (NATS unreachable, a timeout):
      // the next ticks retry.
      if (/wrong last sequence/i.test(msg)) await this.reclaim(msg);
      return;
    }
    this.renewed(startedAt, 'renewed');
  }

  /** Our revision is not the key's: it is still ours (an update that landed unanswered), free, or taken. */
  private async reclaim(why: string): Promise<void> {
    const startedAt = this.now();
    try {
      const e = await this.kv.get(KEY);
      if (e !== null && e.operation === 'PUT') {
        // Only this process writes its node id: the key is still ours at that revision.
        if (e.string() === this.opts.nodeId) this.revision = e.revision;
        else this.lose(`lease taken over by ${e.string()} (${why})`);
        return;
      }
      // Expired (or deleted) while we could not renew: take it back if nobody else did meanwhile.
      this.revision = await this.kv.create(KEY, this.opts.nodeId);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (/wrong last sequence/i.test(msg)) this.lose(`lease taken over (${msg})`);
      return;
    }
    this.renewed(startedAt, 'took its expired lease back');
  }

  private renewed(startedAt: number, how: string): void {
    if (this.epoch === null) return;
    this.lastRenewedAt = startedAt;
    if (this.expired) {
      this.expired = false;
      this.emit('resumed', how);
    }
  }
}
