// bench:core — replays generated data sets through the full core (balances +
// matching + events), through the naive matching-only book of bench/naive-book.ts
// (the yardstick) and, on request, through the reference engine, in the same
// process, interleaved run by run; prints medians, the ratios and memory.
//
//   npm run bench:core [-- --runs 5 --naive-runs 5 --ref-runs 0 --sets narrow:1000000:0.3,wide:100000:0]

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../src/core/engine.js';
import type { Command } from '../src/core/types.js';
import { type PriceProfile, PRICE_PROFILES, writeDataSetToDir } from '../src/replay/generate.js';
import { dataSetPaths, loadDataSet } from '../src/replay/load.js';
import { ReferenceEngine } from '../test/support/reference-engine.js';
import { NaiveBook } from './naive-book.js';
import { exitOnHelp } from './help.js';

exitOnHelp(`bench:core: replays generated data sets through the full core, the naive book (bench/naive-book.ts) and, on request,
the reference engine, interleaved in one process; prints orders/s per run (wall and CPU time), medians and ratios.

usage: npm run bench:core [-- --runs 5 --naive-runs 5 --ref-runs 0 --sets narrow:1000000:0.3,wide:100000:0]
  --runs N         timed core runs per data set (default 5)
  --naive-runs N   timed naive-book runs per data set (default 5)
  --ref-runs N     timed reference-engine runs per data set (default 0)
  --sets LIST      data sets, [narrow|wide:]orders:cancelRatio,... (default
                   narrow:1000000:0.3,narrow:100000:0,wide:100000:0,wide:1000000:0.3); --sizes is an alias
  --data-dir DIR   where generated data sets are kept (default .bench-data)`);

interface DataSetSpec {
  profile: PriceProfile;
  orders: number;
  cancelRatio: number;
}

interface Options {
  runs: number;
  naiveRuns: number;
  refRuns: number;
  sets: DataSetSpec[];
  dataDir: string;
}

/** "[profile:]orders:cancelRatio", profile narrow when left out. */
function parseSet(text: string): DataSetSpec {
  const parts = text.split(':');
  const profile = (parts.length === 3 ? parts.shift() : 'narrow') as PriceProfile;
  const orders = Number.parseInt(parts[0] ?? '', 10);
  const cancelRatio = Number(parts[1] ?? '0');
  if (!PRICE_PROFILES.includes(profile) || !(orders > 0) || !(cancelRatio >= 0 && cancelRatio < 1)) {
    throw new Error(`bad data set "${text}": expected [narrow|wide:]orders:cancelRatio`);
  }
  return { profile, orders, cancelRatio };
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    runs: 5,
    naiveRuns: 5,
    refRuns: 0,
    sets: ['narrow:1000000:0.3', 'narrow:100000:0', 'wide:100000:0', 'wide:1000000:0.3'].map(parseSet),
    dataDir: '.bench-data',
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? '';
    if (argv[i] === '--runs') o.runs = Math.max(1, Number.parseInt(v, 10));
    else if (argv[i] === '--naive-runs') o.naiveRuns = Math.max(0, Number.parseInt(v, 10));
    else if (argv[i] === '--ref-runs') o.refRuns = Math.max(0, Number.parseInt(v, 10));
    else if (argv[i] === '--data-dir') o.dataDir = v;
    else if (argv[i] === '--sets' || argv[i] === '--sizes') o.sets = v.split(',').map(parseSet);
    else continue;
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
  /** Orders per second of process CPU time (main thread and GC helpers): steadier than wall time on a busy machine. */
  cpuOrdersPerSec: number;
  trades: number;
  events: number;
  retainedHeap: number;
  /** Price levels per side at the end (core only). */
  levels: string;
}

type Config = ConstructorParameters<typeof Engine>[0];

