#!/usr/bin/env node
// Entry point of the fillstream CLI: registers the subcommands and maps failures to exit codes (0 ok, 2 bad input).

import { Command, CommanderError } from 'commander';
import { InputError } from '../replay/errors.js';
import { registerDemo } from './demo-command.js';
import { registerServerCommands } from './server-commands.js';
import { registerGenOrders } from './gen-orders-command.js';
import { registerReplay } from './replay-command.js';

function buildProgram(): Command {
  const program = new Command('fillstream')
    .description('Spot-exchange: server, user tools, batch replay and data set tools')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  registerReplay(program);
  registerGenOrders(program);
  registerDemo(program);
  registerServerCommands(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    // Commander already printed its message (or the help / version).
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof InputError) {
      process.stderr.write(`error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv);
