// bench:cluster's push receiver: a child process (forked, IPC) that holds the latency rounds' owner sockets and, for
// the cluster, the subscriber of the engine's committed batches, so that the instant a push or a batch arrives is
// read by a process that does nothing else: not by the load generator, whose event loop is busy sending requests.
// Protocol (process messages): the parent sends ReceiverStart; the child answers { ready: true } once every socket
// is open and the subscription flushed; the parent sends { stop: true }; the child answers ReceiverResult; the parent
// disconnects and the child exits.
// Times are stageClock() (epoch ms with a sub-ms fraction, comparable across the processes of one machine).

import { connect, type NatsConnection } from '@nats-io/transport-node';
import WebSocket from 'ws';
import { type CommittedEnvelope, decode } from '../src/cluster/wire.js';

export interface ReceiverStart {
  sockets: Array<{ url: string; user: number }>;
  /** The cluster's committed-batch subject, heard here (absent: serve, whose commits come from its tap). */
  nats?: { servers: string; subject: string };
}

export interface ReceiverResult {
  /** Each order.update NEW push: owner, seq, order id, when it was received. */
  pushes: Array<[user: number, seq: number, orderId: number, at: number]>;
  /** Each committed batch heard on NATS: commit instant, (user, first seq, last seq) of its events, heard at. */
  batches: Array<[committedAt: number, chunks: Array<[number, number, number]>, heardAt: number]>;
  /** CPU ms this process used between ready and stop (a receiver near one core would distort the times). */
  cpuMs: number;
  wallMs: number;
}

const now = (): number => performance.timeOrigin + performance.now();

function send(m: unknown): void {
  process.send?.(m);
}

async function start(o: ReceiverStart): Promise<void> {
  const pushes: ReceiverResult['pushes'] = [];
  const batches: ReceiverResult['batches'] = [];
  const sockets = await Promise.all(
    o.sockets.map(
      ({ url, user }) =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, { perMessageDeflate: false });
          ws.on('message', (d) => {
            const at = now();
            const m = JSON.parse(d.toString()) as {
              type: string;
              seq: number;
              data?: { order_id: number; status: string };
            };
            if (m.type === 'order.update' && m.data?.status === 'NEW') pushes.push([user, m.seq, m.data.order_id, at]);
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
  let nc: NatsConnection | null = null;
  if (o.nats !== undefined) {
    nc = await connect({ servers: o.nats.servers });
    nc.subscribe(o.nats.subject, {
      callback: (err, msg) => {
        const heardAt = now();
        if (err !== null) return;
        const b = decode<CommittedEnvelope>(msg.data);
        const t = b.stages?.committedAt;
        if (t !== undefined) batches.push([t, b.events.map((e) => [e.userId, e.firstSeq, e.lastSeq]), heardAt]);
      },
    });
    await nc.flush();
  }
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  process.once('message', (m: { stop?: boolean }) => {
    if (m.stop !== true) return;
    const cpu = process.cpuUsage(cpu0);
    const result: ReceiverResult = {
      pushes,
      batches,
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: performance.now() - wall0,
    };
    for (const ws of sockets) ws.terminate();
    // The parent disconnects once it has the result (exiting first could lose the message).
    void (nc?.close() ?? Promise.resolve()).finally(() => send(result));
  });
  send({ ready: true });
}

process.once('message', (m: ReceiverStart) => {
  start(m).catch((e: unknown) => {
    send({ error: String(e) });
    process.exitCode = 1;
    process.disconnect?.();
  });
});
