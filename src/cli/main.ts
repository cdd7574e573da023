#!/usr/bin/env node
// Entry point of the fillstream CLI: runs the command tree of program.ts and maps failures to exit codes (0 ok, 2 bad
// input).

import { CommanderError } from 'commander';
import { InputError } from '../replay/errors.js';
import { buildProgram } from './program.js';

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
