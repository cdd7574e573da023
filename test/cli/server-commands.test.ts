// The server-side CLI against a real `fillstream serve` child: `user create
// --deposit` prints id, key, secret and token; `token` signs a token the server
// accepts; `deposit` moves funds; an unreachable server is a clear exit 2;
// SIGTERM shuts the server down cleanly; `key revoke` and `user revoke` make the
// running server refuse the key (and its tokens) and the user at once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signRequest } from '../../src/auth/credentials.js';
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

test(
  'key revoke and user revoke through a running server: refused at once; bad input exits 2',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-cli-revoke-'));
    const port = await freePort();
    const env = {
      PATH: process.env['PATH'] ?? '',
      FILLSTREAM_PORT: String(port),
      FILLSTREAM_HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`,
      FILLSTREAM_LOG_LEVEL: 'silent',
    };
    const server = spawn(process.execPath, ['dist/src/cli/main.js', 'serve'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    server.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { env, encoding: 'utf8' });
    const base = `http://127.0.0.1:${port}`;
    try {
      for (let i = 0; i < 200 && !out.includes('is listening on'); i++) await new Promise((r) => setTimeout(r, 50));
      const users = [cli('user', 'create'), cli('user', 'create')].map((r) => {
        assert.equal(r.status, 0, r.stderr);
        const field = (name: string) => new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(r.stdout)?.[1] as string;
        return {
          id: Number(field('user_id')),
          key: field('api_key'),
          secret: field('api_secret'),
          token: field('token'),
        };
      });
      const [a, b] = users as [(typeof users)[0], (typeof users)[0]];
      const signedGet = async (u: typeof a, path: string) => {
        const ts = String(Date.now());
        const headers = {
          'x-api-key': u.key,
          'x-timestamp': ts,
          'x-signature': signRequest(u.secret, ts, 'GET', path, ''),
        };
        return (await fetch(base + path, { headers })).status;
      };
      const bearerGet = async (token: string) =>
        (await fetch(`${base}/api/v1/balances`, { headers: { authorization: `Bearer ${token}` } })).status;
      assert.equal(await signedGet(a, '/api/v1/balances?n=1'), 200);

      const revokedKey = cli('key', 'revoke', a.key);
      assert.equal(revokedKey.status, 0, revokedKey.stderr);
      assert.equal(revokedKey.stdout, `revoked API key ${a.key} of user ${a.id}\n`);
      assert.equal(await signedGet(a, '/api/v1/balances?n=2'), 401);
      assert.equal(await bearerGet(a.token), 200, 'the admin-minted token was not minted by the key');
      assert.equal(await signedGet(b, '/api/v1/balances?n=3'), 200);

      const revokedUser = cli('user', 'revoke', String(b.id));
      assert.equal(revokedUser.status, 0, revokedUser.stderr);
      assert.equal(revokedUser.stdout, `revoked user ${b.id} (1 API keys newly revoked)\n`);
      assert.equal(await bearerGet(b.token), 401);
      assert.equal(await signedGet(b, '/api/v1/balances?n=4'), 401);

      for (const [args, message] of [
        [['user', 'revoke', '987654'], /unknown user_id/],
        [['user', 'revoke', 'abc'], /integer/],
        [['key', 'revoke', 'ak_nope'], /unknown api_key/],
        [['key', 'revoke'], /missing required argument/],
      ] as const) {
        const r = cli(...args);
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, message);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      }
    } finally {
      const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
      server.kill('SIGTERM');
      assert.equal(await exited, 0, 'graceful shutdown exits 0');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
