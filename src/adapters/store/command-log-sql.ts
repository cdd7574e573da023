// The cluster engine's command log in PostgreSQL: how far it consumed each command stream (cluster_consumers) and
// the answer to every command it took (cluster_command_results, keyed by command id). Written in the settlement
// batch's own transaction (postgres-store.ts applyBatch), read at engine start (cursor) and whenever a command
// arrives whose id might have been answered before (a redelivery). And the fence of engine leadership
// (cluster_leader: one row per cluster, the epoch of its current leader): a new leader raises it when it takes over,
// and every batch of a leader locks the row and checks its own epoch first, so a stale leader commits nothing.
// A gateway that got no answer in time settles its command here too (settleCommand: its answer, or 'expired' recorded
// first), and a batch holding a command settled so, or one past its deadline by the database's clock, rolls back
// (LateBatchError): the command log decides, once, whether a command was applied. A batch's fence, clock check and
// log are part of its one statement (batch-sql.ts); what its verdict and its failures mean is decided here.

import type pg from 'pg';
import type { CommandLog } from './store.js';

type Queryable = Pick<pg.Pool, 'query'>;

/** Idempotent: the engine role runs it at every start (the tables are the cluster's, beside the schema's). */
export const COMMAND_LOG_DDL = [
  'CREATE TABLE IF NOT EXISTS cluster_consumers (stream TEXT PRIMARY KEY, last_seq BIGINT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS cluster_command_results (command_id TEXT PRIMARY KEY, answer TEXT NOT NULL, ' +
    'ts BIGINT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS cluster_leader (name TEXT PRIMARY KEY, epoch BIGINT NOT NULL, node TEXT NOT NULL, ' +
    'since BIGINT NOT NULL)',
] as const;

/** A batch of an engine that no longer leads (a later epoch is in cluster_leader): rolled back, never retried. */
export class FencedError extends Error {
  constructor(
    readonly mine: number,
    readonly current: number | null,
  ) {
    super(`fenced: this engine's epoch ${mine} is stale (cluster_leader holds ${current ?? 'nothing'})`);
    this.name = 'FencedError';
  }
}

/**
 * A batch holding a command a gateway already settled as expired (its result row exists), or one whose deadline plus
 * margin has passed by the database's clock: rolled back, never retried (the engine's memory is ahead of the
 * database now, so the engine stops and a restart or takeover recovers from PostgreSQL).
 */
export class LateBatchError extends Error {
  constructor(readonly why: string) {
    super(`late batch rolled back: ${why}`);
    this.name = 'LateBatchError';
  }
}

/** The answer a gateway records for a command it gave up waiting for (the engine's own 'expired' answer). */
export function expiredAnswer(commandId: string): string {
  return JSON.stringify({ id: commandId, expired: true });
}

/**
 * A gateway's settle of a command that got no answer in time: records 'expired' unless an answer is there (or comes
 * first: an engine batch holding the command that is still open makes the insert wait for its outcome), then reads
 * what the log holds. That answer is the command's one outcome: the engine's, or 'expired' (never applied).
 */
export async function settleCommand(db: Queryable, commandId: string, now: number): Promise<string> {
  await db.query(
    'INSERT INTO cluster_command_results (command_id, answer, ts) VALUES ($1, $2, $3) ON CONFLICT (command_id) DO NOTHING',
    [commandId, expiredAnswer(commandId), now],
  );
  const r = await db.query<{ answer: string }>('SELECT answer FROM cluster_command_results WHERE command_id = $1', [
    commandId,
  ]);
  const answer = r.rows[0]?.answer;
  if (answer === undefined) throw new Error(`command log: no row for ${commandId} after settling it`);
  return answer;
}

/**
 * First statement of a leader's fenced transaction (a market-epoch write): locks the cluster's leader row (a
 * takeover's raise waits for it, and it for a raise under way) and throws FencedError when the epoch there is not
 * ours. A batch does the same inside its one statement (batch-sql.ts).
 */
