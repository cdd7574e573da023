// A SQLite reader thread (started by sqlite-read-pool.ts): one read-only connection to the database file, running
// the ReadStore calls the gateway posts, one at a time, and posting the results back (structured clone keeps
// bigints). better-sqlite3 is synchronous, so a long read blocks this thread, never the gateway's event loop.

import { parentPort, threadId, workerData } from 'node:worker_threads';
import { READ_METHODS, type ReadStore } from './store.js';
import { SqliteStore } from './sqlite-store.js';

export interface ReaderInit {
  readonly path: string;
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
if (port === null) throw new Error('sqlite-reader must run in a worker thread');
const store = new SqliteStore((workerData as ReaderInit).path, { readonly: true });
const allowed = new Set<string>(READ_METHODS);

port.on('message', (m: ReadRequest | 'close') => {
  if (m === 'close') {
    void store.close().finally(() => port.close());
    return;
  }
  void (async () => {
    let reply: ReadReply;
    try {
      if (!allowed.has(m.method)) throw new Error(`sqlite reader: ${m.method} is not a read`);
      const call = store[m.method] as (...a: unknown[]) => Promise<unknown>;
      reply = { id: m.id, ok: true, value: await call.apply(store as ReadStore, [...m.args]), threadId };
    } catch (e) {
      reply = { id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
  })();
});
