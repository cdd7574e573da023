// A reader thread of the gateway (started by read-pool.ts): its own store, running the ReadStore calls the gateway
// posts and posting the results back (structured clone keeps bigints). SQLite: one read-only connection, one
// call at a time (better-sqlite3 is synchronous, so a long read blocks this thread, never the gateway's event
// loop). PostgreSQL: a small pool of its own, calls run concurrently, and decoding their rows (node-postgres
// parses them in JavaScript) happens here too. On Linux the thread runs at a lower CPU priority than the rest of
// the server, so that when the cores are busy one user's heavy reads wait, not the event loop and the engine.

import { parentPort, threadId, workerData } from 'node:worker_threads';
import { READ_METHODS, type ReadStore } from './store.js';
import { SqliteStore } from './sqlite-store.js';
import { PostgresStore } from './postgres-store.js';
import { niceThisThread } from './thread-priority.js';

/** Connections of one PostgreSQL reader thread. */
const PG_READER_CONNECTIONS = 4;

export interface ReaderInit {
  /** The database: a SQLite file or a PostgreSQL URL. */
  readonly target:
    { readonly driver: 'sqlite'; readonly path: string } | { readonly driver: 'postgres'; readonly url: string };
  /** Nice value to run at (Linux; the server's other threads keep theirs). */
  readonly nice: number;
}

export interface ReadRequest {
  readonly id: number;
  readonly method: (typeof READ_METHODS)[number];
  readonly args: readonly unknown[];
}

export type ReadReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown; readonly threadId: number }
  | { readonly id: number; readonly ok: false; readonly error: string };

const port = parentPort;
if (port === null) throw new Error('store-reader must run in a worker thread');
const init = workerData as ReaderInit;
const store =
  init.target.driver === 'sqlite'
    ? new SqliteStore(init.target.path, { readonly: true })
    : new PostgresStore(init.target.url, { max: PG_READER_CONNECTIONS });
niceThisThread(init.nice); // not permitted, or not Linux: the reader keeps the server's priority
const allowed = new Set<string>(READ_METHODS);

port.on('message', (m: ReadRequest | 'close') => {
  if (m === 'close') {
    void store.close().finally(() => port.close());
    return;
  }
  void (async () => {
    let reply: ReadReply;
    try {
      if (!allowed.has(m.method)) throw new Error(`store reader: ${m.method} is not a read`);
      const call = store[m.method] as (...a: unknown[]) => Promise<unknown>;
      reply = { id: m.id, ok: true, value: await call.apply(store as ReadStore, [...m.args]), threadId };
    } catch (e) {
      reply = { id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
  })();
});
