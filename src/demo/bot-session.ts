// A demo bot's signed-in session on the public API, as any client has one: a bearer token obtained with the bot's
// API key (POST /api/v1/auth/token, HMAC-signed) and renewed before it expires, requests paced under the server's
// per-user rate limits, and the retry rules a client follows (a refused token: sign in again; 4291 / 5001: wait).

import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClientError, RestClient } from '../client/index.js';
import { signRequest } from '../auth/credentials.js';

/** What a demo user signs in with (its API secret stays in this process and the demo-users file). */
export interface DemoCredentials {
  readonly userId: number;
  readonly apiKey: string;
  readonly apiSecret: string;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: number;
}

const TOKEN_PATH = '/api/v1/auth/token';

/** A bearer token for `creds`, from a request signed with its API key; throws ApiClientError (2002: not valid here). */
export async function signIn(baseUrl: string, creds: DemoCredentials): Promise<IssuedToken> {
  const ts = String(Date.now());
  const headers = {
    'x-api-key': creds.apiKey,
    'x-timestamp': ts,
    'x-signature': signRequest(creds.apiSecret, ts, 'POST', TOKEN_PATH, ''),
  };
  const d = await new RestClient({ baseUrl, headers }).request<{ token: string; expires_at: number }>(
    'POST',
    TOKEN_PATH,
  );
  return { token: d.token, expiresAt: d.expires_at };
}

export type RequestKind = 'order' | 'cancel' | 'query';

/** Requests per second a bot allows itself of each kind (below the server's limits, which are per user). */
export type Pace = Readonly<Record<RequestKind, number>>;

const RETRIES = 4;

export class BotSession {
  private token: IssuedToken | null = null;
  private issuedAt = 0;
  private readonly nextAt: Record<RequestKind, number> = { order: 0, cancel: 0, query: 0 };

  constructor(
    private readonly baseUrl: string,
    readonly creds: DemoCredentials,
    private readonly pace: Pace,
    private readonly signal: AbortSignal,
    first: IssuedToken | null = null,
  ) {
    if (first !== null) {
      this.token = first;
      this.issuedAt = Date.now();
    }
  }

  /**
   * Runs `f` with a signed-in client once the pace allows; signs in again when the token was refused, and waits
   * and retries a few times on 4291 (rate limit) and 5001 (busy). Other API errors are thrown to the caller.
   */
  async call<T>(kind: RequestKind, f: (c: RestClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.paced(kind);
      try {
        return await f(await this.client());
      } catch (e) {
        if (!(e instanceof ApiClientError) || attempt >= RETRIES) throw e;
        if (e.code === 2002) this.token = null;
        else if (e.code === 4291 || e.code === 5001)
          await sleep(250 * (attempt + 1), undefined, { signal: this.signal });
        else throw e;
      }
    }
  }

  private async client(): Promise<RestClient> {
    const now = Date.now();
    // Renewed once 80% of its lifetime has passed.
    if (this.token === null || now >= this.issuedAt + (this.token.expiresAt - this.issuedAt) * 0.8) {
      this.token = await signIn(this.baseUrl, this.creds);
      this.issuedAt = now;
    }
    return new RestClient({ baseUrl: this.baseUrl, token: this.token.token });
  }

  private async paced(kind: RequestKind): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextAt[kind]);
    this.nextAt[kind] = at + Math.ceil(1000 / this.pace[kind]);
    if (at > now) await sleep(at - now, undefined, { signal: this.signal });
  }
}
