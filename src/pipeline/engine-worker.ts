// The engine worker thread of `serve`: runs the engine (engine-runner.ts) with the thread's port as its transport.

import { parentPort, workerData } from 'node:worker_threads';
import { runEngine } from './engine-runner.js';
import type { EngineMessage, RequestGroup, WorkerInit } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('engine-worker must run in a worker thread');
const post = (m: EngineMessage): void => port.postMessage(m);

runEngine(workerData as WorkerInit, {
  post,
  onRequests: (receive) => port.on('message', (m: RequestGroup) => receive(m.group, m.sentAt)),
  close: () => port.close(),
}).catch((e: unknown) => {
  post({ kind: 'fatal', error: e instanceof Error ? e.message : String(e) });
  port.close();
});
