// The cluster roles refuse to start without what they need, at once, with a message that says what to set: no
// broker URL, no PostgreSQL (SQLite with a cluster role), and for a gateway the secrets every gateway must share
// (a generated one would differ per node). Real child processes of the CLI; nothing here needs NATS or PostgreSQL
// running, because the checks come before any connection.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnRole } from './cluster-lab.js';

const SECRETS = {
  FILLSTREAM_ADMIN_TOKEN: 'roles-test-admin-token-0123456789',
  FILLSTREAM_TOKEN_SECRET: 'roles-test-token-secret-0123456789abcdef',
  FILLSTREAM_ENCRYPTION_KEY: 'c'.repeat(64),
};
const PG = 'postgres://postgres@127.0.0.1:1/never';
const NATS = 'nats://127.0.0.1:1';

async function refusal(args: string[], env: Record<string, string>): Promise<string> {
  const p = spawnRole(args, { FILLSTREAM_LOG_LEVEL: 'silent', ...env });
  const code = await p.exited;
  assert.equal(code, 2, `exit 2 (bad input), got ${code}: ${p.output()}`);
  return p.output();
}

test('engine without a broker URL', async () => {
  const out = await refusal(['engine', '--db', PG], {});
  assert.match(out, /cannot start the engine role: no broker: set --nats nats:\/\/host:4222 or FILLSTREAM_NATS_URL/);
});

test('gateway without a broker URL', async () => {
  const out = await refusal(['gateway', '--db', PG], SECRETS);
  assert.match(out, /no broker: set --nats .* or FILLSTREAM_NATS_URL/);
});

test('a cluster role on SQLite (or with no database set: the SQLite default)', async () => {
  const sqlite = await refusal(['engine', '--nats', NATS, '--db', 'sqlite:./x.db'], {});
  assert.match(sqlite, /the engine role needs PostgreSQL .*set --db postgres:\/\/.* or DATABASE_URL/);
  const none = await refusal(['gateway', '--nats', NATS], SECRETS);
  assert.match(none, /the gateway role needs PostgreSQL/);
});

test('a gateway without the shared secrets names each one', async () => {
  const out = await refusal(['gateway', '--nats', NATS, '--db', PG], {});
  assert.match(out, /set FILLSTREAM_TOKEN_SECRET \(the same on every gateway\)/);
  assert.match(out, /set FILLSTREAM_ENCRYPTION_KEY \(the same on every gateway\)/);
  assert.match(out, /set FILLSTREAM_ADMIN_TOKEN \(the same on every gateway\)/);
  const oneMissing = await refusal(['gateway', '--nats', NATS, '--db', PG], {
    ...SECRETS,
    FILLSTREAM_TOKEN_SECRET: '',
  });
  assert.match(oneMissing, /FILLSTREAM_TOKEN_SECRET/);
  assert.doesNotMatch(oneMissing, /FILLSTREAM_ENCRYPTION_KEY|FILLSTREAM_ADMIN_TOKEN/);
});

test('everything missing at once is said at once', async () => {
  const out = await refusal(['gateway'], {});
  for (const what of ['no broker', 'needs PostgreSQL', 'FILLSTREAM_TOKEN_SECRET']) assert.ok(out.includes(what), what);
});