/**
 * Each contestant's state from its previous run, kept alive until its next run has finished. The
 * forced full GC before a timed run would otherwise collect every object of the previous run; V8
 * then drops their hidden classes, with the field representations they had widened to (a level's
 * total past 2^31, say), and the next run starts on deoptimised code: the first 10-20k orders of a
 * fresh core ran ~10x slower, half of a 100k-order run. A long-lived process never sees that.
 */
const previous = new Map<string, unknown>();

/**
 * Times `orders` through `step` after the untimed `setup`, and measures the heap the final state keeps.
 * Returns the state, orders/s by wall time and by CPU time, the sum of `step`'s results and the heap kept.
 */
function timed<T>(
  name: string,
  setup: () => T,
  orders: Command[],
  step: (x: T, c: Command) => number,
): [T, number, number, number, number] {
  const x = setup();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  let sum = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < orders.length; i++) sum += step(x, orders[i] as Command);
  const dt = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  gc();
  const retained = process.memoryUsage().heapUsed - heap0;
  previous.set(name, x);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return [x, (orders.length / dt) * 1000, (orders.length / cpuMs) * 1000, sum, retained];
}

/** Deposits are applied untimed; the timed part is every order row (place or cancel). */
function runCore(config: Config, deposits: Command[], orders: Command[]): RunResult {
  let firstTrade = 0;
  const [engine, ordersPerSec, cpuOrdersPerSec, events, retainedHeap] = timed(
    'core',
    () => {
      const e = new Engine(config);
      for (const c of deposits) e.process(c);
      firstTrade = e.nextTradeId;
      return e;
    },
    orders,
    (e, c) => e.process(c).events.length,
  );
  const book = engine.symbols[config.symbols[0]?.id ?? 0]?.book;
  const levels = `${book?.bids.size ?? 0} bid / ${book?.asks.size ?? 0} ask`;
  return { ordersPerSec, cpuOrdersPerSec, trades: engine.nextTradeId - firstTrade, events, retainedHeap, levels };
}

function runNaive(_config: Config, _deposits: Command[], orders: Command[]): RunResult {
  const [book, ordersPerSec, cpuOrdersPerSec, , retainedHeap] = timed(
    'naive',
    () => new NaiveBook(),
    orders,
    (b, c) => {
      b.process(c);
      return 0;
    },
  );
  return { ordersPerSec, cpuOrdersPerSec, trades: book.trades, events: 0, retainedHeap, levels: '' };
}

