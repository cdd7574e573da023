// The generated-secrets file and the database file on disk, with real servers and files: created with mode 600,
// written once (not on every start), never regenerated over stored API secrets, a damaged file stops start-up
// with a message naming it (also through the CLI: exit code 2), and an encryption key that does not decrypt the
// stored API secrets stops start-up instead of answering 500 to every signed request.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/node/server-node.js';
import { SecretsFileError } from '../../src/auth/secrets-file.js';

const silent = pino({ level: 'silent' });
const mode = (p: string) => statSync(p).mode & 0o777;

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'fs-secrets-'));
}

function config(d: string, flags: Record<string, unknown> = {}) {
  return loadConfig({
    flags: {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: `sqlite:${join(d, 'data', 'fs.db')}`,
      logLevel: 'silent',
      ...flags,
    },
    env: {},
  });
}

async function withServer<T>(d: string, f: (url: string, adminToken: string | null) => Promise<T>, flags = {}) {
  const srv = await startServer(config(d, flags), { logger: silent });
  try {
    return await f(srv.url, srv.ctx.secrets.adminToken);
  } finally {
    await srv.close();
  }
}

async function createUser(url: string, adminToken: string | null): Promise<void> {
  const r = await fetch(`${url}/api/v1/admin/users`, {
    method: 'POST',
    headers: { 'x-admin-token': adminToken ?? '' },
  });
  assert.equal(r.status, 200, await r.text());
}

test('generated secrets: file and database created mode 600, written once, the same on every start', async () => {
  const d = dir();
  try {
    await withServer(d, createUser);
    const file = join(d, 'data', 'secrets.json');
    assert.equal(mode(file), 0o600);
    assert.equal(mode(join(d, 'data', 'fs.db')), 0o600);
    for (const f of readdirSync(join(d, 'data'))) {
      if (f.startsWith('fs.db')) assert.equal(mode(join(d, 'data', f)), 0o600, f);
      assert.ok(!f.endsWith('.tmp'), `no temporary file left: ${f}`);
    }
    const before = { text: readFileSync(file, 'utf8'), stat: statSync(file) };
    const saved = JSON.parse(before.text) as Record<string, string>;
    assert.deepEqual(Object.keys(saved).sort(), ['adminToken', 'encryptionKey', 'tokenSecret']);
    await new Promise((r) => setTimeout(r, 20));
    await withServer(d, async (url, admin) => {
      assert.equal(admin, saved.adminToken, 'the saved admin token is used');
      await createUser(url, admin);
    });
    const after = statSync(file);
    assert.equal(readFileSync(file, 'utf8'), before.text);
    assert.equal(after.ino, before.stat.ino, 'not rewritten (same inode)');
    assert.equal(after.mtimeMs, before.stat.mtimeMs, 'not rewritten (same mtime)');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a damaged secrets file stops start-up with a message naming it, and is left as it was', async () => {
  const d = dir();
  try {
    await withServer(d, createUser);
    const file = join(d, 'data', 'secrets.json');
    for (const damaged of ['{"tokenSecret": "abc', '[]', '{"encryptionKey":"short"}', '{"other":"x"}']) {
      writeFileSync(file, damaged, { mode: 0o600 });
      await assert.rejects(startServer(config(d), { logger: silent }), (e: unknown) => {
        assert.ok(e instanceof SecretsFileError, String(e));
        assert.ok(e.message.includes(file), e.message);
        return true;
      });
      assert.equal(readFileSync(file, 'utf8'), damaged, 'not regenerated over');
    }
    // Through the CLI: exit code 2 and the message, no stack trace.
    const cli = spawnSync(
      process.execPath,
      ['dist/src/cli/main.js', 'serve', '--db', `sqlite:${join(d, 'data', 'fs.db')}`, '--port', '0'],
      { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' }, timeout: 20_000 },
    );
    assert.equal(cli.status, 2, cli.stderr);
    assert.match(cli.stderr, /secrets file .*secrets\.json/);
    assert.doesNotMatch(cli.stderr, /\n\s+at /);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('API secrets stored, secrets file gone: start-up stops instead of generating a new encryption key', async () => {
  const d = dir();
  try {
    await withServer(d, createUser);
    const file = join(d, 'data', 'secrets.json');
    unlinkSync(file);
    await assert.rejects(startServer(config(d), { logger: silent }), /no encryption key.*FILLSTREAM_ENCRYPTION_KEY/);
    assert.equal(existsSync(file), false, 'nothing generated');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a configured encryption key that does not decrypt the stored API secrets stops start-up', async () => {
  const d = dir();
  const secrets = { tokenSecret: 't'.repeat(40), adminToken: 'a'.repeat(20) };
  try {
    await withServer(d, createUser, { ...secrets, encryptionKey: '1'.repeat(64) });
    await assert.rejects(
      startServer(config(d, { ...secrets, encryptionKey: '2'.repeat(64) }), { logger: silent }),
      /FILLSTREAM_ENCRYPTION_KEY does not decrypt the API secrets stored/,
    );
    await withServer(d, async () => {}, { ...secrets, encryptionKey: '1'.repeat(64) });
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
