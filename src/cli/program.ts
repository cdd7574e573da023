// The fillstream command tree (commander): every command and subcommand, so that main.ts runs it and tests can walk
// it (each one answers --help).

import { Command } from 'commander';
import { registerCandles } from './candles-command.js';
import { registerClusterCommands } from './cluster-commands.js';
import { registerDemo } from './demo-command.js';
import { registerGenOrders } from './gen-orders-command.js';
import { registerReplay } from './replay-command.js';
import { registerServe } from './serve-command.js';
import { registerServerCommands } from './server-commands.js';

export function buildProgram(): Command {
  const program = new Command('fillstream')
    .description('Spot-exchange: server, user tools, batch replay and data set tools')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  registerReplay(program);
  registerGenOrders(program);
  registerDemo(program);
  registerServe(program);
  registerServerCommands(program);
  registerCandles(program);
  registerClusterCommands(program);
  return program;
}