function runReference(config: Config, deposits: Command[], orders: Command[]): RunResult {
  const [, ordersPerSec, cpuOrdersPerSec, trades, retainedHeap] = timed(
    'reference',
    () => {
      const ref = new ReferenceEngine(config);
      for (const c of deposits) ref.process(c);
      return ref;
    },
    orders,
    (r, c) => r.process(c).trades.length,
  );
  return { ordersPerSec, cpuOrdersPerSec, trades, events: 0, retainedHeap, levels: '' };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

interface Contestant {
  name: string;
  runs: number;
  run: (config: Config, deposits: Command[], orders: Command[]) => RunResult;
  results: RunResult[];
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  console.log(
    `bench:core  node ${process.version}, after one untimed warm-up pass each: ${opts.runs} core, ` +
      `${opts.naiveRuns} naive-book and ${opts.refRuns} reference runs per set, interleaved`,
  );
  const table: string[] = [];
  for (const set of opts.sets) {
    const name = `${set.profile}-${set.orders}-cancel-${set.cancelRatio}`;
    const dir = join(
      opts.dataDir,
      `${set.profile === 'narrow' ? '' : `${set.profile}-`}orders-${set.orders}-cancel-${set.cancelRatio}-seed-1`,
    );
    if (!existsSync(join(dir, 'orders.csv'))) {
      mkdirSync(dir, { recursive: true });
      const t0 = performance.now();
      writeDataSetToDir({ orders: set.orders, cancelRatio: set.cancelRatio, seed: 1, profile: set.profile }, dir);
      console.log(`generated ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const t0 = performance.now();
    const data = loadDataSet(dataSetPaths(dir));
    const loadMs = performance.now() - t0;
    const deposits = data.commands.filter((c) => c.type === 'deposit');
    const orders = data.commands.filter((c) => c.type !== 'deposit');
    const cancels = orders.filter((c) => c.type === 'cancel').length;
    console.log(
      `\n== ${name}: ${orders.length} orders (${cancels} cancels), ${deposits.length} deposits; loaded in ${loadMs.toFixed(0)} ms`,
    );

    const all: Contestant[] = [
      { name: 'core', runs: opts.runs, run: runCore, results: [] },
      { name: 'naive book', runs: opts.naiveRuns, run: runNaive, results: [] },
      { name: 'reference', runs: opts.refRuns, run: runReference, results: [] },
    ];
    const active = all.filter((c) => c.runs > 0);
    // One untimed pass each, so the timed runs measure optimised code, not the JIT warming up.
    for (const c of active) c.run(data.config, deposits, orders);
    for (let r = 0; r < Math.max(...active.map((c) => c.runs)); r++) {
      for (const c of active) {
        if (r >= c.runs) continue;
        const res = c.run(data.config, deposits, orders);
        c.results.push(res);
        const extra = c.name === 'core' ? `, ${res.events} events, levels ${res.levels}` : '';
        console.log(
          `  ${c.name} run ${r + 1}: ${fmt(res.ordersPerSec)} orders/s (${fmt(res.cpuOrdersPerSec)} per CPU-s), ${res.trades} trades${extra}`,
        );
      }
    }
    const [core, naive, ref] = all as [Contestant, Contestant, Contestant];
    for (const c of active) {
      if (c.results[0]?.trades !== core.results[0]?.trades) {
        throw new Error(
          `core and ${c.name} disagree on the trade count: ${core.results[0]?.trades} vs ${c.results[0]?.trades}`,
        );
      }
    }
    const med = (c: Contestant) => median(c.results.map((r) => r.ordersPerSec));
    const cpuMed = (c: Contestant) => median(c.results.map((r) => r.cpuOrdersPerSec));
    const line = [`  median core: ${fmt(med(core))} orders/s (${fmt(cpuMed(core))} per CPU-s)`];
    const cells = [name, core.results[0]?.levels ?? '', `${fmt(med(core))} (${fmt(cpuMed(core))})`];
    for (const c of [naive, ref]) {
      if (c.results.length === 0) continue;
      const ratio = `${(med(core) / med(c)).toFixed(2)}x (${(cpuMed(core) / cpuMed(c)).toFixed(2)}x)`;
      line.push(`${c.name}: ${fmt(med(c))} orders/s (${fmt(cpuMed(c))} per CPU-s)`, `core/${c.name}: ${ratio}`);
      cells.push(`${fmt(med(c))} (${fmt(cpuMed(c))})`, ratio);
    }
    console.log(line.join('  |  '));
    console.log(
      `  heap retained by the final state: ${active.map((c) => `${c.name} ${mib(median(c.results.map((r) => r.retainedHeap)))}`).join(', ')}`,
    );
    table.push(`| ${cells.join(' | ')} |`);
  }
  const yardsticks = [opts.naiveRuns > 0 ? 'naive book' : '', opts.refRuns > 0 ? 'reference' : ''].filter((x) => x);
  console.log('\nmedians, orders/s by wall time (by CPU time in parentheses):');
  console.log(`| data set | levels at the end | core |${yardsticks.map((y) => ` ${y} | core/${y} |`).join('')}`);
  console.log(`|---|---|---|${yardsticks.map(() => '---|---|').join('')}`);
  for (const row of table) console.log(row);
  const ru = process.resourceUsage();
  console.log(`\npeak RSS of the whole process (data sets in memory included): ${mib(ru.maxRSS * 1024)}`);
}

main();
