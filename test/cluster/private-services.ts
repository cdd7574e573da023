// A NATS server and a PostgreSQL cluster of one test's own, for tests that stop and restart the services (the
// shared ones at NATS_URL and DATABASE_URL are never touched): `nats-server -js` on a free port with its own store
// dir, and an initdb'd PostgreSQL 15 cluster (run as the postgres user) with its own port and socket dir. Each
// can be stopped and started again on the same port and data; close() kills what is left and removes the dirs, and
// is safe to call after a failure at any point.

import { test } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/net.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Why this machine cannot run private services (null: it can). */
function missing(): string | null {
  if (!onPath('nats-server')) return 'nats-server';
  if (!existsSync(join(PG_BIN, 'pg_ctl')) || !onPath('runuser')) return `PostgreSQL 15 binaries in ${PG_BIN}`;
  if (process.getuid?.() !== 0) return 'root (to run PostgreSQL as the postgres user)';
  return null;
}

/** Registers a visibly skipped test when the binaries are missing; true when the caller may go on. */
export function needPrivateServices(what: string): boolean {
  const why = missing();
  if (why === null) return true;
  console.log(`${what} SKIPPED (needs ${why})`);
  test(what, { skip: `SKIPPED (needs ${why})` }, () => {});
  return false;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function until(what: string, ok: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface PrivateNats {
  readonly url: string;
  /** Stops the server (SIGTERM, then waits for it to exit). */
  stop(): Promise<void>;
  /** Starts it again on the same port and store dir. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function privateNats(): Promise<PrivateNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fs-nats-'));
  let child: ChildProcess | null = null;
  let log = '';
  const stop = async () => {
    const c = child;
    child = null;
    if (c === null || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  const start = async () => {
    const c = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    c.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    child = c;
    await until(`nats-server on ${port}: ${log}`, async () => /Server is ready/.test(log) && (await portOpen(port)));
    log = '';
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    stop,
    start,
    async close() {
      child?.kill('SIGKILL');
      child = null;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/<db> of a database created in the cluster. */
  readonly url: string;
  /** `pg_ctl restart -m fast`: every connection is cut, the server is back on the same port and data. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Runs a command as the postgres user (without blocking this process: the test's clients go on meanwhile). */
function asPostgres(args: readonly string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const c = spawn('runuser', ['-u', 'postgres', '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    c.stdout.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr.on('data', (d: Buffer) => (output += d.toString()));
    c.once('error', (e) => resolve({ status: null, output: e.message }));
    c.once('exit', (status) => resolve({ status, output }));
  });
}

async function mustPostgres(what: string, args: readonly string[]): Promise<void> {
  const r = await asPostgres(args);
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.output}`);
}

export async function privatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fs-pg-'));
  chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const data = join(dir, 'data');
  const ctl = (...args: string[]) => [join(PG_BIN, 'pg_ctl'), '-D', data, '-w', '-l', join(dir, 'log'), ...args];
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  let started = false;
  try {
    await mustPostgres('initdb', [join(PG_BIN, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    await mustPostgres('pg_ctl start', ctl('-o', options, 'start'));
    started = true;
    await mustPostgres('createdb', [join(PG_BIN, 'createdb'), '-h', dir, '-p', String(port), '-U', 'postgres', 'fs']);
  } catch (e) {
    if (started) await asPostgres(ctl('-m', 'immediate', 'stop'));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/fs`,
    async restart() {
      await mustPostgres('pg_ctl restart', ctl('-m', 'fast', '-o', options, 'restart'));
    },
    async close() {
      await asPostgres(ctl('-m', 'immediate', 'stop'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function idOf(flag: '-u' | '-g', name: string): number {
  const r = spawnSync('id', [flag, name], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  if (r.status !== 0 || !Number.isSafeInteger(n)) throw new Error(`no ${name} user on this machine`);
  return n;
}
const uidOf = (name: string) => idOf('-u', name);
const gidOf = (name: string) => idOf('-g', name);
