// The PostgreSQL settlement batch as ONE statement (one implicit transaction, one round trip), and its parameters:
// each table's rows arrive as column arrays (`INSERT ... SELECT * FROM unnest($1::bigint[], ...)`) and are written
// by a data-modifying CTE (PostgreSQL runs every one of them exactly once, in one snapshot), and the id counters
// move. Orders and balances are deduplicated per batch first, so no row is touched twice.
//
// A cluster engine's batch (it carries a command log) is the same statement with the command log inside it
// (command-log-sql.ts owns what it means): it first locks the leader row (the fence) and reads the database's clock,
// and every write, the stream position and the command results included, happens only if the fence holds our epoch
// and no command's deadline plus margin has passed; the statement returns that verdict. The results are inserted
// without ON CONFLICT, so a command a gateway already settled as expired fails the whole statement (a unique
// violation on its command id, which waits for a settle still under way). So a fenced, late or settled batch
// writes nothing, as the transaction of separate statements it replaces did (BEGIN, fence, log, batch, COMMIT).

import type { CommandLog, SettlementBatch } from './store.js';
import {
  BALANCE_COLS,
  BALANCE_COLUMNS,
  EVENT_LOG_COLS,
  EVENT_LOG_COLUMNS,
  KLINE_COLS,
  KLINE_COLUMNS,
  KLINE_UPDATE_SET,
  ORDER_COLS,
  ORDER_COLUMNS,
  ORDER_UPDATE_SET,
  TRADE_COLS,
  TRADE_COLUMNS,
  balanceTuple,
  eventChunkTuple,
  klineTuple,
  latestBalances,
  latestKlines,
  latestOrders,
  orderTuple,
  tradeTuple,
  transpose,
} from './rows.js';

type Columns = readonly (readonly [string, string])[];

const MARKET_SEQ_COLUMNS = [
  ['symbol_id', 'int'],
  ['depth_seq', 'bigint'],
  ['trade_seq', 'bigint'],
] as const;

const JOURNAL_COLUMNS = [
  ['seq', 'bigint'],
  ['ts', 'bigint'],
  ['command', 'text'],
] as const;

/** The command log's parameters, first in a cluster batch's statement ($1 .. $8). */
const LOG_PARAMS = 8;

/**
 * The statement; `withLog`: a cluster engine's, whose first parameters are the command log's (logParams) and which
 * returns one row (ok, epoch: the leader row's, now: the database's clock in ms).
 */
