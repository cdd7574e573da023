// The server-side CLI against a real `fillstream serve` child: `user create
// --deposit` prints id, key, secret and token; `token` signs a token the server
// accepts; `deposit` moves funds; an unreachable server is a clear exit 2;
// SIGTERM shuts the server down cleanly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/net.js';

test('serve + user create --deposit + token + deposit, then SIGTERM', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-cli-serve-'));
  const port = await freePort();
  // No secrets configured: the server generates them into <data dir>/secrets.json and the CLI reads them there.
  const env = {
    PATH: process.env['PATH'] ?? '',
    FILLSTREAM_PORT: String(port),
    FILLSTREAM_HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`,
    FILLSTREAM_LOG_LEVEL: 'silent',
  };
  const server = spawn(process.execPath, ['dist/src/cli/main.js', 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  server.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { env, encoding: 'utf8' });
  try {
    for (let i = 0; i < 200 && !out.includes('is listening on'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /is listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /user create --deposit/);

    const created = cli('user', 'create', '--deposit', 'BTC=1.5,USDT=100000');
    assert.equal(created.status, 0, created.stderr);
    const field = (name: string) => new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(created.stdout)?.[1];
    const userId = Number(field('user_id'));
    assert.ok(userId >= 1001);
    assert.match(field('api_key') ?? '', /^ak_/);
    assert.match(field('api_secret') ?? '', /^[0-9a-f]{32,}$/);

    const tokenRun = cli('token', '--user', String(userId));
    assert.equal(tokenRun.status, 0, tokenRun.stderr);
    const token = tokenRun.stdout.trim();
    const dep = cli('deposit', '--user', String(userId), '--asset', 'ETH', '--qty', '2');
    assert.equal(dep.status, 0, dep.stderr);
    assert.match(dep.stdout, /deposited 2\.000000 ETH to user \d+/);

    const r = await fetch(`http://127.0.0.1:${port}/api/v1/balances`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await r.json()) as { data: { balances: Array<{ asset: string; avail: string }> } };
    assert.deepEqual(
      body.data.balances.map((b) => [b.asset, b.avail]),
      [
        ['BTC', '1.500000'],
        ['ETH', '2.000000'],
        ['USDT', '100000.00'],
      ],
    );

    const bad = spawnSync(
      process.execPath,
      ['dist/src/cli/main.js', 'user', 'create', '--server', 'http://127.0.0.1:1'],
      {
        env,
        encoding: 'utf8',
      },
    );
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /cannot reach the server/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0, 'graceful shutdown exits 0');
    rmSync(dir, { recursive: true, force: true });
  }
});
