// The servers bench:http measures and what it reads off them: a bare Fastify
// hello-world and fillstream (as child processes, with funded users and their
// tokens), their CPU time per thread from /proc, the machine's busy time, and
// quantiles of the server's own Prometheus histograms between two scrapes.

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { freePort } from '../test/support/net.js';

const ADMIN = 'bench-http-admin-token-0123456789';

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never became ready`);
}

export interface Target {
  name: string;
  base: string;
  child: ChildProcess;
  /** Authorization header per request index (empty for hello). */
  auth: string[];
  cleanup: () => Promise<void>;
}

/** Node flags for the servers started from now on (CPU profiles when asked). */
let serverFlags: string[] = [];
export function setServerFlags(flags: string[]): void {
  serverFlags = flags;
}

export async function startHello(): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, [...serverFlags, 'dist/bench/hello-server.js', String(port)], {
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`${base}/api/v1/create_order`, { method: 'POST' });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { name: 'fastify hello-world', base, child, auth: [''], cleanup: async () => undefined };
}

export async function startExchange(
  name: string,
  databaseUrl: string,
  users: number,
  cleanup: () => Promise<void>,
  /** More settings for the server child (e.g. bench:orders raises the WebSocket limits). */
  extraEnv: Readonly<Record<string, string>> = {},
) {
  const port = await freePort();
  const env = {
    PATH: process.env['PATH'] ?? '',
    FILLSTREAM_PORT: String(port),
    FILLSTREAM_HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    FILLSTREAM_ADMIN_TOKEN: ADMIN,
    FILLSTREAM_TOKEN_SECRET: 'bench-http-token-secret-0123456789abcdef',
    FILLSTREAM_ENCRYPTION_KEY: 'b'.repeat(64),
    FILLSTREAM_LOG_LEVEL: 'warn',
    FILLSTREAM_RATE_ORDERS: '1000000',
    FILLSTREAM_RATE_QUERIES: '1000000',
    FILLSTREAM_QUEUE_CAPACITY: '100000',
    ...extraEnv,
  };
  const child = spawn(process.execPath, [...serverFlags, 'dist/src/cli/main.js', 'serve'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/readyz`, child);
  const admin = { 'content-type': 'application/json', 'x-admin-token': ADMIN };
  const auth: string[] = [];
  for (let i = 0; i < users; i++) {
    const u = (await (
      await fetch(`${base}/api/v1/admin/users`, { method: 'POST', headers: admin, body: '{}' })
    ).json()) as {
      data: { user_id: number; token: string };
    };
    for (const [asset, qty] of [
      ['BTC', '100000'],
      ['USDT', '10000000000'],
    ]) {
      await fetch(`${base}/api/v1/admin/deposit`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ user_id: u.data.user_id, asset, qty }),
      });
    }
    auth.push(`Bearer ${u.data.token}`);
  }
  return { name, base, child, auth, cleanup } satisfies Target;
}

/** CPU time (µs) the server process has used so far: its main thread, and all its other threads. */
export function serverCpu(pid: number): { main: number; other: number } {
  const tick = 1e6 / 100; // USER_HZ is 100 on Linux
  let main = 0;
  let other = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const us = (Number(f[11]) + Number(f[12])) * tick; // utime + stime
      if (Number(tid) === pid) main += us;
      else other += us;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { main, other };
}

/** Busy and total jiffies of the whole machine (all CPUs), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] as number) - (f[4] as number), total }; // minus idle and iowait
}

/** Cumulative bucket counts (upper bound in seconds → count) of one histogram series in /metrics text. */
function buckets(text: string, name: string, labels: string): Map<number, number> {
  const out = new Map<number, number>();
  const re = new RegExp(`^${name}_bucket\\{le="([^"]+)"${labels}\\} (\\d+)$`, 'gm');
  for (const m of text.matchAll(re)) out.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  return out;
}

/** "p50 ≤ a ms, p99 ≤ b ms" of what a histogram gained between two scrapes (bucket upper bounds). */
export function quantiles(before: string, after: string, name: string, labels = ''): string {
  const b0 = buckets(before, name, labels);
  const b1 = [...buckets(after, name, labels)].map(([le, n]) => [le, n - (b0.get(le) ?? 0)] as const);
  b1.sort((x, y) => x[0] - y[0]);
  const total = b1.at(-1)?.[1] ?? 0;
  if (total === 0) return 'no data';
  const q = (p: number) => {
    const le = b1.find(([, n]) => n >= p * total)?.[0] ?? Infinity;
    return le === Infinity ? '> last bucket' : `≤ ${+(le * 1000).toFixed(2)} ms`;
  };
  return `p50 ${q(0.5)}, p99 ${q(0.99)} (${total})`;
}

/** The stages of fillstream_order_stage_seconds (src/metrics.ts), copied: the bench reads /metrics text. */
const STAGES = ['to_engine', 'match', 'wait_commit', 'commit', 'sync', 'to_gateway', 'push', 'total'];

/** "stage p50/p99 ms" (bucket upper bounds) of every order stage between two scrapes, the batches counted. */
export function stageQuantiles(before: string, after: string): string {
  const parts: string[] = [];
  let batches = 0;
  for (const stage of STAGES) {
    const b0 = buckets(before, 'fillstream_order_stage_seconds', `,stage="${stage}"`);
    const b1 = [...buckets(after, 'fillstream_order_stage_seconds', `,stage="${stage}"`)].map(
      ([le, n]) => [le, n - (b0.get(le) ?? 0)] as const,
    );
    b1.sort((x, y) => x[0] - y[0]);
    const total = b1.at(-1)?.[1] ?? 0;
    if (total === 0) continue;
    batches = total;
    const q = (p: number) => {
      const le = b1.find(([, n]) => n >= p * total)?.[0] ?? Infinity;
      return le === Infinity ? '>1000' : String(+(le * 1000).toFixed(2));
    };
    parts.push(`${stage} ${q(0.5)}/${q(0.99)}`);
  }
  return parts.length === 0 ? 'no stages' : `stages p50/p99 ms (≤ bucket, ${batches} batches): ${parts.join(', ')}`;
}

export async function metricsText(t: Target): Promise<string> {
  return (await fetch(`${t.base}/metrics`)).text();
}

export async function stop(t: Target): Promise<void> {
  const exited = new Promise((r) => t.child.once('exit', r));
  t.child.kill('SIGTERM');
  await exited;
  await t.cleanup();
}
