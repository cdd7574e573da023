// bench:failover — engine takeovers under load: two engines (leader + standby on the NATS KV lease) and two gateways
// as child processes on a private prefix and a fresh database; orders offered at --rate per second (open loop: sent
// on schedule whatever is still unanswered, half over HTTP alternating between the gateways, half over WebSocket
// order entry), the leader killed with SIGKILL --takeovers times at seeded moments, the killed one restarted as the
// new standby each time. Per takeover: kill -> first acknowledged order sent after the old leader was dead (the new
// leader's), the answers other than 0 by code that arrived in the takeover's window (kill .. kill + 10 s), how long a
// gateway's /readyz said not ready, and the acknowledged orders/s in the --window seconds before the kill and after
// the first new acknowledgement; from the new leader's log, when it took the lease and when it was ready (recovered
// from PostgreSQL, consuming).
//
//   npm run bench:failover [-- --rate 1000 --takeovers 5 --steady 4 --window 2 --lease 1500 --ttl 2000 --seed 1]

import { loadavg } from 'node:os';
import { Prng } from '../src/replay/prng.js';
import { failoverLab, type LabUser } from '../test/cluster/failover-lab.js';
import { type Answer, type OrderEntry, WsOrders, httpEntry, wsEntry } from '../test/cluster/order-load.js';
import { type RoleProcess, waitFor } from '../test/cluster/cluster-lab.js';
import { exitOnHelp } from './help.js';

exitOnHelp(`bench:failover: kill -9 the leading engine under load and measure the takeover.
Needs DATABASE_URL (PostgreSQL) and NATS_URL (NATS with JetStream); exits 2 without them.

usage: npm run bench:failover [-- --rate 1000 --takeovers 5 --steady 4 --window 2 --lease 1500 --ttl 2000 --seed 1]
  --rate R        orders offered per second, half over HTTP, half over WebSocket order entry (default 1000)
  --takeovers N   leader kills (default 5)
  --steady S      seconds of steady load before each kill, after the restarted engine is standby (default 4)
  --window S      seconds measured for orders/s before the kill and after the takeover (default 2)
  --lease MS      FILLSTREAM_CLUSTER_LEASE_MS of the engines (default 1500)
  --ttl MS        FILLSTREAM_CLUSTER_COMMAND_TTL_MS of the gateways (default 2000)
  --seed N        seed of the kill moments (default 1)`);

interface Options {
  rate: number;
  takeovers: number;
  steady: number;
  window: number;
  lease: number;
  ttl: number;
  seed: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { rate: 1000, takeovers: 5, steady: 4, window: 2, lease: 1500, ttl: 2000, seed: 1 };
  const flags: Record<string, keyof Options> = {
    '--rate': 'rate',
    '--takeovers': 'takeovers',
    '--steady': 'steady',
    '--window': 'window',
    '--lease': 'lease',
    '--ttl': 'ttl',
    '--seed': 'seed',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = flags[argv[i] as string];
    const v = Number(argv[i + 1]);
    if (key === undefined || !Number.isSafeInteger(v) || v < 1) {
      throw new Error(`bad argument ${argv[i]} ${argv[i + 1]} (--help lists them)`);
    }
    o[key] = v;
  }
  return o;
}

interface Round {
  readonly killedAt: number;
  readonly took: number;
  /** From the new leader's log: kill -> it took the lease, kill -> it was ready (recovered, consuming). */
  readonly leased: number | null;
  readonly ready: number | null;
  readonly errors: Map<string, number>;
  readonly before: number;
  readonly after: number;
  readonly offered: number;
  /** ms a gateway's /readyz was not 200 in the takeover's window (the longer of the two gateways). */
  readonly notReady: number;
}

