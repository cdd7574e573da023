// bench:cluster's window on serve's commits: preloaded into the `serve` child (node --import), it watches the
// messages of the process's worker threads and, for each committed batch of the engine worker, writes the instant
// its transaction returned (stages.committedAt, stageClock(): epoch ms with a sub-ms fraction) and which private
// events it holds (user, first and last seq) to file descriptor 3, one JSON line per batch:
//   {"t":1733250000123.456,"c":[[userId,firstSeq,lastSeq],...]}
// The cluster's batches carry the same stages on NATS, where the bench reads them directly; so both sides of the
// commit -> push comparison start at the same line of the engine (engine-runner.ts). Bench-only: nothing in src/
// loads it. Its cost to serve is one small JSON line per batch, written off the hot path (one write per loop turn).

import { createWriteStream } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { CommittedMessage } from '../src/pipeline/protocol.js';

const out = createWriteStream('', { fd: 3 });
out.on('error', () => undefined);
let lines: string[] = [];
const send = (): void => {
  const text = lines.join('');
  lines = [];
  out.write(text);
};

const tap = (m: CommittedMessage): void => {
  const t = m.stages?.committedAt;
  if (t === undefined) return;
  const c = m.events.map((e) => [e.userId, e.firstSeq, e.lastSeq]);
  if (lines.push(JSON.stringify({ t, c }) + '\n') === 1) setImmediate(send);
};

// Worker re-emits each message of its port through this.emit('message', m): wrap it for every worker.
const emit = Worker.prototype.emit;
Worker.prototype.emit = function (this: Worker, event: string | symbol, ...args: unknown[]): boolean {
  const m = args[0] as { kind?: unknown } | undefined;
  if (event === 'message' && m?.kind === 'committed') tap(m as CommittedMessage);
  return emit.call(this, event, ...args);
};
