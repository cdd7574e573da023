// Errors caused by bad input (data files or options) and the collector of bad rows; the CLI maps them to exit code 2.

/** Bad input: the message is for the user (already carries `file:line:` when it is about a row). */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export interface BadRow {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Formats a row problem as `file:line: message`. */
export function rowMessage(file: string, line: number, message: string): string {
  return `${file}:${line}: ${message}`;
}

/**
 * What happens to a malformed row: without `skip` the first one aborts the load
 * (an InputError); with `skip` every one is counted and the first `keep` are kept
 * for the report.
 */
export class BadRows {
  count = 0;
  readonly rows: BadRow[] = [];
  constructor(
    readonly skip: boolean,
    readonly keep = 1000,
  ) {}

  add(file: string, line: number, message: string): void {
    if (!this.skip) throw new InputError(rowMessage(file, line, message));
    this.count++;
    if (this.rows.length < this.keep) this.rows.push({ file, line, message });
  }
}
