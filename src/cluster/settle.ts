// A cluster gateway's settle of a command that got no answer in time (src/cluster/nats-engine-client.ts): once the
// command's deadline plus the margin has passed, no engine commits it any more (the engine refuses it past the
// deadline by its clock, the batch transaction past deadline + margin by the database's clock), so the gateway asks
// the command log in PostgreSQL (command-log-sql.ts settleCommand): the engine's recorded answer is the client's;
// none there: 'expired' is recorded in its place (first writer wins against a batch still committing) and the
// client gets 5002 "not placed". A log that cannot be read in time: the outcome stays unknown (5001).

import pg from 'pg';
import { settleCommand } from '../adapters/store/command-log-sql.js';

/** How long a settle may take (connecting, waiting for a batch that holds the row, reading back). */
export const SETTLE_TIMEOUT_MS = 2_000;

export interface CommandSettler {
  /** The command's one answer as the log holds it (the Answer JSON; 'expired' when nothing applied it). */
  settle(commandId: string): Promise<string>;
  close(): Promise<void>;
}

export function pgSettler(
  databaseUrl: string,
  log: { warn(o: object, m: string): void },
  now: () => number = Date.now,
): CommandSettler {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 2,
    connectionTimeoutMillis: SETTLE_TIMEOUT_MS,
    query_timeout: SETTLE_TIMEOUT_MS,
  });
  pool.on('error', (e) => log.warn({ err: e.message }, 'command settle: idle connection error'));
  return {
    settle: (commandId) => settleCommand(pool, commandId, now()),
    close: () => pool.end(),
  };
}
