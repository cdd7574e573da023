// Revoked users and API keys, in memory: loaded from the store at start, updated on every revocation, asked on
// every token verification and signed request (two Set lookups). Revoking tells the listeners at once (the push
// server closes the affected WebSocket connections with 4001), then persists it.
//
// Decisions:
// - Memory first, then the store: a revocation takes effect before it is durable, and if persisting fails the
//   route answers an error (retry: revoking is idempotent) while this process keeps refusing (fail closed).
// - Key revocation refuses the key's signatures and every token it minted (by key id, see keyIdOf in auth.ts);
//   user revocation refuses all of the user's keys and tokens, minted by a key or not.
// - Per process. A cluster of gateways (issue 11) would publish each revocation to the others (e.g. PostgreSQL
//   LISTEN/NOTIFY or the broker) and reload the list on start, as this one does; until it arrives elsewhere a
//   revoked token would still pass there, so the delay must stay well under a second.

import type { ApiKeyRecord, Store } from '../adapters/store/store.js';
import { keyIdOf, type RevocationCheck } from './auth.js';

/** A revocation as listeners see it: one key of a user, or (keyId null) the whole user. */
export interface Revocation {
  readonly userId: number;
  readonly keyId: string | null;
}

export class Revocations implements RevocationCheck {
  private readonly users = new Set<number>();
  private readonly keys = new Set<string>();
  private readonly listeners: Array<(r: Revocation) => void> = [];

  /** Everything the store has revoked. */
  static async load(store: Store): Promise<Revocations> {
    const r = new Revocations();
    const { userIds, apiKeys } = await store.listRevoked();
    for (const u of userIds) r.users.add(u);
    for (const k of apiKeys) r.keys.add(keyIdOf(k));
    return r;
  }

  isRevoked(userId: number, keyId: string | null | undefined): boolean {
    return this.users.has(userId) || (keyId !== null && keyId !== undefined && this.keys.has(keyId));
  }

  onRevoke(listener: (r: Revocation) => void): void {
    this.listeners.push(listener);
  }

  /** Revokes one key (its signatures and the tokens it minted), then persists it. */
  async revokeKey(store: Store, key: ApiKeyRecord): Promise<void> {
    const keyId = keyIdOf(key.apiKey);
    this.keys.add(keyId);
    this.emit({ userId: key.userId, keyId });
    await store.revokeApiKey(key.apiKey);
  }

  /** Revokes a user (all its keys and tokens), then persists it; returns how many keys it newly revoked. */
  async revokeUser(store: Store, userId: number): Promise<number> {
    this.users.add(userId);
    this.emit({ userId, keyId: null });
    return store.revokeUser(userId);
  }

  /** Counts, for tests and diagnostics. */
  get sizes(): { users: number; keys: number } {
    return { users: this.users.size, keys: this.keys.size };
  }

  private emit(r: Revocation): void {
    for (const l of this.listeners) l(r);
  }
}
