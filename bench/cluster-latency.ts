// bench:cluster's latency round: create_order at an offered rate through one or more servers (gateways, or serve),
// each owner's socket on one of them (round-robin, so most orders enter on another gateway than the socket's), and
// the time to the owner's order.update NEW push from three points: the HTTP answer, the request, and the engine's
// commit of the batch holding the order. The sockets live in a child process (bench/push-receiver.ts) that only
// receives, so a push's arrival is not read late by this process's busy load generator; both processes' CPU is
// reported. The commit instant is the one the engine takes when its transaction returned (engine-runner.ts
// stages.committedAt, stageClock(): epoch ms with a sub-ms fraction, comparable across the processes of one
// machine): the cluster's engine publishes it with each committed batch on NATS (read by the receiver, subscribed to
// the committed subject, which also times the NATS hop), serve's engine thread posts it to its main thread (read by
// bench/commit-tap.ts, preloaded into serve, on file descriptor 3, and here). A push is matched to its batch by
// (user, seq). Each round also reports the CPU its server processes used per answered order (/proc/<pid>/stat), a
// figure the machine's other load disturbs far less than the latencies.

import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ReceiverResult, ReceiverStart } from './push-receiver.js';

export interface LatencyRound {
  p50: number;
  p99: number;
  e2eP50: number;
  e2eP99: number;
  /** The engine's commit -> the push received here. */
  commitP50: number;
  commitP99: number;
  /** The engine's commit -> this process heard the batch on NATS (NaN: not over NATS). */
  natsP50: number;
  natsP99: number;
  achieved: number;
  /** The engine's transactions during the round: mean duration (ms) and commands per transaction. */
  commitMs: number;
  batchCommands: number;
  /** CPU ms per answered order of each group of server processes during the round (e.g. engine, gateways). */
  cpuPerOrder: Record<string, number>;
  /** Cores used by this process (the load generator) and by the push receiver during the round. */
  loadCpu: number;
  receiverCpu: number;
}

/** Server processes whose CPU a round reports, by group (a group's processes are summed). */
export type CpuGroups = Record<string, readonly number[]>;

/** CPU ms (user + system, all threads) a process used so far: /proc/<pid>/stat, in USER_HZ (100/s) ticks. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** The sums and counts of the commit histograms a server shows on /metrics (a gateway: the engine's batches). */
async function commitCounters(base: string): Promise<number[]> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const at = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return ['commit_seconds_sum', 'commit_seconds_count', 'commit_batch_commands_sum'].map((n) => at(`fillstream_${n}`));
}

const groupCpu = (groups: CpuGroups): Record<string, number> =>
  Object.fromEntries(Object.entries(groups).map(([g, pids]) => [g, pids.reduce((t, p) => t + cpuMs(p), 0)]));

/** stageClock() of this process (src/pipeline/protocol.ts): epoch ms with a sub-ms fraction. */
const now = (): number => performance.timeOrigin + performance.now();

/** The commit instants of the batches seen during a round, by (user, seq) of the private events they hold. */
export class CommitStamps {
  private readonly at = new Map<string, number>();
  /** Commit -> heard by the push receiver, per batch (over NATS only). */
  readonly heard: number[] = [];

  /** A committed batch: its commit instant, its events' (user, first seq, last seq), and when it was heard. */
  add(committedAt: number, chunks: ReadonlyArray<readonly [number, number, number]>, heardAt?: number): void {
    if (heardAt !== undefined) this.heard.push(heardAt - committedAt);
    for (const [user, first, last] of chunks)
      for (let s = first; s <= last; s++) this.at.set(`${user}:${s}`, committedAt);
  }

  get(user: number, seq: number): number | undefined {
    return this.at.get(`${user}:${seq}`);
  }
}

/** serve's commit instants, read in this process: started before the round, stopped after it. */
export interface CommitSource {
  start(stamps: CommitStamps): void;
  stop(): void;
}

/** serve's: the lines bench/commit-tap.ts writes on the child's file descriptor 3. */
export function tappedCommits(fd3: Readable): CommitSource {
  let target: CommitStamps | null = null;
  createInterface({ input: fd3 }).on('line', (line) => {
    if (target === null) return;
    const b = JSON.parse(line) as { t: number; c: Array<[number, number, number]> };
    target.add(b.t, b.c);
  });
  return {
    start: (stamps) => (target = stamps),
    stop: () => (target = null),
  };
}

export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number);
};

export async function post(base: string, path: string, body: unknown, headers: Record<string, string>) {
  const r = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return (await r.json()) as { code: number; data: Record<string, unknown> };
}

const MAX_INFLIGHT = 256;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where a round's commit instants come from: serve's tap, or the cluster's batches on NATS (heard by the receiver). */
export type Commits = { tap: CommitSource } | { nats: { servers: string; subject: string } };

/** Forks bench/push-receiver.js with the round's sockets; resolves once they are open. */
async function forkReceiver(start: ReceiverStart) {
  const child = fork(fileURLToPath(new URL('./push-receiver.js', import.meta.url)), [], { stdio: 'inherit' });
  const first = await new Promise<{ ready?: boolean; error?: string }>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`push receiver exited (${code}) before it was ready`)));
    child.send(start);
  });
  if (first.ready !== true) throw new Error(`push receiver: ${first.error ?? 'not ready'}`);
  return {
    stop: () =>
      new Promise<ReceiverResult>((resolve, reject) => {
        child.once('message', (m) => {
          resolve(m as ReceiverResult);
          child.disconnect();
        });
        child.once('exit', (code) => reject(new Error(`push receiver exited (${code}) without its result`)));
        child.send({ stop: true });
      }),
  };
}

