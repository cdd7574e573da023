// Lowers the CPU priority of the calling thread only (Linux: setpriority() with the thread's kernel id, read from
// /proc/thread-self, "<pid>/task/<tid>"), for the store's background threads (readers, the WAL checkpointer), so
// that on busy cores the event loop and the engine go first. Elsewhere, or where it is not permitted, nothing.

import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Sets this thread's nice value; false when it could not (not Linux, or not permitted). */
export function niceThisThread(nice: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isSafeInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
