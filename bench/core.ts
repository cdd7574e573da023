// bench:core — replays generated data sets through the full core (balances +
// matching + events) and through the deliberately simple reference engine in the
// same process, interleaved run by run; prints medians, the ratio and memory.
//
//   npm run bench:core [-- --runs 5 --ref-runs 3 --sizes 1000000:0.3,100000:0]

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../src/core/engine.js';
import type { Command } from '../src/core/types.js';
import { writeDataSetToDir } from '../src/replay/generate.js';
import { dataSetPaths, loadDataSet } from '../src/replay/load.js';
import { ReferenceEngine } from '../test/support/reference-engine.js';

interface Options {
  runs: number;
  refRuns: number;
  sets: Array<{ orders: number; cancelRatio: number }>;
  dataDir: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    runs: 5,
    refRuns: 3,
    sets: [
      { orders: 1_000_000, cancelRatio: 0.3 },
      { orders: 100_000, cancelRatio: 0 },
    ],
    dataDir: '.bench-data',
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? '';
    if (argv[i] === '--runs') o.runs = Math.max(1, Number.parseInt(v, 10));
    else if (argv[i] === '--ref-runs') o.refRuns = Math.max(0, Number.parseInt(v, 10));
    else if (argv[i] === '--data-dir') o.dataDir = v;
    else if (argv[i] === '--sizes') {
      o.sets = v.split(',').map((s) => {
        const [n, r] = s.split(':');
        return { orders: Number.parseInt(n ?? '0', 10), cancelRatio: Number(r ?? '0') };
      });
    } else continue;
    i++;
  }
  return o;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

interface RunResult {
  ordersPerSec: number;
  trades: number;
  events: number;
  retainedHeap: number;
}

/** Deposits are applied untimed; the timed part is every order row (place or cancel). */
function runCore(config: ConstructorParameters<typeof Engine>[0], deposits: Command[], orders: Command[]): RunResult {
  const engine = new Engine(config);
  for (const c of deposits) engine.process(c);
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  let events = 0;
  const firstTrade = engine.nextTradeId;
  const t0 = performance.now();
  for (let i = 0; i < orders.length; i++) events += engine.process(orders[i] as Command).events.length;
  const dt = performance.now() - t0;
  const trades = engine.nextTradeId - firstTrade;
  gc();
  const retainedHeap = process.memoryUsage().heapUsed - heap0;
  if (engine.orders.size < 0) throw new Error('unreachable'); // keep the engine alive until measured
  return { ordersPerSec: (orders.length / dt) * 1000, trades, events, retainedHeap };
}

function runReference(
  config: ConstructorParameters<typeof Engine>[0],
  deposits: Command[],
  orders: Command[],
): RunResult {
  const ref = new ReferenceEngine(config);
  for (const c of deposits) ref.process(c);
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  let trades = 0;
  const t0 = performance.now();
  for (let i = 0; i < orders.length; i++) trades += ref.process(orders[i] as Command).trades.length;
  const dt = performance.now() - t0;
  gc();
  const retainedHeap = process.memoryUsage().heapUsed - heap0;
  if (ref.openOrderIds().length < 0) throw new Error('unreachable');
  return { ordersPerSec: (orders.length / dt) * 1000, trades, events: 0, retainedHeap };
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  console.log(
    `bench:core  node ${process.version}, after one untimed warm-up pass: ${opts.runs} core runs and ${opts.refRuns} reference runs per set`,
  );
  for (const set of opts.sets) {
    const dir = join(opts.dataDir, `orders-${set.orders}-cancel-${set.cancelRatio}-seed-1`);
    if (!existsSync(join(dir, 'orders.csv'))) {
      mkdirSync(dir, { recursive: true });
      const t0 = performance.now();
      writeDataSetToDir({ orders: set.orders, cancelRatio: set.cancelRatio, seed: 1 }, dir);
      console.log(`generated ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const t0 = performance.now();
    const data = loadDataSet(dataSetPaths(dir));
    const loadMs = performance.now() - t0;
    const deposits = data.commands.filter((c) => c.type === 'deposit');
    const orders = data.commands.filter((c) => c.type !== 'deposit');
    const cancels = orders.filter((c) => c.type === 'cancel').length;
    console.log(
      `\n== ${orders.length} orders (${cancels} cancels), ${deposits.length} deposits; loaded in ${loadMs.toFixed(0)} ms`,
    );

    // One untimed pass each, so the timed runs measure optimised code, not the JIT warming up.
    runCore(data.config, deposits, orders);
    if (opts.refRuns > 0) runReference(data.config, deposits, orders);
    const core: RunResult[] = [];
    const ref: RunResult[] = [];
    for (let r = 0; r < Math.max(opts.runs, opts.refRuns); r++) {
      if (r < opts.runs) {
        const res = runCore(data.config, deposits, orders);
        core.push(res);
        console.log(
          `  core run ${r + 1}: ${Math.round(res.ordersPerSec).toLocaleString('en-US')} orders/s, ${res.trades} trades, ${res.events} events`,
        );
      }
      if (r < opts.refRuns) {
        const res = runReference(data.config, deposits, orders);
        ref.push(res);
        console.log(
          `  reference run ${r + 1}: ${Math.round(res.ordersPerSec).toLocaleString('en-US')} orders/s, ${res.trades} trades`,
        );
      }
    }
    if (ref.length > 0 && ref[0]?.trades !== core[0]?.trades) {
      throw new Error(`core and reference disagree on the trade count: ${core[0]?.trades} vs ${ref[0]?.trades}`);
    }
    const coreMed = median(core.map((r) => r.ordersPerSec));
    const line = [`  median core: ${Math.round(coreMed).toLocaleString('en-US')} orders/s`];
    if (ref.length > 0) {
      const refMed = median(ref.map((r) => r.ordersPerSec));
      line.push(`reference: ${Math.round(refMed).toLocaleString('en-US')} orders/s`);
      line.push(`ratio core/reference: ${(coreMed / refMed).toFixed(2)}x`);
    }
    console.log(line.join('  |  '));
    console.log(
      `  heap retained by the final state: core ${mib(median(core.map((r) => r.retainedHeap)))}` +
        (ref.length > 0 ? `, reference ${mib(median(ref.map((r) => r.retainedHeap)))}` : ''),
    );
  }
  const ru = process.resourceUsage();
  console.log(`\npeak RSS of the whole process (data set in memory included): ${mib(ru.maxRSS * 1024)}`);
}

main();
