// The `gen-orders` subcommand: write a seeded, reproducible replay data set into a directory.

import { performance } from 'node:perf_hooks';
import { type Command as Program, Option } from 'commander';
import { GEN_DEFAULTS, PRICE_PROFILES, type PriceProfile, writeDataSetToDir } from '../replay/generate.js';
import { InputError } from '../replay/errors.js';
import { intOption, ratioOption } from './option-parsers.js';

interface GenOrdersOptions {
  out: string;
  orders: number;
  users: number;
  cancelRatio: number;
  seed: number;
  mid: string;
  profile: PriceProfile;
  spreadTicks?: number;
  crossTicks?: number;
}

export function registerGenOrders(program: Program): void {
  program
    .command('gen-orders')
    .summary('generate a seeded replay data set')
    .description(
      'Generate orders.csv, balances_init.csv, assets_config.csv and symbols_config.csv (BTC_USDT). ' +
        'The same options and seed always give byte-identical files.',
    )
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .option('--orders <n>', 'data rows of orders.csv (places and cancels)', intOption(0), 100_000)
    .option('--users <n>', 'number of users (ids 1..n)', intOption(1), GEN_DEFAULTS.users)
    .option(
      '--cancel-ratio <r>',
      'share of rows that cancel an earlier order (0 writes the 5-column format)',
      ratioOption,
      GEN_DEFAULTS.cancelRatio,
    )
    .option('--seed <n>', 'random seed', intOption(0), GEN_DEFAULTS.seed)
    .option('--mid <price>', 'mid price (2 decimals at most)', GEN_DEFAULTS.mid)
    .addOption(
      new Option(
        '--profile <name>',
        'price spread: narrow (clustered near mid, a few hundred levels) or wide (uniform over 15% of mid, most orders resting)',
      )
        .choices(PRICE_PROFILES)
        .default(GEN_DEFAULTS.profile),
    )
    .option(
      '--spread-ticks <n>',
      'passive prices reach this many 0.01 ticks from mid (default: 300 narrow, 15% of mid wide)',
      intOption(0),
    )
    .option(
      '--cross-ticks <n>',
      'aggressive prices reach this many ticks through mid (default: 10 narrow, 1% of mid wide)',
      intOption(0),
    )
    .action((opts: GenOrdersOptions) => {
      const t0 = performance.now();
      let stats;
      try {
        stats = writeDataSetToDir(
          { ...opts, spreadTicks: opts.spreadTicks ?? null, crossTicks: opts.crossTicks ?? null },
          opts.out,
        );
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (typeof code === 'string') throw new InputError(`cannot write ${opts.out}: ${code}`);
        throw e;
      }
      const ms = Math.round(performance.now() - t0);
      process.stdout.write(
        `wrote ${stats.rows} order rows (${stats.places} places, ${stats.cancels} cancels, ${stats.format} format) ` +
          `for ${stats.users} users to ${opts.out} in ${ms} ms\n`,
      );
    });
}
