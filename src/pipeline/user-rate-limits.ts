// The per-user order and cancel rate limits as the engine enforces them, so that they hold for a user across every
// gateway of a cluster (and unchanged under `serve`). The engine sees every command of every user in one order,
// so its buckets are the authority; each gateway's own bucket (src/rate-limit.ts, the same class) stays a cheap
// first line that spares the engine most of a flood.
//
// Which clock: a command carries `at`, when its gateway charged the user's bucket; the engine charges its bucket at
// that time, but never later than its own clock (a gateway clock running ahead cannot hand out tokens early). Not
// the engine's receive time: commands that waited in the stream (an engine restart, a failover, a slow commit)
// arrive bunched together, and a user who kept to the limit would be refused for the engine's delay. Under
// `serve` both buckets then see the same charges at the same times and agree; across gateways a user gets the
// limit once (plus at most the clock skew between gateways' worth of refill, which the command deadlines already
// assume small). The buckets live in memory: a new engine (restart, failover) starts every user with a full burst.

import { RateLimiter, type RateLimits } from '../rate-limit.js';
import type { Ack, EngineRequest } from './protocol.js';

export type Limited = NonNullable<Ack['limited']>;

export class UserRateLimits {
  private readonly limiter: RateLimiter;

  constructor(
    limits: RateLimits,
    private readonly clock: () => number = Date.now,
  ) {
    this.limiter = new RateLimiter(limits);
  }

  /** Charges a place or cancel to its user's bucket: null when within the limit, otherwise what refused it. */
  charge(req: EngineRequest): Limited | null {
    if (req.kind !== 'place' && req.kind !== 'cancel') return null;
    const cls = req.kind === 'place' ? 'order' : 'cancel';
    const now = this.clock();
    const at = Number.isSafeInteger(req.at) && req.at < now ? req.at : now;
    return this.limiter.take(req.userId, cls, at) ? null : { cls, perSec: this.limiter.burst(cls) };
  }
}
