// bench:cluster's client processes: starts one bench/cluster-client.js per job, waits until every one has its
// connections open ("open <n>"), runs `whileOpen` with the total opened, then tells them to finish (a stdin line)
// and collects each one's JSON result.

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
  cpuMs: number;
  wallMs: number;
}

const CLIENT = fileURLToPath(new URL('./cluster-client.js', import.meta.url));

export async function runClients(
  jobs: ClientJob[],
  whileOpen: (opened: number) => Promise<void>,
): Promise<ClientResult[]> {
  const children = jobs.map((job) => {
    const child = spawn(process.execPath, [CLIENT, JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let opened = -1;
    let onOpen: () => void = () => undefined;
    const isOpen = new Promise<void>((r) => (onOpen = r));
    const result = new Promise<ClientResult>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
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
    return { child, isOpen, result, opened: () => opened };
  });
  await Promise.all(children.map((c) => c.isOpen));
  await whileOpen(children.reduce((s, c) => s + c.opened(), 0));
  for (const c of children) c.child.stdin.end('stop\n');
  return Promise.all(children.map((c) => c.result));
}
