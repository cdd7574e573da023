// The `demo` subcommand, the batch demo: generates a small seeded data set and
// replays it through the core (the live demo market is `serve --demo`).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command as Program } from 'commander';
import { writeDataSetToDir } from '../replay/generate.js';
import { intOption } from './option-parsers.js';
import { replay } from './replay-command.js';

interface DemoOptions {
  orders: number;
  dir: string;
}

export function registerDemo(program: Program): void {
  program
    .command('demo')
    .summary('batch demo: generate a small data set and replay it through the core (live market: serve --demo)')
    .option('--orders <n>', 'order rows to generate', intOption(1), 50_000)
    .option('--dir <dir>', 'where the data set and the outputs go', join('data', 'demo'))
    .action((opts: DemoOptions) => {
      const input = join(opts.dir, 'input');
      const output = join(opts.dir, 'output');
      mkdirSync(input, { recursive: true });
      const stats = writeDataSetToDir({ orders: opts.orders, seed: 1 }, input);
      process.stdout.write(
        `fillstream demo: generated ${stats.places} orders and ${stats.cancels} cancels for ${stats.users} users in ${input}\n\n`,
      );
      replay({ dir: input, out: output, units: 'human', feeAccount: 0, makerFee: '0.001', takerFee: '0.002' });
      process.stdout.write(
        `\noutputs: ${join(output, 'balances.csv')}, trades.csv, summary.json\n` +
          'next: `node dist/src/cli/main.js gen-orders --help` and `replay --help` for your own data sets;\n' +
          'a live market with bots on the HTTP API and the WebSocket push: `serve --demo` (what `npm start` runs).\n',
      );
    });
}