interface Sent {
  readonly sentAt: number;
  answeredAt: number;
  /** 0: acknowledged; an error code; 'net': the connection failed; null: no answer yet. */
  code: number | 'net' | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ms from `since` to the log line (pino JSON) with this message, or null. */
function logged(output: string, msg: string, since: number): number | null {
  for (const line of output.split('\n')) {
    if (!line.includes(`"msg":"${msg}`)) continue;
    const t = (JSON.parse(line) as { time?: unknown }).time;
    if (typeof t === 'number') return t - since;
  }
  return null;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!process.env['DATABASE_URL'] || !process.env['NATS_URL']) {
    process.stderr.write('bench:failover needs DATABASE_URL (postgres://...) and NATS_URL (NATS with JetStream)\n');
    process.exit(2);
  }
  const prng = new Prng(o.seed);
  const l = await failoverLab({
    FILLSTREAM_CLUSTER_LEASE_MS: String(o.lease),
    FILLSTREAM_CLUSTER_COMMAND_TTL_MS: String(o.ttl),
    // A takeover holds seconds of orders in flight; the socket's cap (100 by default) would answer them 4291.
    FILLSTREAM_WS_MAX_ORDERS_IN_FLIGHT: '100000',
  });
  const sockets: WsOrders[] = [];
  let offering = true;
  try {
    let leader: RoleProcess = l.engine();
    await waitFor('first engine leads', () => l.leads(leader));
    let standby: RoleProcess = l.engine();
    await waitFor('second engine waits', () => l.waits(standby));
    const bases = [(await l.gateway()).base, (await l.gateway()).base];
    const users: LabUser[] = [];
    for (let i = 0; i < 8; i++) users.push(await l.user(bases[i % 2] as string, { BTC: '100000', USDT: '1000000000' }));
    const entries: OrderEntry[] = [];
    for (const [i, u] of users.entries()) {
      if (i % 2 === 0) entries.push(httpEntry(bases, u.token));
      else {
        const ws = await WsOrders.open(bases[(i >> 1) % 2] as string, u.token);
        sockets.push(ws);
        entries.push(wsEntry(ws));
      }
    }
    const sent: Sent[] = [];
    const reasons = new Map<string, number>();
    let n = 0;
    const offer = (entry: OrderEntry) => {
      const s: Sent = { sentAt: Date.now(), answeredAt: 0, code: null };
      sent.push(s);
      n++;
      const body = {
        symbol: 'BTC_USDT',
        side: n % 2 === 0 ? 'BUY' : 'SELL',
        order_type: 'LIMIT',
        price: (99 + (n % 5) / 2).toFixed(2),
        qty: '0.01',
        cid: `b${n}`,
      };
      void entry.place(body).then((a: Answer | null) => {
        s.answeredAt = Date.now();
        s.code = a === null ? 'net' : a.code;
        if (a !== null && a.code !== 0) {
          const why = `${a.code} ${a.msg ?? ''}`;
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
        }
      });
    };
    // Open loop: every 10 ms, whatever the schedule owes by then; after a stall of this process longer than 100 ms
    // the rest is skipped (counted), not sent in a burst.
    const started = Date.now();
    let skipped = 0;
    // Each gateway's /readyz every 100 ms: when it said not ready.
    const unready: Array<{ at: number; gw: number }> = [];
    const readyProbe = (async () => {
      while (offering) {
        await Promise.all(
          bases.map(async (b, gw) => {
            const r = await fetch(`${b}/readyz`).catch(() => null);
            if (r?.status !== 200) unready.push({ at: Date.now(), gw });
            await r?.text();
          }),
        );
        await sleep(100);
      }
    })();
    const offerer = (async () => {
      while (offering) {
        const owed = Math.floor(((Date.now() - started) * o.rate) / 1000) - n - skipped;
        const now = Math.min(owed, Math.ceil(o.rate / 10));
        skipped += owed - now;
        for (let k = 0; k < now; k++) offer(entries[n % entries.length] as OrderEntry);
        await sleep(10);
      }
    })();
    const ackedPerSec = (from: number, to: number) =>
      sent.filter((s) => s.code === 0 && s.answeredAt >= from && s.answeredAt < to).length / ((to - from) / 1000);
    const offeredPerSec = (from: number, to: number) =>
      sent.filter((s) => s.sentAt >= from && s.sentAt < to).length / ((to - from) / 1000);

    const rounds: Round[] = [];
    await sleep(o.steady * 1000);
    for (let round = 1; round <= o.takeovers; round++) {
      await sleep(prng.int(1000));
      const logFrom = standby.output().length;
      const killedAt = Date.now();
      leader.child.kill('SIGKILL');
      await leader.exited;
      const deadAt = Date.now();
      const firstAck = () => {
        let first: number | null = null;
        for (const s of sent)
          if (s.code === 0 && s.sentAt >= deadAt && (first === null || s.answeredAt < first)) first = s.answeredAt;
        return first;
      };
      await waitFor(`takeover ${round}: an order sent after the kill acknowledged`, () => firstAck() !== null, 60_000);
      const first = firstAck() as number;
      const newLeader = standby;
      [leader, standby] = [standby, l.engine()];
      await waitFor('restarted engine waits as standby', () => l.waits(standby), 60_000);
      await sleep(Math.max(o.window * 1000 - (Date.now() - first), 0));
      const windowEnd = killedAt + 10_000;
      await sleep(Math.max(windowEnd - Date.now(), 0));
      const errors = new Map<string, number>();
      for (const s of sent) {
        if (s.code === null || s.code === 0 || s.answeredAt < killedAt || s.answeredAt >= windowEnd) continue;
        errors.set(String(s.code), (errors.get(String(s.code)) ?? 0) + 1);
      }
      rounds.push({
        killedAt,
        took: first - killedAt,
        leased: logged(newLeader.output().slice(logFrom), 'engine leads: recovering', killedAt),
        ready: logged(newLeader.output().slice(logFrom), 'engine ready', killedAt),
        errors,
        before: ackedPerSec(killedAt - o.window * 1000, killedAt),
        after: ackedPerSec(first, first + o.window * 1000),
        offered: offeredPerSec(killedAt - o.window * 1000, killedAt),
        notReady:
          100 *
          Math.max(
            ...bases.map((_, gw) => unready.filter((u) => u.gw === gw && u.at >= killedAt && u.at < windowEnd).length),
          ),
      });
      process.stdout.write(`takeover ${round}: ${first - killedAt} ms (load ${loadavg()[0]?.toFixed(1)})\n`);
      await sleep(Math.max(o.steady * 1000 - (Date.now() - windowEnd), 0));
    }
    offering = false;
    await offerer;
    await readyProbe;
    await sleep(2 * o.ttl + 500); // the last answers (or their timeouts)
    printTable(o, rounds, sent);
    process.stdout.write(`refusals by message: ${JSON.stringify(Object.fromEntries(reasons))}\n`);
    process.stdout.write(
      `offered ${(sent.length / ((Date.now() - started) / 1000)).toFixed(0)}/s over the run; ${skipped} orders of the ` +
        `schedule skipped (this process stalled > 100 ms)\n`,
    );
  } finally {
    offering = false;
    for (const s of sockets) s.close();
    await l.close();
  }
}

