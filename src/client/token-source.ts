// TokenSource: bearer tokens for an API key, minted with a signed `POST /api/v1/auth/token` and renewed before they
// expire. `provider` plugs it into PushClient (`tokenProvider`), which re-authenticates the live socket on
// `auth.expiring` and takes a fresh token for every reconnect.

import type { RestClient } from './rest.js';
import type { ApiKeyCredentials } from './signing.js';
import type { TokenResult } from './types.js';

export interface TokenSourceOptions {
  /** A RestClient for the server; its own credentials are replaced by `apiKey` for the token request. */
  rest: RestClient;
  apiKey: ApiKeyCredentials;
  /** Renew when less than this is left (ms); default 60 000, and at most half the token's lifetime. */
  renewBeforeMs?: number;
  /** Clock (ms); default Date.now. */
  now?: () => number;
}

export class TokenSource {
  private readonly rest: RestClient;
  private readonly renewBeforeMs: number;
  private readonly now: () => number;
  private current: { token: string; expiresAt: number; issuedAt: number } | null = null;
  private inFlight: Promise<string> | null = null;
  private _issued = 0;

  constructor(opts: TokenSourceOptions) {
    this.rest = opts.rest.withAuth({ apiKey: opts.apiKey });
    this.renewBeforeMs = opts.renewBeforeMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Tokens minted so far. */
  get issued(): number {
    return this._issued;
  }

  /** Expiry (ms) of the token `token()` would answer now without renewing, or null. */
  get expiresAt(): number | null {
    return this.current?.expiresAt ?? null;
  }

  /** A token valid for a while yet: the cached one, or a new one when it is (nearly) expired. */
  token(): Promise<string> {
    const c = this.current;
    if (c !== null) {
      const margin = Math.min(this.renewBeforeMs, (c.expiresAt - c.issuedAt) / 2);
      if (c.expiresAt - this.now() > margin) return Promise.resolve(c.token);
    }
    return this.renew();
  }

  /** Always a new token (concurrent calls share one request). */
  renew(): Promise<string> {
    if (this.inFlight === null) {
      const issuedAt = this.now();
      this.inFlight = this.rest
        .issueToken()
        .then((r: TokenResult) => {
          this._issued++;
          this.current = { token: r.token, expiresAt: r.expires_at, issuedAt };
          return r.token;
        })
        .finally(() => {
          this.inFlight = null;
        });
    }
    return this.inFlight;
  }

  /** For PushClientOptions.tokenProvider: a new token on `auth.expiring`, a still-valid one to (re)connect. */
  readonly provider = (reason: 'connect' | 'expiring'): Promise<string> =>
    reason === 'expiring' ? this.renew() : this.token();
}
