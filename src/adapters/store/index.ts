// Picks the Store implementation from a database URL, opens it and migrates it.

import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite-store.js';
import { PostgresStore } from './postgres-store.js';
import { GatewayStore } from './read-pool.js';

export type * from './store.js';
export { SqliteStore } from './sqlite-store.js';
export { PostgresStore } from './postgres-store.js';
export { GatewayStore } from './read-pool.js';

export interface OpenStoreOptions {
  /** Directory that relative SQLite paths are resolved against (default: the working directory). */
  readonly dataDir?: string;
  /**
   * Run the reads (ReadStore) on this many reader threads instead of this one (read-pool.ts; not for an
   * in-memory SQLite database). The gateway does; the engine worker, which writes, does not.
   */
  readonly readerThreads?: number;
  /** SQLite: run the WAL checkpoints on a thread of their own (sqlite-checkpointer.ts; the engine's writer). */
  readonly checkpointThread?: boolean;
}

const USAGE = 'use sqlite:<path> (or file:<path>, or a path ending in .db) or postgres://user@host:port/database';

/** Where a URL points: a SQLite file path or a PostgreSQL connection string. */
export function parseStoreUrl(
  url: string,
  opts: OpenStoreOptions = {},
): { driver: 'sqlite'; path: string } | { driver: 'postgres'; url: string } {
  const u = url.trim();
  const sqlitePath = (p: string): { driver: 'sqlite'; path: string } => {
    if (p === '') throw new Error(`database URL "${url}" has no file path — ${USAGE}`);
    if (p === ':memory:' || isAbsolute(p)) return { driver: 'sqlite', path: p };
    return { driver: 'sqlite', path: resolve(opts.dataDir ?? '.', p) };
  };
  if (/^postgres(ql)?:\/\//i.test(u)) return { driver: 'postgres', url: u };
  if (/^file:\/\//i.test(u)) return sqlitePath(fileURLToPath(u));
  const prefixed = /^(sqlite3?|file):(.*)$/i.exec(u);
  if (prefixed) {
    const rest = prefixed[2] ?? '';
    // sqlite:///abs/path.db and sqlite://rel.db are accepted as well as sqlite:path.
    return sqlitePath(rest.startsWith('//') ? rest.slice(2) : rest);
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(u); // two letters at least: C:\x.db is a path
  if (scheme) throw new Error(`unknown database driver "${scheme[1]}:" — ${USAGE}`);
  if (/\.db$/i.test(u)) return sqlitePath(u);
  throw new Error(`unknown database URL "${url}" — ${USAGE}`);
}

/** Opens the store a URL names and brings its schema up to date. */
export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const target = parseStoreUrl(url, opts);
  const store: Store =
    target.driver === 'sqlite'
      ? new SqliteStore(target.path, { checkpointThread: opts.checkpointThread === true })
      : new PostgresStore(target.url);
  try {
    await store.migrate();
    const readers = opts.readerThreads ?? 0;
    const shared = target.driver === 'postgres' || target.path !== ':memory:';
    return readers > 0 && shared ? await GatewayStore.start(store, target, readers) : store;
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}
