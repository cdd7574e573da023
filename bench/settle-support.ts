// What bench:klines and bench:settle share: a core result recorded for settling again and again (its events
// copied out of the engine's reused buffer), the empty state a fresh settlement starts from, and the median.

import type { Engine } from '../src/core/engine.js';
import type { Command, CommandResult, CoreEvent } from '../src/core/types.js';
import type { RecoveredState } from '../src/adapters/store/store.js';

/** A result with its events copied out of the engine's reused buffer. */
export type Step = { cmd: Command; result: { code: CommandResult['code']; events: CoreEvent[] }; ts: number };

/** Runs `cmd` through `engine` and appends its recorded result to `steps`. */
export function record(engine: Engine, steps: Step[], cmd: Command): void {
  const { code, events } = engine.process(cmd);
  steps.push({ cmd, result: { code, events: events.toArray() }, ts: cmd.ts });
}

/** A store with nothing in it yet. */
export const EMPTY: RecoveredState = {
  meta: { lastOrderId: 0, lastTradeId: 0 },
  balances: [],
  openOrders: [],
  lastSeqByUser: new Map(),
  lastUserId: 0,
  lastJournalSeq: 0,
  lastTs: 0,
};

/** The middle value (the mean of the two middle ones for an even count). */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
