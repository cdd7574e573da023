// bench:settle — what the engine thread writes to SQLite per order: the same stream of real core results (orders
// from --users users, bench:orders' shape: every order rests; or --shape cross: every second order fills the one
// before it) folded by the settlement and committed to a fresh SQLite file in batches of each --batches size.
// Prints, per batch size, the median µs per order of settling and committing (no fsync: that is one per batch
// whatever it holds) and the WAL frames (pages) written per order, read off the bench's
// own checkpoints (a second connection empties the WAL every ~1,000 orders). The frames
// are the figure that does not move with the machine: every index keyed by user dirties one page per user of a
// batch.
//
//   npm run bench:settle [-- --orders 100000 --users 64 --batches 1,10,30,100,1000 --runs 3 --shape rest --no-cid]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Engine } from '../src/core/engine.js';
import type { Command } from '../src/core/types.js';
import { coreConfig, loadConfig } from '../src/config.js';
import { Settlement } from '../src/pipeline/settlement.js';
import { SqliteStore } from '../src/adapters/store/sqlite-store.js';
import { exitOnHelp } from './help.js';
import { EMPTY, median, record, type Step } from './settle-support.js';

exitOnHelp(`bench:settle: settles and commits the same stream of core results to SQLite in batches of each size and
prints the median µs per order (settle + commit, no fsync) and the WAL frames written per order.

usage: npm run bench:settle [-- --orders 100000 --users 64 --batches 1,10,30,100,1000 --runs 3 --shape rest]
  --orders N      orders in the stream (default 100000)
  --users N       users the orders come from, in turn (default 64)
  --batches LIST  commands per committed batch (default 1,10,30,100,1000)
  --runs N        timed runs per batch size (default 3)
  --shape S       rest: every order rests (bench:orders' shape); cross: every second order fills the one before
  --no-cid        orders without a client order id (default: each has one)`);

interface Options {
  orders: number;
  users: number;
  batches: number[];
  runs: number;
  shape: 'rest' | 'cross';
  cid: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { orders: 100_000, users: 64, batches: [1, 10, 30, 100, 1000], runs: 3, shape: 'rest', cid: true };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? '';
    const n = Math.max(1, Number.parseInt(v, 10) || 1);
    if (argv[i] === '--orders') o.orders = n;
    else if (argv[i] === '--users') o.users = n;
    else if (argv[i] === '--runs') o.runs = n;
    else if (argv[i] === '--batches') o.batches = v.split(',').map((x) => Math.max(1, Number.parseInt(x, 10) || 1));
    else if (argv[i] === '--shape') o.shape = v === 'cross' ? 'cross' : 'rest';
    else if (argv[i] === '--no-cid') {
      o.cid = false;
      continue;
    } else continue;
    i++;
  }
  return o;
}

/** Deposits for every user, then the orders: user i % users, BUY at 100.00 / SELL at 200.00 (rest) or crossing. */
function stream(o: Options): Step[] {
  const engine = new Engine(coreConfig(loadConfig({ flags: {}, env: {} })));
  const steps: Step[] = [];
  let ts = 1_700_000_000_000;
  const run = (cmd: Command): void => record(engine, steps, cmd);
  for (let u = 1; u <= o.users; u++) {
    run({ type: 'deposit', ts, userId: u, assetId: 1, amount: 10n ** 17n });
    run({ type: 'deposit', ts, userId: u, assetId: 3, amount: 10n ** 17n });
  }
  for (let i = 0; i < o.orders; i++) {
    const buy = i % 2 === 0;
    const price = o.shape === 'cross' ? 15_000 : buy ? 10_000 : 20_000;
    run({
      type: 'place',
      ts: ++ts,
      orderId: i + 1,
      userId: 1 + (i % o.users),
      symbolId: 1,
      side: buy ? 'BUY' : 'SELL',
      orderType: 'LIMIT',
      tif: 'GTC',
      price,
      qty: 100_000,
      quoteQty: 0,
      cid: o.cid ? `c${i}` : null,
    });
  }
  return steps;
}

/** Frames in the WAL, which a checkpoint then empties (a second connection; nothing else is writing). */
function drainWal(db: Database.Database): number {
  // PASSIVE reports the frames the WAL holds; TRUNCATE (which reports 0 once it has emptied it) then empties it.
  const r = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number }>;
  const t = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
  if (r[0] === undefined || r[0].busy !== 0 || t[0]?.busy !== 0)
    throw new Error('bench:settle: a checkpoint was blocked');
  return r[0].log;
}

async function once(steps: readonly Step[], batch: number, orders: number): Promise<{ us: number; frames: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'fs-bench-settle-'));
  const path = join(dir, 'settle.db');
  const store = new SqliteStore(path);
  try {
    await store.migrate();
    const side = new Database(path);
    drainWal(side);
    const s = new Settlement(EMPTY);
    // Emptied often enough that SQLite's own automatic checkpoint (20,000 pages) never runs first.
    const drainEvery = Math.max(1, Math.floor(1000 / batch)) * batch;
    let ms = 0;
    let frames = 0;
    for (let i = 0; i < steps.length; i++) {
      const st = steps[i] as Step;
      const t0 = performance.now();
      s.add(st.cmd, st.result, st.ts);
      const last = (i + 1) % batch === 0 || i === steps.length - 1;
      if (last) await store.applyBatch(s.take());
      ms += performance.now() - t0;
      if (last && ((i + 1) % drainEvery === 0 || i === steps.length - 1)) frames += drainWal(side);
    }
    side.close();
    return { us: (ms * 1000) / orders, frames: frames / orders };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const steps = stream(o);
  console.log(
    `bench:settle: ${steps.length} commands (${o.orders} orders, shape ${o.shape}, ${o.users} users, ` +
      `${o.cid ? 'with' : 'without'} cid), SQLite, no fsync`,
  );
  await once(steps.slice(0, 20_000), 30, 20_000); // warm-up
  console.log('| commands per batch | µs per order (runs) | WAL frames per order |');
  console.log('|---|---|---|');
  for (const batch of o.batches) {
    const us: number[] = [];
    let frames = 0;
    for (let r = 0; r < o.runs; r++) {
      const x = await once(steps, batch, o.orders);
      us.push(x.us);
      frames = x.frames;
    }
    const runs = us.map((x) => x.toFixed(1)).join(', ');
    console.log(`| ${batch} | ${median(us).toFixed(1)} (${runs}) | ${frames.toFixed(2)} |`);
  }
}

await main();
