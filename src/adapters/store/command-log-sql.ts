// The cluster engine's command log in PostgreSQL: how far it consumed each command stream (cluster_consumers) and
// the answer to every command it took (cluster_command_results, keyed by command id). Written in the settlement
// batch's own transaction (postgres-store.ts applyBatch), read at engine start (cursor) and whenever a command
// arrives whose id might have been answered before (a redelivery).

import type pg from 'pg';
import type { CommandLog } from './store.js';

/** Idempotent: the engine role runs it at every start (the tables are the cluster's, beside the schema's). */
export const COMMAND_LOG_DDL = [
  'CREATE TABLE IF NOT EXISTS cluster_consumers (stream TEXT PRIMARY KEY, last_seq BIGINT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS cluster_command_results (command_id TEXT PRIMARY KEY, answer TEXT NOT NULL, ' +
    'ts BIGINT NOT NULL)',
] as const;

/** The statements that record one batch's log (run inside the batch's transaction). */
export function commandLogStatements(log: CommandLog): Array<[string, unknown[]]> {
  const out: Array<[string, unknown[]]> = [
    [
      'INSERT INTO cluster_consumers (stream, last_seq) VALUES ($1, $2) ' +
        'ON CONFLICT (stream) DO UPDATE SET last_seq = GREATEST(cluster_consumers.last_seq, EXCLUDED.last_seq)',
      [log.stream, log.consumedSeq],
    ],
  ];
  if (log.results.length > 0) {
    out.push([
      'INSERT INTO cluster_command_results (command_id, answer, ts) ' +
        'SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ON CONFLICT (command_id) DO NOTHING',
      [log.results.map((r) => r.commandId), log.results.map((r) => r.answer), log.results.map((r) => r.ts)],
    ]);
  }
  return out;
}

type Queryable = Pick<pg.Pool, 'query'>;

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