function batchSql(withLog: boolean): string {
  let next = withLog ? LOG_PARAMS + 1 : 1;
  // In a cluster batch every write reads the verdict first (so the leader row is locked before any write).
  const gate = withLog ? ' WHERE (SELECT ok FROM verdict)' : '';
  const rows = (cols: Columns): string => {
    const s = `SELECT * FROM unnest(${cols.map((c, i) => `$${next + i}::${c[1]}[]`).join(', ')})${gate}`;
    next += cols.length;
    return s;
  };
  const writes = [
    `o AS (INSERT INTO orders (${ORDER_COLS}) ${rows(ORDER_COLUMNS)} ` +
      `ON CONFLICT (order_id) DO UPDATE SET ${ORDER_UPDATE_SET})`,
    `t AS (INSERT INTO trades (${TRADE_COLS}) ${rows(TRADE_COLUMNS)})`,
    `b AS (INSERT INTO balances (${BALANCE_COLS}) ${rows(BALANCE_COLUMNS)} ` +
      'ON CONFLICT (user_id, asset_id) DO UPDATE SET avail = excluded.avail, frozen = excluded.frozen)',
    `e AS (INSERT INTO event_log (${EVENT_LOG_COLS}) ${rows(EVENT_LOG_COLUMNS)})`,
    `j AS (INSERT INTO journal (seq, ts, command) ${rows(JOURNAL_COLUMNS)})`,
    `k AS (INSERT INTO klines (${KLINE_COLS}) ${rows(KLINE_COLUMNS)} ` +
      `ON CONFLICT (symbol_id, interval_ms, open_time) DO UPDATE SET ${KLINE_UPDATE_SET})`,
    `m AS (INSERT INTO market_seqs (symbol_id, depth_seq, trade_seq) ${rows(MARKET_SEQ_COLUMNS)} ` +
      'ON CONFLICT (symbol_id) DO UPDATE SET depth_seq = excluded.depth_seq, trade_seq = excluded.trade_seq)',
  ];
  const meta = `UPDATE meta SET last_order_id = $${next}, last_trade_id = $${next + 1} WHERE id = 1`;
  if (!withLog) return `WITH ${writes.join(', ')} ${meta}`;
  const log = [
    // $1 fence name (null: unfenced), $2 our epoch, $3 the earliest deadline + margin (null: none).
    'fence AS (SELECT epoch FROM cluster_leader WHERE name = $1::text FOR UPDATE)',
    'clock AS (SELECT (SELECT epoch FROM fence) AS epoch, extract(epoch FROM clock_timestamp()) * 1000 AS now)',
    'verdict AS (SELECT ($1::text IS NULL OR epoch IS NOT DISTINCT FROM $2::bigint) ' +
      'AND ($3::bigint IS NULL OR NOT $3::bigint < now) AS ok, epoch, now FROM clock)',
    // $4 stream, $5 its last seq this batch covers; $6..$8 the command results.
    'c AS (INSERT INTO cluster_consumers (stream, last_seq) SELECT $4::text, $5::bigint WHERE (SELECT ok FROM verdict) ' +
      'ON CONFLICT (stream) DO UPDATE SET last_seq = GREATEST(cluster_consumers.last_seq, EXCLUDED.last_seq))',
    'r AS (INSERT INTO cluster_command_results (command_id, answer, ts) ' +
      'SELECT * FROM unnest($6::text[], $7::text[], $8::bigint[]) WHERE (SELECT ok FROM verdict))',
  ];
  return (
    `WITH ${[...log, ...writes].join(', ')}, u AS (${meta} AND (SELECT ok FROM verdict)) ` +
    'SELECT ok, epoch, floor(now)::bigint AS now FROM verdict'
  );
}

export const BATCH_SQL = batchSql(false);
export const CLUSTER_BATCH_SQL = batchSql(true);

/** The parameters of BATCH_SQL, or of CLUSTER_BATCH_SQL after the command log's. */
export function batchParams(b: SettlementBatch): unknown[] {
  const journal = b.journal ?? [];
  return [
    ...transpose(latestOrders(b.orders).map(orderTuple), ORDER_COLUMNS.length),
    ...transpose(b.trades.map(tradeTuple), TRADE_COLUMNS.length),
    ...transpose(latestBalances(b.balances).map(balanceTuple), BALANCE_COLUMNS.length),
    ...transpose(b.events.map(eventChunkTuple), EVENT_LOG_COLUMNS.length),
    journal.map((e) => e.seq),
    journal.map((e) => e.ts),
    journal.map((e) => e.command),
    ...transpose(latestKlines(b.klines ?? []).map(klineTuple), KLINE_COLUMNS.length),
    ...transpose(
      (b.marketSeqs ?? []).map((x) => [x.symbolId, x.depthSeq, x.tradeSeq]),
      MARKET_SEQ_COLUMNS.length,
    ),
    b.meta.lastOrderId,
    b.meta.lastTradeId,
  ];
}

/** The command log's parameters of CLUSTER_BATCH_SQL ($1 .. $8). */
export function logParams(log: CommandLog): unknown[] {
  const bounds = log.results.flatMap((r) => (r.notAfter === undefined ? [] : [r.notAfter]));
  return [
    log.fence?.name ?? null,
    log.fence?.epoch ?? null,
    bounds.length === 0 ? null : Math.min(...bounds),
    log.stream,
    log.consumedSeq,
    log.results.map((x) => x.commandId),
    log.results.map((x) => x.answer),
    log.results.map((x) => x.ts),
  ];
}
