// Shared by the cluster tests: the services they need (NATS_URL, DATABASE_URL; a test without them is skipped with
// a visible notice), a fresh prefix per test (its own stream and subjects), a fresh PostgreSQL database per test,
// in-process engine/gateway pieces, and role child processes (`node dist/src/cli/main.js engine|gateway`).

import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { pino } from 'pino';
import { coreConfig, loadConfig } from '../../src/config.js';
import { NatsEngineServer } from '../../src/cluster/nats-engine-server.js';
import { type ClusterNames, clusterNames } from '../../src/cluster/wire.js';
import type { RateLimits } from '../../src/rate-limit.js';
import { createDatabase, type TestDatabase } from '../http/harness.js';

export const ADMIN_TOKEN = 'cluster-test-admin-token-0123456789';
export const TOKEN_SECRET = 'cluster-test-token-secret-0123456789abcdef';
export const ENCRYPTION_KEY = 'b'.repeat(64);

export function services(): { nats: string; pg: string } | null {
  const nats = process.env['NATS_URL'];
  const pgUrl = process.env['DATABASE_URL'];
  if (nats === undefined || nats === '' || pgUrl === undefined || pgUrl === '') return null;
  return { nats, pg: pgUrl };
}

/** Registers a visibly skipped test when the services are missing; true when the caller may go on. */
export function needServices(what: string): boolean {
  if (services() !== null) return true;
  console.log(`${what} SKIPPED (needs NATS_URL and DATABASE_URL)`);
  test(what, { skip: 'SKIPPED (needs NATS_URL and DATABASE_URL)' }, () => {});
  return false;
}

/** What every node of one test cluster shares: its database, broker and prefix, and the secrets all nodes must agree on. */
export function clusterEnv(databaseUrl: string, natsUrl: string, prefix: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    FILLSTREAM_NATS_URL: natsUrl,
    FILLSTREAM_CLUSTER_PREFIX: prefix,
    FILLSTREAM_ADMIN_TOKEN: ADMIN_TOKEN,
    FILLSTREAM_TOKEN_SECRET: TOKEN_SECRET,
    FILLSTREAM_ENCRYPTION_KEY: ENCRYPTION_KEY,
  };
}

export function freshPrefix(): string {
  return `fs_test_${randomBytes(5).toString('hex')}`;
}

export const silentLog = pino({ level: 'silent' });

export function freshDatabase(): Promise<TestDatabase> {
  return createDatabase('postgres');
}

export async function deleteStream(nc: NatsConnection, names: ClusterNames): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(names.commandStream).catch(() => undefined);
}

export interface InProcessEngine {
  readonly server: NatsEngineServer;
  readonly nc: NatsConnection;
  readonly pool: pg.Pool;
  stop(): Promise<void>;
}

/** The engine role's transport in this process (the role's composition root, minus the CLI). */
export async function startEngine(
  prefix: string,
  dbUrl: string,
  duplicateWindowMs = 120_000,
  rateLimits: RateLimits = loadConfig({ env: {} }).rateLimits,
  opts: { readonly deadlineMarginMs?: number; readonly now?: () => number } = {},
): Promise<InProcessEngine> {
  const s = services() as { nats: string };
  const nc = await connect({ servers: s.nats });
  const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
  // An idle connection cut under it (a test's proxy) must not crash the test process (the engine role logs it).
  pool.on('error', () => undefined);
  const server = await NatsEngineServer.start({
    nc,
    names: clusterNames(prefix),
    pool,
    init: {
      databaseUrl: dbUrl,
      market: coreConfig(loadConfig({ env: {} })),
      maxBatch: 4096,
      eventRetentionMs: 86_400_000,
      pruneIntervalMs: 60_000,
      rateLimits,
    },
    duplicateWindowMs,
    ...(opts.deadlineMarginMs === undefined ? {} : { deadlineMarginMs: opts.deadlineMarginMs }),
    ...(opts.now === undefined ? {} : { now: opts.now }),
    // Unfenced, but announced like a leader: a later engine of the same test gets a larger epoch (the clock).
    leader: { nodeId: `test-engine-${process.pid}`, epoch: Date.now(), since: Date.now() },
    log: silentLog,
  });
  let stopped = false;
  return {
    server,
    nc,
    pool,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await nc.close();
      await pool.end();
    },
  };
}

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface RoleProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

export function spawnRole(args: readonly string[], env: Record<string, string>): RoleProcess {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

export async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await ok()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type Json = Record<string, unknown>;

/** POSTs JSON to a gateway and reads the envelope. */
export async function post(
  base: string,
  path: string,
  headers: Json,
  body: unknown,
): Promise<{ code: number; data: Json }> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(headers as object) },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { code: number; data: Json };
}

/** A small resting LIMIT BUY with a client order id (funded users of the labs can place many). */
export const bid = (cid: string) => ({
  symbol: 'BTC_USDT',
  side: 'BUY',
  order_type: 'LIMIT',
  price: '1.00',
  qty: '0.01',
  cid,
});
