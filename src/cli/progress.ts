// Progress bar on stderr for long runs: `[#####-----] 52% 520000/1000000 commands`, at most ~10 updates/s.

import { performance } from 'node:perf_hooks';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const INTERVAL_MS = 100;

export class ProgressBar {
  private last = -Infinity;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly label = 'commands',
    private readonly width = 30,
  ) {}

  /** Redraws when ~100 ms passed since the last draw (always for the final one). */
  update(done: number, total: number): void {
    const now = performance.now();
    if (done < total && now - this.last < INTERVAL_MS) return;
    this.last = now;
    const ratio = total > 0 ? done / total : 1;
    const filled = Math.round(ratio * this.width);
    const bar = '#'.repeat(filled) + '-'.repeat(this.width - filled);
    const line = `[${bar}] ${Math.floor(ratio * 100)}% ${done}/${total} ${this.label}`;
    // On a terminal the bar redraws in place; elsewhere (forced with --progress) one line per update.
    this.stream.write(this.stream.isTTY === true ? `\r${line}` : `${line}\n`);
    this.drawn = true;
  }

  /** Ends the bar's line on a terminal. */
  finish(): void {
    if (this.drawn && this.stream.isTTY === true) this.stream.write('\n');
  }
}