export async function pushLatency(
  bases: string[],
  users: Array<{ id: number; token: string }>,
  rate: number,
  seconds: number,
  label: string,
  commits: Commits,
  cpu: CpuGroups,
): Promise<LatencyRound> {
  /** Each answered order: request sent and answer read (stageClock()). */
  const acked = new Map<number, { sentAt: number; at: number }>();
  const stamps = new CommitStamps();
  const receiver = await forkReceiver({
    sockets: users.map((u, i) => ({
      url: `${(bases[i % bases.length] as string).replace('http', 'ws')}/ws?token=${u.token}`,
      user: u.id,
    })),
    ...('nats' in commits ? { nats: commits.nats } : {}),
  });
  if ('tap' in commits) commits.tap.start(stamps);
  await sleep(300);
  let sent = 0;
  let done = 0;
  let open = 0;
  const inflight: Array<Promise<void>> = [];
  const commits0 = await commitCounters(bases[0] as string);
  const cpu0 = groupCpu(cpu);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    // At most MAX_INFLIGHT requests open: past what the servers take, offered load is dropped, not queued.
    for (; sent < due; sent++) {
      if (open >= MAX_INFLIGHT) continue;
      open++;
      const u = users[sent % users.length] as { id: number; token: string };
      const side = sent % 2 ? 'SELL' : 'BUY';
      const sentAt = now();
      inflight.push(
        post(
          bases[Math.floor(sent / users.length) % bases.length] as string,
          '/api/v1/create_order',
          {
            symbol: 'BTC_USDT',
            side,
            order_type: 'LIMIT',
            price: side === 'BUY' ? '29990.00' : '30010.00',
            qty: '0.001',
          },
          { authorization: `Bearer ${u.token}` },
        ).then((r) => {
          done++;
          open--;
          const id = r.data?.['order_id'] as number | undefined;
          if (id !== undefined) acked.set(id, { sentAt, at: now() });
        }),
      );
    }
    await sleep(1);
  }
  await Promise.all(inflight);
  const cpu1 = groupCpu(cpu);
  const self = process.cpuUsage(self0);
  const wall = performance.now() - t0;
  await sleep(500);
  const [sum, count, commands] = (await commitCounters(bases[0] as string)).map((x, i) => x - (commits0[i] as number));
  if ('tap' in commits) commits.tap.stop();
  const got = await receiver.stop();
  for (const [t, chunks, heardAt] of got.batches) stamps.add(t, chunks, heardAt);
  const fromCommit: number[] = [];
  const lat: number[] = [];
  const e2e: number[] = [];
  for (const [user, seq, orderId, at] of got.pushes) {
    const c = stamps.get(user, seq);
    if (c !== undefined) fromCommit.push(at - c);
    const a = acked.get(orderId);
    if (a === undefined) continue;
    lat.push(Math.max(0, at - a.at));
    e2e.push(at - a.sentAt);
  }
  const round = {
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    e2eP50: pct(e2e, 50),
    e2eP99: pct(e2e, 99),
    commitP50: pct(fromCommit, 50),
    commitP99: pct(fromCommit, 99),
    natsP50: pct(stamps.heard, 50),
    natsP99: pct(stamps.heard, 99),
    achieved: done / seconds,
    commitMs: (1000 * (sum as number)) / (count as number),
    batchCommands: (commands as number) / (count as number),
    cpuPerOrder: Object.fromEntries(
      Object.keys(cpu).map((g) => [g, ((cpu1[g] as number) - (cpu0[g] as number)) / Math.max(1, done)]),
    ),
    loadCpu: (self.user + self.system) / 1000 / wall,
    receiverCpu: got.cpuMs / got.wallMs,
  };
  const cpuLine = Object.entries(round.cpuPerOrder).map(([g, ms]) => `${g} ${ms.toFixed(2)}`);
  const f = (x: number) => x.toFixed(2);
  console.log(
    `  ${label}: achieved ${Math.round(round.achieved)}/s; commit -> push received p50 ${f(round.commitP50)} ms, ` +
      `p99 ${f(round.commitP99)} ms (${fromCommit.length} of ${got.pushes.length} pushes matched to their batch)` +
      (stamps.heard.length > 0
        ? ` [commit -> batch heard on NATS p50 ${f(round.natsP50)} ms, p99 ${f(round.natsP99)} ms]`
        : '') +
      `; ack -> push p50 ${f(round.p50)} ms, p99 ${f(round.p99)} ms; request -> push p50 ${f(round.e2eP50)} ms, ` +
      `p99 ${f(round.e2eP99)} ms (${lat.length} samples); CPU ms per order: ${cpuLine.join(', ')}; ` +
      `${count} transactions of ${round.batchCommands.toFixed(1)} commands, ${f(round.commitMs)} ms each (mean); ` +
      `load generator ${f(round.loadCpu)} of a core, receiver ${f(round.receiverCpu)}`,
  );
  return round;
}
