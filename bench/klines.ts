// bench:klines — what folding trades into candles costs the settlement: the same stream of real core results
// (a maker's resting SELL taken by a taker's BUY, one trade per pair, 1 ms apart so every 1 s candle holds
// about 500 trades) settled with candles and without, interleaved run by run in one process, in batches of
// --batch commands; optionally each batch also committed to a fresh SQLite file (WAL, no fsync). Prints each
// run, the medians and the ratio with/without.
//
//   npm run bench:klines [-- --trades 100000 --runs 5 --batch 1000 --commit]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/core/engine.js';
import type { Command } from '../src/core/types.js';
import { coreConfig, loadConfig } from '../src/config.js';
import { Settlement } from '../src/pipeline/settlement.js';
import { SqliteStore } from '../src/adapters/store/sqlite-store.js';
import { exitOnHelp } from './help.js';
import { EMPTY, median, record, type Step } from './settle-support.js';

exitOnHelp(`bench:klines: settles the same stream of core results with candle folding and without (interleaved runs,
one process) and prints ms per run, the medians and the ratio with/without.

usage: npm run bench:klines [-- --trades 100000 --runs 5 --batch 1000 --commit]
  --trades N   trades in the stream (default 100000; two commands each)
  --runs N     timed runs of each variant (default 5, after one warm-up run each)
  --batch N    commands per settlement batch (default 1000)
  --commit     also commit every batch to a fresh SQLite file (WAL, synchronous=NORMAL, no fsync)`);

interface Options {
  trades: number;
  runs: number;
  batch: number;
  commit: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { trades: 100_000, runs: 5, batch: 1000, commit: false };
  for (let i = 0; i < argv.length; i++) {
    const v = Number.parseInt(argv[i + 1] ?? '', 10);
    if (argv[i] === '--trades') o.trades = Math.max(1, v);
    else if (argv[i] === '--runs') o.runs = Math.max(1, v);
    else if (argv[i] === '--batch') o.batch = Math.max(1, v);
    else if (argv[i] === '--commit') {
      o.commit = true;
      continue;
    } else continue;
    i++;
  }
  return o;
}

/** The core's results for deposits and `trades` maker/taker pairs on BTC_USDT, prices walking on whole ticks. */
function stream(trades: number): Step[] {
  const core = coreConfig(loadConfig({ flags: {}, env: {} }));
  const engine = new Engine(core);
  const steps: Step[] = [];
  let ts = 1_700_000_000_000;
  const run = (cmd: Command): void => record(engine, steps, cmd);
  const [MAKER, TAKER] = [1001, 1002];
  run({ type: 'deposit', ts, userId: MAKER, assetId: 1, amount: 10n ** 17n });
  run({ type: 'deposit', ts, userId: TAKER, assetId: 3, amount: 10n ** 17n });
  let orderId = 0;
  for (let i = 0; i < trades; i++) {
    const price = 3_000_000 + ((i * 7919) % 2000);
    const qty = 1000 + (i % 97);
    const place = (userId: number, side: 'BUY' | 'SELL'): Command => ({
      type: 'place',
      ts: ++ts,
      orderId: ++orderId,
      userId,
      symbolId: 1,
      side,
      orderType: 'LIMIT',
      tif: 'GTC',
      price,
      qty,
      quoteQty: 0,
      cid: null,
    });
    run(place(MAKER, 'SELL'));
    run(place(TAKER, 'BUY'));
  }
  return steps;
}

async function settle(steps: readonly Step[], o: Options, candles: boolean): Promise<{ ms: number; rows: number }> {
  const dir = o.commit ? mkdtempSync(join(tmpdir(), 'fs-bench-klines-')) : null;
  const store = dir === null ? null : new SqliteStore(join(dir, 'bench.db'));
  try {
    await store?.migrate();
    const s = new Settlement(EMPTY, { candles });
    let rows = 0;
    const t0 = performance.now();
    for (let i = 0; i < steps.length; i++) {
      const st = steps[i] as Step;
      s.add(st.cmd, st.result, st.ts);
      if ((i + 1) % o.batch === 0 || i === steps.length - 1) {
        const b = s.take();
        rows += b.klines?.length ?? 0;
        if (store !== null) await store.applyBatch(b);
      }
    }
    return { ms: performance.now() - t0, rows };
  } finally {
    await store?.close();
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const steps = stream(o.trades);
  const trades = steps.reduce((n, s) => n + s.result.events.filter((e) => e.kind === 'trade').length, 0);
  console.log(
    `bench:klines: ${steps.length} commands, ${trades} trades, batches of ${o.batch}` +
      (o.commit ? ', committed to SQLite' : ', settlement only'),
  );
  const withK: number[] = [];
  const without: number[] = [];
  let rows = 0;
  for (let r = 0; r <= o.runs; r++) {
    const a = await settle(steps, o, true);
    const b = await settle(steps, o, false);
    rows = a.rows;
    const label = r === 0 ? 'warm-up' : `run ${r}`;
    console.log(`${label.padEnd(8)} with candles ${a.ms.toFixed(1)} ms   without ${b.ms.toFixed(1)} ms`);
    if (r > 0) {
      withK.push(a.ms);
      without.push(b.ms);
    }
  }
  const mw = median(withK);
  const mo = median(without);
  console.log(`candle rows written: ${rows} (${(rows / Math.ceil(steps.length / o.batch)).toFixed(1)} per batch)`);
  console.log(`median with candles ${mw.toFixed(1)} ms (${((mw * 1000) / trades).toFixed(2)} µs/trade)`);
  console.log(`median without      ${mo.toFixed(1)} ms (${((mo * 1000) / trades).toFixed(2)} µs/trade)`);
  console.log(`ratio with/without  ${(mw / mo).toFixed(3)}`);
}

await main();
