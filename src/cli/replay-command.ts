// The `replay` subcommand: load a data set, run it through the engine, write balances/trades/summary.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Command as Program, Option } from 'commander';
import { Engine } from '../core/engine.js';
import { InputError } from '../replay/errors.js';
import { FileSink } from '../replay/file-sink.js';
import {
  type DataSetPaths,
  DEFAULT_FEE_ACCOUNT,
  type LoadedDataSet,
  dataSetPaths,
  loadDataSet,
} from '../replay/load.js';
import { type ReplayResult, runReplay } from '../replay/run.js';
import { type ChunkFn, summaryJson, writeBalancesCsv, writeTradesCsv } from '../replay/writers.js';
import type { AmountUnits } from '../replay/csv-scan.js';
import { intOption } from './option-parsers.js';
import { ProgressBar } from './progress.js';

export interface ReplayOptions {
  dir?: string;
  orders?: string;
  balances?: string;
  assets?: string;
  symbols?: string;
  out?: string;
  units: AmountUnits;
  skipBadRows?: boolean;
  feeAccount: number;
  makerFee: string;
  takerFee: string;
  includeZeroBalances?: boolean;
  progress?: boolean;
  json?: boolean;
  runs?: number;
}

const SHOWN_BAD_ROWS = 20;

export function registerReplay(program: Program): void {
  program
    .command('replay')
    .summary('replay a data set through the core')
    .description(
      'Replay a data set (assets_config.csv, symbols_config.csv, balances_init.csv, orders.csv) through the core. ' +
        'Every orders.csv row trades the first symbol of symbols_config.csv. A malformed row aborts with exit ' +
        'code 2 and its file:line, unless --skip-bad-rows (then it is reported and counted).',
    )
    .option('--dir <dir>', 'data set directory holding the four files')
    .option('--orders <file>', 'orders.csv (overrides --dir)')
    .option('--balances <file>', 'balances_init.csv (overrides --dir)')
    .option('--assets <file>', 'assets_config.csv (overrides --dir)')
    .option('--symbols <file>', 'symbols_config.csv (overrides --dir)')
    .option('--out <dir>', 'write balances.csv, trades.csv and summary.json here (created if missing)')
    .addOption(
      new Option('--units <units>', 'orders.csv prices/quantities: human decimals or internal integer units')
        .choices(['human', 'internal'])
        .default('human'),
    )
    .option('--skip-bad-rows', 'skip malformed rows of orders.csv / balances_init.csv (reported, counted)')
    .option('--fee-account <id>', 'account credited with fees', intOption(0), DEFAULT_FEE_ACCOUNT)
    .option('--maker-fee <rate>', 'maker fee rate, e.g. 0.001', '0')
    .option('--taker-fee <rate>', 'taker fee rate, e.g. 0.002', '0')
    .option('--include-zero-balances', 'also write balance rows whose avail and frozen are both 0')
    .option('--progress', 'show a progress bar on stderr (default: only when stderr is a terminal)')
    .option('--no-progress', 'never show the progress bar')
    .option('--json', 'print the summary as JSON instead of text')
    .option(
      '--runs <n>',
      'replay the data set n times in this process, each on a fresh engine; with n >= 2 the first run is a ' +
        'warm-up shown apart and the figures are the median of the others',
      intOption(1),
      1,
    )
    .action((opts: ReplayOptions) => replay(opts));
}

function resolvePaths(opts: ReplayOptions): DataSetPaths {
  const fromDir: Partial<DataSetPaths> = opts.dir !== undefined ? dataSetPaths(opts.dir) : {};
  const keys = ['assets', 'symbols', 'balances', 'orders'] as const;
  const missing = keys.filter((k) => (opts[k] ?? fromDir[k]) === undefined);
  if (missing.length > 0) {
    throw new InputError(`missing ${missing.map((k) => `--${k} <file>`).join(', ')} (or --dir <dir>)`);
  }
  const pick = (k: keyof DataSetPaths): string => (opts[k] ?? fromDir[k]) as string;
  return { assets: pick('assets'), symbols: pick('symbols'), balances: pick('balances'), orders: pick('orders') };
}

function writeFile(path: string, writer: (write: ChunkFn) => unknown): void {
  let sink: FileSink;
  try {
    sink = new FileSink(path);
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    writer((t) => sink.write(t));
  } finally {
    sink.close();
  }
}

