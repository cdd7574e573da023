// Pruning the event log in bounded steps, for both stores: a step looks at most at `maxRows` rows older than the
// cutoff, in (ts, user_id, last_seq) order from where the previous step stopped (the event_log_ts index), and
// deletes those that are not their user's newest row (the newest stays, so a user's seq survives restarts). Each
// step is one short statement pair, so the writer's batches interleave with a long prune instead of waiting for it;
// and a pass reads every old row once, even the newest rows of silent users that it keeps.

import type { PruneCursor, PruneStep } from './store.js';
import { type Dialect, Params, type Sql } from './read-sql.js';
import { type Row, toNum } from './rows.js';

const KEY = '(e.ts, e.user_id, e.last_seq)';

function after(from: PruneCursor | null, p: Params): string {
  return from === null ? '' : ` AND ${KEY} > (${p.add(from.ts)}, ${p.add(from.userId)}, ${p.add(from.lastSeq)})`;
}

/** The key of the step's last row (maxRows on from `from`), or no row when fewer are left. */
export function pruneEndSql(before: number, from: PruneCursor | null, maxRows: number, dialect: Dialect): Sql {
  const p = new Params(dialect);
  const text =
    `SELECT e.ts, e.user_id, e.last_seq FROM event_log AS e WHERE e.ts < ${p.add(before)}${after(from, p)} ` +
    `ORDER BY e.ts, e.user_id, e.last_seq LIMIT 1 OFFSET ${p.add(Math.max(0, maxRows - 1))}`;
  return { text, values: p.values };
}

/** Deletes the rows of (from, end] (to the cutoff when end is null) that are not their user's newest. */
export function pruneDeleteSql(
  before: number,
  from: PruneCursor | null,
  end: PruneCursor | null,
  dialect: Dialect,
): Sql {
  const p = new Params(dialect); // values in the order of the text (SQLite's ? are positional)
  const where = `e.ts < ${p.add(before)}${after(from, p)}`;
  const upTo = end === null ? '' : ` AND ${KEY} <= (${p.add(end.ts)}, ${p.add(end.userId)}, ${p.add(end.lastSeq)})`;
  const text =
    `DELETE FROM event_log AS e WHERE ${where}${upTo} AND e.last_seq < ` +
    `(SELECT MAX(newest.last_seq) FROM event_log AS newest WHERE newest.user_id = e.user_id) ` +
    `RETURNING last_seq - first_seq + 1 AS n`;
  return { text, values: p.values };
}

export const cursorOf = (r: Row | undefined): PruneCursor | null =>
  r === undefined ? null : { ts: toNum(r.ts), userId: toNum(r.user_id), lastSeq: toNum(r.last_seq) };

/** Events the deleted rows held. */
export const eventsOf = (deleted: readonly Row[]): number => deleted.reduce((n, r) => n + toNum(r.n), 0);

/** Rows one step looks at: a few milliseconds of work. */
export const PRUNE_STEP_ROWS = 500;

/** A whole pass, step after step; returns how many events went. */
export async function pruneAll(
  step: (before: number, from: PruneCursor | null, maxRows: number) => Promise<PruneStep>,
  before: number,
): Promise<number> {
  let events = 0;
  let from: PruneCursor | null = null;
  do {
    const s = await step(before, from, PRUNE_STEP_ROWS);
    events += s.events;
    from = s.next;
  } while (from !== null);
  return events;
}