function printTable(o: Options, rounds: readonly Round[], sent: readonly Sent[]): void {
  const codes = [...new Set(rounds.flatMap((r) => [...r.errors.keys()]))].sort();
  const head = [
    'takeover',
    'kill->leased ms',
    'kill->ready ms',
    'kill->first ack ms',
    ...codes.map((c) => `answers ${c}`),
    'gateway not ready ms',
    'offered/s',
    'acked/s before',
    'acked/s after',
  ];
  const rows = rounds.map((r, i) => [
    String(i + 1),
    String(r.leased ?? '?'),
    String(r.ready ?? '?'),
    String(r.took),
    ...codes.map((c) => String(r.errors.get(c) ?? 0)),
    `~${r.notReady}`,
    r.offered.toFixed(0),
    r.before.toFixed(0),
    r.after.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ');
  const out = [
    `bench:failover: --rate ${o.rate} --takeovers ${o.takeovers} --steady ${o.steady} --window ${o.window} ` +
      `--lease ${o.lease} --ttl ${o.ttl} --seed ${o.seed}; answers counted from the kill to 10 s after it`,
    line(head),
    ...rows.map(line),
  ];
  const took = rounds.map((r) => r.took);
  // Not acknowledged outside every takeover's window: steady-state refusals (expected none).
  const steady = new Map<string, number>();
  for (const s of sent) {
    if (s.code === 0 || rounds.some((r) => s.answeredAt >= r.killedAt && s.answeredAt < r.killedAt + 10_000)) continue;
    steady.set(String(s.code), (steady.get(String(s.code)) ?? 0) + 1);
  }
  out.push(
    `kill -> first acknowledged order on the new leader: median ${median(took)} ms, max ${Math.max(...took)} ms ` +
      `(kill -> lease taken median ${median(rounds.map((r) => r.leased ?? NaN))} ms, -> engine ready ` +
      `${median(rounds.map((r) => r.ready ?? NaN))} ms)`,
    `acked/s before (median) ${median(rounds.map((r) => r.before)).toFixed(0)}, after ${median(rounds.map((r) => r.after)).toFixed(0)}`,
    `requests ${sent.length}, acknowledged ${sent.filter((s) => s.code === 0).length}; not acknowledged outside the ` +
      `takeover windows: ${JSON.stringify(Object.fromEntries(steady))} (null: no answer at the end)`,
  );
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:failover: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