export function replay(opts: ReplayOptions): void {
  const paths = resolvePaths(opts);
  const t0 = performance.now();
  const data: LoadedDataSet = loadDataSet(paths, {
    units: opts.units,
    skipBadRows: opts.skipBadRows === true,
    feeAccountId: opts.feeAccount,
    makerFee: opts.makerFee,
    takerFee: opts.takerFee,
  });
  const loadMs = performance.now() - t0;
  const { stats } = data;
  for (const row of stats.badRows.slice(0, SHOWN_BAD_ROWS)) {
    process.stderr.write(`warning: ${row.file}:${row.line}: ${row.message} (row skipped)\n`);
  }
  if (stats.badRowCount > SHOWN_BAD_ROWS) {
    process.stderr.write(`warning: ${stats.badRowCount - SHOWN_BAD_ROWS} more malformed rows skipped\n`);
  }
  if (stats.balances.frozenIgnored > 0) {
    process.stderr.write(
      `note: ${stats.balances.frozenIgnored} rows of ${paths.balances} have frozen != 0; only avail is deposited\n`,
    );
  }

  const showProgress = opts.progress ?? process.stderr.isTTY === true;
  const bar = showProgress ? new ProgressBar(process.stderr) : null;
  const runs = opts.runs ?? 1;
  let engine = new Engine(data.config);
  let result: ReplayResult | undefined;
  const timings: Array<{ elapsedMs: number; ordersPerSec: number }> = [];
  for (let r = 0; r < runs; r++) {
    if (r > 0) engine = new Engine(data.config);
    const onProgress =
      bar === null ? undefined : (done: number, total: number) => bar.update(r * total + done, runs * total);
    // The summary describes the symbol every orders.csv row trades: the first row of symbols_config.csv.
    result = runReplay(engine, data.commands, onProgress, data.config.symbols[0]?.id);
    timings.push({ elapsedMs: result.summary.elapsedMs, ordersPerSec: result.summary.ordersPerSec });
  }
  bar?.finish();
  if (result === undefined) throw new Error('unreachable: --runs is at least 1');
  // Every run computes the same outcome (the core is deterministic); only the timing differs.
  const warm = runs > 1 ? timings.slice(1) : timings;
  const summary = {
    ...result.summary,
    elapsedMs: median(warm.map((t) => t.elapsedMs)),
    ordersPerSec: Math.round(median(warm.map((t) => t.ordersPerSec))),
    runs,
    warmupOrdersPerSec: runs > 1 ? (timings[0]?.ordersPerSec ?? null) : null,
    runsOrdersPerSec: warm.map((t) => t.ordersPerSec),
    format: stats.orders.format,
    orderRows: stats.orders.rows,
    balanceRows: stats.balances.rows,
    skippedRows: stats.badRowCount,
    loadMs: Math.round(loadMs * 10) / 10,
  };
  if (summary.depositsRejected > 0) {
    process.stderr.write(
      `warning: ${summary.depositsRejected} deposits of ${paths.balances} were refused by the core\n`,
    );
  }

  if (opts.out !== undefined) {
    const out = opts.out;
    try {
      mkdirSync(out, { recursive: true });
    } catch (e) {
      throw new InputError(`cannot create ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    writeFile(join(out, 'balances.csv'), (w) => writeBalancesCsv(engine, w, opts.includeZeroBalances === true));
    writeFile(join(out, 'trades.csv'), (w) => writeTradesCsv(result.trades, w));
    writeFile(join(out, 'summary.json'), (w) => w(summaryJson(summary)));
  }
  process.stdout.write(opts.json === true ? summaryJson(summary) : summaryText(summary));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : Math.round((((s[m - 1] as number) + (s[m] as number)) / 2) * 10) / 10;
}

type TextSummary = ReplayResult['summary'] & {
  skippedRows: number;
  loadMs: number;
  runs: number;
  warmupOrdersPerSec: number | null;
  runsOrdersPerSec: number[];
};

function summaryText(s: TextSummary): string {
  const reasons = Object.entries(s.rejectReasons)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    ['symbol', s.symbol],
    ['orders', `${s.orders} (accepted ${s.accepted}, rejected ${s.rejected}${reasons ? `: ${reasons}` : ''})`],
    [
      'cancels',
      `${s.cancels} (applied ${s.cancelsApplied}, not open ${s.cancelsNotOpen}, rejected ${s.cancelsRejected})`,
    ],
    ['trades', String(s.trades)],
    ['best bid/ask', `${s.bestBid ?? '-'} / ${s.bestAsk ?? '-'}`],
    ['depth levels', `bids ${s.bidLevels}, asks ${s.askLevels}`],
    ['open orders', String(s.openOrders)],
    ['skipped rows', String(s.skippedRows)],
    ['load', `${s.loadMs} ms`],
  ];
  if (s.runs > 1) {
    lines.push(
      ['warm-up', `run 1: ${s.warmupOrdersPerSec} orders/s (not counted)`],
      [`runs 2..${s.runs}`, `${s.runsOrdersPerSec.join(', ')} orders/s`],
      ['replay', `median of ${s.runs - 1} warm runs: ${s.elapsedMs} ms, ${s.ordersPerSec} orders/s`],
    );
  } else {
    lines.push(['replay', `${s.elapsedMs} ms, ${s.ordersPerSec} orders/s`]);
  }
  return lines.map(([k, v]) => `${(k as string).padEnd(13)}${v}`).join('\n') + '\n';
}
