// Revocations across the gateways of a cluster: each revocation a gateway persists is announced on
// <prefix>.revoked (a wake-up carrying nothing to trust), and every gateway that hears it reloads the revoked
// users and keys from PostgreSQL, the truth, closing the affected sockets through the usual listeners. A lost
// message (broker hiccup) is covered by a periodic reload.

import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Store } from '../adapters/store/store.js';
import type { Revocations } from '../auth/revocations.js';

export interface RevocationSyncOptions {
  readonly nc: NatsConnection;
  readonly subject: string;
  readonly revocations: Revocations;
  readonly store: Store;
  /** Reload this often even without a wake-up. */
  readonly reloadIntervalMs: number;
  readonly log: { warn(o: object, m: string): void };
}

export class RevocationSync {
  private readonly sub: Subscription;
  private readonly timer: NodeJS.Timeout;
  private reloading: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly o: RevocationSyncOptions) {
    o.revocations.onPersisted(() => {
      if (!this.stopped) o.nc.publish(o.subject);
    });
    this.sub = o.nc.subscribe(o.subject, {
      callback: (err) => {
        if (err === null) this.reload();
      },
    });
    this.timer = setInterval(() => this.reload(), o.reloadIntervalMs);
    this.timer.unref();
  }

  /** One reload at a time; a wake-up during one runs another right after it (it may have read too early). */
  private reload(): void {
    if (this.stopped) return;
    if (this.reloading !== null) {
      this.again = true;
      return;
    }
    this.reloading = this.o.revocations
      .reload(this.o.store)
      .then(
        () => undefined,
        (e: unknown) => this.o.log.warn({ error: String(e) }, 'revocations: reload failed; retried later'),
      )
      .finally(() => {
        this.reloading = null;
        if (this.again) {
          this.again = false;
          this.reload();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.sub.unsubscribe();
    await this.reloading;
  }
}