export async function checkFence(db: Queryable, fence: { name: string; epoch: number }): Promise<void> {
  const r = await db.query<{ epoch: string }>('SELECT epoch FROM cluster_leader WHERE name = $1 FOR UPDATE', [
    fence.name,
  ]);
  const current = r.rows.length === 0 ? null : Number(r.rows[0]?.epoch);
  if (current !== fence.epoch) throw new FencedError(fence.epoch, current);
}

/**
 * A new leader's takeover: raises the cluster's epoch to its own (only forward). False when an epoch at least as large
 * is there already (a later leader took over meanwhile): this node must not lead.
 */
export async function raiseFence(
  db: Queryable,
  name: string,
  epoch: number,
  node: string,
  now: number,
): Promise<boolean> {
  const r = await db.query(
    'INSERT INTO cluster_leader (name, epoch, node, since) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE ' +
      'SET epoch = EXCLUDED.epoch, node = EXCLUDED.node, since = EXCLUDED.since ' +
      'WHERE cluster_leader.epoch < EXCLUDED.epoch RETURNING epoch',
    [name, epoch, node, now],
  );
  return r.rows.length === 1;
}

/** The cluster's leader as PostgreSQL records it (null: none yet). */
export async function fenceHolder(db: Queryable, name: string): Promise<{ epoch: number; node: string } | null> {
  const r = await db.query<{ epoch: string; node: string }>('SELECT epoch, node FROM cluster_leader WHERE name = $1', [
    name,
  ]);
  const row = r.rows[0];
  return row === undefined ? null : { epoch: Number(row.epoch), node: row.node };
}

/**
 * The verdict row of a cluster batch's statement (batch-sql.ts CLUSTER_BATCH_SQL): when it says the batch did not
 * write (ok false), why: FencedError when the leader row does not hold our epoch, else LateBatchError (a command's
 * deadline plus margin passed by the database's clock).
 */
export function checkBatchVerdict(
  row: { ok?: unknown; epoch?: unknown; now?: unknown } | undefined,
  log: CommandLog,
): void {
  if (row === undefined) throw new Error('cluster batch: no verdict row');
  if (row.ok === true) return;
  const current = row.epoch === null || row.epoch === undefined ? null : Number(row.epoch);
  if (log.fence !== undefined && current !== log.fence.epoch) throw new FencedError(log.fence.epoch, current);
  const bound = Math.min(...log.results.flatMap((r) => (r.notAfter === undefined ? [] : [r.notAfter])));
  throw new LateBatchError(`a command's deadline + margin (${bound}) passed (database clock ${String(row.now)})`);
}

/**
 * A cluster batch's statement failed: a unique violation on a command result means a gateway settled that command
 * as expired first (the batch wrote nothing): LateBatchError; anything else is returned as is.
 */
export function settledError(e: unknown): unknown {
  const d = e as { code?: unknown; constraint?: unknown; detail?: unknown };
  if (d.code !== '23505' || d.constraint !== 'cluster_command_results_pkey') return e;
  return new LateBatchError(`a command was already settled (expired by a gateway): ${String(d.detail)}`);
}

export async function ensureCommandLog(db: Queryable): Promise<void> {
  for (const ddl of COMMAND_LOG_DDL) await db.query(ddl);
}

/** The last stream seq a committed batch covered (0: nothing consumed yet). */
export async function consumedSeq(db: Queryable, stream: string): Promise<number> {
  const r = await db.query<{ last_seq: string }>('SELECT last_seq FROM cluster_consumers WHERE stream = $1', [stream]);
  return r.rows.length === 0 ? 0 : Number(r.rows[0]?.last_seq);
}

/** The recorded answers of those command ids that have one. */
export async function recordedAnswers(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  const r = await db.query<{ command_id: string; answer: string }>(
    'SELECT command_id, answer FROM cluster_command_results WHERE command_id = ANY($1::text[])',
    [ids],
  );
  for (const row of r.rows) out.set(row.command_id, row.answer);
  return out;
}
