// A cluster for failover tests and bench:failover, as child processes on a fresh prefix and database: engines
// (leader or standby on the NATS KV lease) and gateways, funded users, and the state checks that must hold after a
// takeover, read from PostgreSQL: frozen = the open orders' locks, nothing negative, every asset's total conserved,
// no cid on two orders.

import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { coreConfig, loadConfig } from '../../src/config.js';
import { clusterNames } from '../../src/cluster/wire.js';
import { freePort } from '../support/net.js';
import {
  ADMIN_TOKEN,
  type RoleProcess,
  deleteStream,
  freshDatabase,
  freshPrefix,
  post,
  services,
  spawnRole,
  waitFor,
  clusterEnv,
} from './cluster-lab.js';

export interface LabGateway {
  readonly base: string;
  readonly proc: RoleProcess;
}

export interface LabUser {
  readonly userId: number;
  readonly token: string;
  readonly auth: { authorization: string };
}

export async function failoverLab(extraEnv: Record<string, string> = {}) {
  const s = services() as { nats: string };
  const prefix = freshPrefix();
  const db = await freshDatabase();
  const env = {
    ...clusterEnv(db.url, s.nats, prefix),
    FILLSTREAM_LOG_LEVEL: 'silent',
    FILLSTREAM_RATE_ORDERS: '100000',
    FILLSTREAM_RATE_QUERIES: '100000',
    FILLSTREAM_RATE_CANCELS: '100000',
    FILLSTREAM_WS_RATE_MESSAGES: '100000',
    FILLSTREAM_CLUSTER_COMMAND_TTL_MS: '2000',
    FILLSTREAM_CLUSTER_LEASE_MS: '1500',
    ...extraEnv,
  };
  const procs: RoleProcess[] = [];
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const engine = () => {
    const e = spawnRole(['engine'], { ...env, FILLSTREAM_LOG_LEVEL: 'info' });
    procs.push(e);
    return e;
  };
  const leads = (e: RoleProcess) => e.output().includes('engine ready');
  const waits = (e: RoleProcess) => e.output().includes('engine standby');
  const gateway = async (): Promise<LabGateway> => {
    const port = await freePort();
    const proc = spawnRole(['gateway', '--port', String(port), '--host', '127.0.0.1'], env);
    procs.push(proc);
    const base = `http://127.0.0.1:${port}`;
    await waitFor('gateway ready', async () => (await fetch(`${base}/readyz`).catch(() => null))?.status === 200);
    return { base, proc };
  };
  const admin = { 'x-admin-token': ADMIN_TOKEN };
  /** A user with deposits (decimal strings by asset name), made through the given gateway. */
  const user = async (base: string, deposits: Record<string, string>): Promise<LabUser> => {
    const u = (await post(base, '/api/v1/admin/users', admin, {})).data;
    for (const [asset, qty] of Object.entries(deposits)) {
      const r = await post(base, '/api/v1/admin/deposit', admin, { user_id: u.user_id, asset, qty });
      if (r.code !== 0) throw new Error(`deposit: ${JSON.stringify(r)}`);
    }
    const token = u.token as string;
    return { userId: u.user_id as number, token, auth: { authorization: `Bearer ${token}` } };
  };
  const close = async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await pool.end();
    const nc = await connect({ servers: s.nats });
    await deleteStream(nc, clusterNames(prefix));
    const { Kvm } = await import('@nats-io/kv');
    await (await new Kvm(nc).open(`${prefix}_leader`)).destroy().catch(() => undefined);
    await nc.close();
    await db.drop();
  };
  return { prefix, url: db.url, env, pool, engine, leads, waits, gateway, user, close };
}

export type FailoverLab = Awaited<ReturnType<typeof failoverLab>>;

/** Each asset's total (avail + frozen over every account, the fee account included), by asset id. */
export async function assetTotals(db: pg.Pool | pg.PoolClient): Promise<Map<number, bigint>> {
  const rows = (
    await db.query<{ asset_id: number; total: string }>(
      'SELECT asset_id, sum(avail + frozen)::text AS total FROM balances GROUP BY asset_id',
    )
  ).rows;
  return new Map(rows.map((r) => [Number(r.asset_id), BigInt(r.total)]));
}

/**
 * What PostgreSQL holds breaks none of the invariants: frozen = Σ locks of open orders per (user, asset), no
 * negative balance or lock, every asset's total equal to `totals` (deposits; nothing is withdrawn), no cid on two
 * orders. Read in one snapshot (REPEATABLE READ). Returns the violations (empty: all hold).
 */
export async function storeViolations(pool: pg.Pool, totals: Map<number, bigint>): Promise<string[]> {
  const market = coreConfig(loadConfig({ env: {} }));
  const symbolAssets = market.symbols.map((s) => `(${s.id}, ${s.baseAssetId}, ${s.quoteAssetId})`).join(', ');
  const c = await pool.connect();
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const errors: string[] = [];
    const frozen = await c.query<{ user_id: string; asset_id: number; frozen: string; locked: string }>(
      `WITH sym (symbol_id, base, quote) AS (VALUES ${symbolAssets}),
       locks AS (
         SELECT o.user_id, CASE WHEN o.side = 'BUY' THEN sym.quote ELSE sym.base END AS asset_id, sum(o.lock) AS locked
         FROM orders o JOIN sym USING (symbol_id) WHERE o.status IN ('NEW', 'PARTIALLY_FILLED') GROUP BY 1, 2)
       SELECT user_id, asset_id, coalesce(b.frozen, 0)::text AS frozen, coalesce(l.locked, 0)::text AS locked
       FROM balances b FULL JOIN locks l USING (user_id, asset_id)
       WHERE coalesce(b.frozen, 0) <> coalesce(l.locked, 0)`,
    );
    for (const r of frozen.rows) {
      errors.push(`user ${r.user_id} asset ${r.asset_id}: frozen ${r.frozen} != open orders' locks ${r.locked}`);
    }
    const negative = await c.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM balances WHERE avail < 0 OR frozen < 0)::int +
              (SELECT count(*) FROM orders WHERE lock < 0 OR filled_qty < 0)::int AS n`,
    );
    if ((negative.rows[0]?.n ?? 0) > 0) errors.push(`${negative.rows[0]?.n} negative balances or locks`);
    const now = await assetTotals(c);
    for (const [asset, total] of totals) {
      if (now.get(asset) !== total) errors.push(`asset ${asset}: total ${now.get(asset)} != deposits ${total}`);
    }
    const twice = await c.query<{ cid: string; n: number }>(
      'SELECT cid, count(*)::int AS n FROM orders WHERE cid IS NOT NULL GROUP BY cid HAVING count(*) > 1 LIMIT 5',
    );
    for (const r of twice.rows) errors.push(`cid ${r.cid} on ${r.n} orders`);
    await c.query('COMMIT');
    return errors;
  } finally {
    c.release();
  }
}

/** cid -> order ids in PostgreSQL. */
export async function ordersByCid(pool: pg.Pool): Promise<Map<string, number[]>> {
  const rows = (await pool.query<{ cid: string; order_id: string }>('SELECT cid, order_id FROM orders')).rows;
  const m = new Map<string, number[]>();
  for (const r of rows) m.set(r.cid, [...(m.get(r.cid) ?? []), Number(r.order_id)]);
  return m;
}
