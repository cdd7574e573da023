// Token checks of the WebSocket endpoint (issue 9): a banned peer address is refused before its token is looked
// at (4291, counted); a token is verified with the revocation list; a refused one is counted, written to the audit
// log and counted towards the address's ban (auth/throttle.ts), like a refused HTTP credential.

import { ApiError } from '../errors.js';
import { type RevocationCheck, type TokenClaims, verifyToken } from '../auth/credentials.js';
import { type AuditLogger, auditAuthFailure, auditBan } from '../auth/audit.js';
import type { AuthThrottle } from '../auth/throttle.js';
import type { Metrics } from '../metrics.js';

export interface PushAuthDeps {
  readonly tokenSecret: string;
  readonly revocations: RevocationCheck;
  readonly throttle: AuthThrottle;
  readonly metrics: Metrics;
  readonly log: Pick<AuditLogger, 'warn'>;
}

export class PushAuth {
  constructor(private readonly d: PushAuthDeps) {}

  /** 4291 when the address is banned for failed authentications, else null. */
  banned(ip: string): ApiError | null {
    const e = this.d.throttle.check(ip, undefined, Date.now());
    if (e !== null) this.d.metrics.authFailures.inc({ channel: 'ws', code: '4291' });
    return e;
  }

  /**
   * The token's claims, or the ApiError (2002) after auditing it. `how`: "GET" for ?token= on the upgrade,
   * "auth" for an auth message; `conn`: the connection id, when there is one yet.
   */
  async verify(token: string, ip: string, how: 'GET' | 'auth', conn?: number): Promise<TokenClaims | ApiError> {
    const claims = await verifyToken(token, this.d.tokenSecret, Date.now(), this.d.revocations);
    if (!(claims instanceof ApiError)) return claims;
    this.d.metrics.authFailures.inc({ channel: 'ws', code: String(claims.code) });
    const userId = typeof claims.details?.['userId'] === 'number' ? claims.details['userId'] : null;
    const reason = claims.msg;
    auditAuthFailure(this.d.log, {
      channel: 'ws',
      method: how,
      route: '/ws',
      code: claims.code,
      reason,
      ip,
      userId,
      conn,
    });
    for (const ban of this.d.throttle.fail(ip, undefined, Date.now())) {
      auditBan(this.d.log, { channel: 'ws', scope: ban.scope, ip, until: ban.until });
    }
    return claims;
  }
}
