// WAL checkpoints of the engine's SQLite database on a thread of their own. SQLite's automatic checkpoint runs
// in the committing connection, right after a commit: on the engine thread, every 20,000 pages of WAL, one
// transaction then pays for copying them all into the database file, and every order behind it waits. This
// thread runs a PASSIVE checkpoint every CHECKPOINT_EVERY_MS on its own connection: it copies what is committed
// without waiting for, or blocking, the writer or the readers. The writer's automatic checkpoint still runs, but
// finds nearly every page already copied; it is the one that lets the WAL restart from its beginning (under
// continuous commits a checkpoint from another connection never ends at the WAL's last frame), so the WAL file
// stays as bounded as before. Durability is unchanged: a commit is durable once the writer synced the WAL, and a
// checkpoint only moves pages the WAL already holds.

import { Worker } from 'node:worker_threads';

/** Nice value of its thread, as the reader threads': the engine and the gateway's loop go first. */
export const CHECKPOINTER_NICE = 10;

/** How often the checkpointer runs. */
export const CHECKPOINT_EVERY_MS = 500;

export interface CheckpointerInit {
  readonly path: string;
  readonly intervalMs: number;
  /** Nice value of the thread (Linux): the engine and the gateway's loop go first. */
  readonly nice: number;
}

export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  /** The last error the thread reported (it keeps trying), for diagnostics and tests. */
  lastError: string | null = null;
  checkpoints = 0;

  constructor(init: CheckpointerInit) {
    this.worker = new Worker(new URL('./sqlite-checkpoint-worker.js', import.meta.url), { workerData: init });
    this.worker.on('message', (m: { ok: boolean; error?: string }) => {
      if (m.ok) this.checkpoints++;
      else this.lastError = m.error ?? 'checkpoint failed';
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('error', (e) => (this.lastError = e.message));
    this.worker.unref();
  }

  /** Stops the thread after the checkpoint it may be running. */
  async stop(): Promise<void> {
    this.worker.ref(); // unref'd while it runs; held now, so that waiting for its exit keeps the loop alive
    this.worker.postMessage('stop');
    await this.exited;
  }
}
