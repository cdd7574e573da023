// The thread of sqlite-checkpointer.ts: its own read-write connection to the database, a PASSIVE WAL checkpoint
// every intervalMs, each result posted back ({ ok } or { ok: false, error }). 'stop' closes the connection.

import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointerInit } from './sqlite-checkpointer.js';
import { niceThisThread } from './thread-priority.js';

const port = parentPort;
if (port === null) throw new Error('sqlite-checkpoint-worker must run in a worker thread');
const init = workerData as CheckpointerInit;

niceThisThread(init.nice); // not permitted, or not Linux: the thread keeps the process's priority

const db = new Database(init.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    port.postMessage({ ok: true });
  } catch (e) {
    port.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
}, init.intervalMs);

port.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  port.close();
});
