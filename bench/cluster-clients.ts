// bench:cluster's client processes: starts one bench/cluster-client.js per job, waits until every one has its
// connections open ("open <n>"), runs `whileOpen` with the total opened and a live sum of the deliveries the
// fan-out clients report ("count <n>" lines), then tells them to finish (a stdin line) and collects each one's JSON
// result.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ClientJob {
  mode: 'hold' | 'fanout';
  urls: string[];
  count: number;
  subnet: number;
  seconds: number;
  pingEveryMs: number;
}

export interface ClientResult {
  open: number;
  deliveries: number;
  /** Epoch ms (high resolution) of the first and last delivery counted. */
  first: number;
  last: number;
  rtts: number[];
  /** Connections the server closed during the round, by close code. */
  closes: Record<string, number>;
  /** Sockets that did not open, by error. */
  connectErrors: Record<string, number>;
  /** Fan-out only: per server (index in the job's urls), sockets opened and confirmed, and what they received. */
  perServer: Array<{
    open: number;
    subscribed: number;
    noTrade: number;
    deliveries: number;
    other: Record<string, number>;
  }>;
  cpuMs: number;
  wallMs: number;
}

const CLIENT = fileURLToPath(new URL('./cluster-client.js', import.meta.url));

export async function runClients(
  jobs: ClientJob[],
  whileOpen: (opened: number, delivered: () => number) => Promise<void>,
): Promise<ClientResult[]> {
  const children = jobs.map((job) => {
    const child = spawn(process.execPath, [CLIENT, JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let opened = -1;
    let count = 0;
    let onOpen: () => void = () => undefined;
    const isOpen = new Promise<void>((r) => (onOpen = r));
    const result = new Promise<ClientResult>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const counts = out.match(/^count \d+$/gm);
        if (counts !== null) {
          count = Number(counts[counts.length - 1]?.slice(6));
          out = out.replace(/^count \d+\n/gm, '');
        }
        const m = /^open (\d+)$/m.exec(out);
        if (m && opened < 0) {
          opened = Number(m[1]);
          onOpen();
        }
      });
      child.once('close', (code) => {
        const line = out.trim().split('\n').pop() ?? '';
        if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as ClientResult);
        else reject(new Error(`client exited ${code}: ${out.slice(-500)}`));
      });
    });
    return { child, isOpen, result, opened: () => opened, delivered: () => count };
  });
  await Promise.all(children.map((c) => c.isOpen));
  await whileOpen(
    children.reduce((s, c) => s + c.opened(), 0),
    () => children.reduce((s, c) => s + c.delivered(), 0),
  );
  for (const c of children) c.child.stdin.end('stop\n');
  return Promise.all(children.map((c) => c.result));
}
