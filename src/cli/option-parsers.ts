// Parsers for numeric command-line options; a bad value becomes commander's "invalid argument" error (exit 2).

import { InvalidArgumentError } from 'commander';

const PLAIN_INT = /^(0|[1-9][0-9]*)$/;
const PLAIN_DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** An option parser for a safe integer >= min. */
export function intOption(min: number): (value: string) => number {
  return (value) => {
    const v = Number(value);
    if (!PLAIN_INT.test(value) || !Number.isSafeInteger(v) || v < min) {
      throw new InvalidArgumentError(`expected an integer >= ${min}.`);
    }
    return v;
  };
}

/** A ratio 0 <= r < 1 written as a plain decimal ("0.3"). Not money: a float is fine here. */
export function ratioOption(value: string): number {
  const v = Number(value);
  if (!PLAIN_DECIMAL.test(value) || !(v >= 0 && v < 1)) throw new InvalidArgumentError('expected a decimal in [0, 1).');
  return v;
}
