// Revoked users and API keys, in memory: loaded from the store at start, updated on every revocation, asked on
// every token verification and signed request (two Set lookups). Revoking tells the listeners at once (the push
// server closes the affected WebSocket connections with 4001), then persists it.
//
// Decisions:
// - Memory first, then the store: a revocation takes effect before it is durable, and if persisting fails the
//   route answers an error (retry: revoking is idempotent) while this process keeps refusing (fail closed).
// - Key revocation refuses the key's signatures and every token it minted (by key id, see keyIdOf in auth.ts);
//   user revocation refuses all of the user's keys and tokens, minted by a key or not.
// - Per process, plus reload(): a cluster gateway (src/cluster/revocation-sync.ts) is told after each persisted
//   revocation (onPersisted) to wake the others, which reload the store's list (the truth) and tell their
//   listeners about what is new there.

import type { ApiKeyRecord, Store } from '../adapters/store/store.js';
import { keyIdOf, type RevocationCheck } from './credentials.js';

/** A revocation as listeners see it: one key of a user, or (keyId null) the whole user. */
export interface Revocation {
  readonly userId: number;
  readonly keyId: string | null;
}

export class Revocations implements RevocationCheck {
  private readonly users = new Set<number>();
  private readonly keys = new Set<string>();
  private readonly listeners: Array<(r: Revocation) => void> = [];
  private readonly persisted: Array<(r: Revocation) => void> = [];

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

  /** Called once a revocation made here is durable (a cluster gateway tells the others then). */
  onPersisted(listener: (r: Revocation) => void): void {
    this.persisted.push(listener);
  }

  /**
   * Takes in what the store has revoked since (made through another gateway) and tells the listeners about each
   * new user or key; returns how many were new.
   */
  async reload(store: Store): Promise<number> {
    const { userIds, apiKeys } = await store.listRevoked();
    let fresh = 0;
    for (const userId of userIds) {
      if (this.users.has(userId)) continue;
      this.users.add(userId);
      this.emit({ userId, keyId: null });
      fresh++;
    }
    for (const apiKey of apiKeys) {
      const keyId = keyIdOf(apiKey);
      if (this.keys.has(keyId)) continue;
      this.keys.add(keyId);
      const record = await store.findApiKey(apiKey);
      if (record !== null) this.emit({ userId: record.userId, keyId });
      fresh++;
    }
    return fresh;
  }

  /** Revokes one key (its signatures and the tokens it minted), then persists it. */
  async revokeKey(store: Store, key: ApiKeyRecord): Promise<void> {
    const keyId = keyIdOf(key.apiKey);
    this.keys.add(keyId);
    this.emit({ userId: key.userId, keyId });
    await store.revokeApiKey(key.apiKey);
    for (const l of this.persisted) l({ userId: key.userId, keyId });
  }

  /** Revokes a user (all its keys and tokens), then persists it; returns how many keys it newly revoked. */
  async revokeUser(store: Store, userId: number): Promise<number> {
    this.users.add(userId);
    this.emit({ userId, keyId: null });
    const keys = await store.revokeUser(userId);
    for (const l of this.persisted) l({ userId, keyId: null });
    return keys;
  }

  /** Counts, for tests and diagnostics. */
  get sizes(): { users: number; keys: number } {
    return { users: this.users.size, keys: this.keys.size };
  }

  private emit(r: Revocation): void {
    for (const l of this.listeners) l(r);
  }
}
