// `fillstream candles check` (compare the stored candles with candles recomputed from the stored trades; exits 2
// when any differ) and `fillstream candles rebuild` (replace the stored candles with the recomputed ones; run it
// with the server stopped, as its engine keeps writing the open candles). Both open the configured database
// directly, like the server does.

import type { Command as Program } from 'commander';
import { openStore } from '../adapters/store/index.js';
import type { Store } from '../adapters/store/store.js';
import { marketIndex } from '../config.js';
import { type Kline, KLINE_INTERVAL_NAMES, KLINE_INTERVALS } from '../pipeline/candles.js';
import { recomputedCandles, storedCandles } from '../pipeline/candle-store.js';
import { InputError } from '../replay/errors.js';
import { type ServerFlags, configOf } from './server-commands.js';

type CandleFlags = Pick<ServerFlags, 'config' | 'db'> & { symbol?: string };

const same = (a: Kline, b: Kline): boolean =>
  (Object.keys(a) as (keyof Kline)[]).every((k) => String(a[k]) === String(b[k]));

async function withStore<T>(
  o: CandleFlags,
  f: (store: Store, symbols: Array<{ id: number; name: string }>) => Promise<T>,
) {
  const config = configOf(o);
  const market = marketIndex(config);
  const symbols = market.symbols.filter((s) => o.symbol === undefined || s.name === o.symbol);
  if (symbols.length === 0) throw new InputError(`unknown symbol "${o.symbol ?? ''}"`);
  let store: Store;
  try {
    store = await openStore(config.databaseUrl);
  } catch (e) {
    throw new InputError(`cannot open the database: ${(e as Error).message}`);
  }
  try {
    return await f(store, symbols);
  } finally {
    await store.close();
  }
}

/** How many stored candles differ from the recomputed ones (missing, extra or different). */
function differences(stored: readonly Kline[], want: readonly Kline[]): { count: number; first: number | null } {
  const byTime = new Map(stored.map((k) => [k.openTime, k]));
  let count = 0;
  let first: number | null = null;
  const note = (t: number) => {
    count++;
    if (first === null || t < first) first = t;
  };
  for (const k of want) {
    const s = byTime.get(k.openTime);
    if (s === undefined || !same(s, k)) note(k.openTime);
    byTime.delete(k.openTime);
  }
  for (const t of byTime.keys()) note(t);
  return { count, first };
}

function options(cmd: Program): Program {
  return cmd
    .option('--config <file>', 'JSON configuration file')
    .option('--db <url>', 'database URL (default: the configured one)')
    .option('--symbol <name>', 'only this symbol (default: every symbol)');
}

export function registerCandles(program: Program): void {
  const candles = program.command('candles').summary('check or rebuild the stored candles (K-lines) from the trades');

  options(candles.command('check'))
    .summary('compare the stored candles with candles recomputed from the stored trades')
    .action(async (o: CandleFlags) => {
      const bad = await withStore(o, async (store, symbols) => {
        let total = 0;
        for (const s of symbols) {
          for (const name of KLINE_INTERVAL_NAMES) {
            const ms = KLINE_INTERVALS[name];
            const want = await recomputedCandles(store, s.id, ms);
            const d = differences(await storedCandles(store, s.id, ms), want);
            total += d.count;
            const verdict = d.count === 0 ? 'ok' : `${d.count} differ (first at open_time ${String(d.first)})`;
            process.stdout.write(`${s.name} ${name}: ${want.length} candles, ${verdict}\n`);
          }
        }
        return total;
      });
      if (bad > 0) throw new InputError(`${bad} candles differ from the trades: run "fillstream candles rebuild"`);
    });

  options(candles.command('rebuild'))
    .summary('replace the stored candles with candles recomputed from the stored trades (server stopped)')
    .action(async (o: CandleFlags) => {
      await withStore(o, async (store, symbols) => {
        for (const s of symbols) {
          for (const name of KLINE_INTERVAL_NAMES) {
            const ms = KLINE_INTERVALS[name];
            const want = await recomputedCandles(store, s.id, ms);
            await store.replaceKlines(s.id, ms, want);
            process.stdout.write(`${s.name} ${name}: ${want.length} candles written\n`);
          }
        }
      });
    });
}
