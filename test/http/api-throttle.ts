// Part of the HTTP API suite (api-suite.ts), issue 9 defect 8: failed authentication is throttled per source
// address and per API key (4291 before the credential is even checked, over HTTP and WebSocket, while other
// addresses and keys go on working), and every failed authentication and admin action writes an audit line with
// who, what and from where, and never a secret. Clients use their own loopback addresses (127.0.0.x).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, wsUrl } from '../push/raw-client.js';
import {
  ADMIN,
  ADMIN_TOKEN,
  ENCRYPTION_KEY,
  type Lab,
  type Res,
  TOKEN_SECRET,
  authHeaders,
  expectError,
  expectOk,
} from './harness.js';
import { type Obj, counts } from './api-helpers.js';
import { WsClients, assertClosedBy, auditLines, capturedLogger, requestFrom } from './credential-helpers.js';

const LIMITS = { maxFailures: 5, failureWindowMs: 60_000, banMs: 60_000 };

/** `fillstream_auth_failures_total{channel,code}` from /metrics (0 when absent). */
async function failures(text: string, channel: string, code: number): Promise<number> {
  const m = new RegExp(`^fillstream_auth_failures_total\\{channel="${channel}",code="${code}"\\} (\\d+)$`, 'm').exec(
    text,
  );
  return m === null ? 0 : Number(m[1]);
}

export function throttleTests(lab: Lab): void {
  const ws = new WsClients();
  after(() => ws.disposeAll());

  test('1,000 bad signatures from one address: 2002 up to the threshold, then 4291 unchecked; the key is banned too', async () => {
    const s = await lab.start({ auth: LIMITS });
    const victim = await s.fundedUser({ USDT: '100' });
    const bystander = await s.fundedUser({ USDT: '100' });
    const [attacker, elsewhere] = ['127.0.0.2', '127.0.0.3'];
    const forged = { ...victim.hmac, apiSecret: bystander.apiSecret };
    const answers: Res[] = [];
    for (let i = 0; i < 1000; i++)
      answers.push(await requestFrom(attacker, s, 'GET', '/api/v1/balances', { as: forged }));
    assert.deepEqual(counts(answers), { '401/2002': 5, '429/4291': 995 });
    assert.deepEqual(
      answers.slice(0, 6).map((r) => r.status),
      [401, 401, 401, 401, 401, 429],
    );
    expectError(answers[999] as Res, 429, 4291, /too many failed authentications .* retry in \d+ s/);
    // Banned before any check: right credentials from that address are refused too.
    expectError(await requestFrom(attacker, s, 'GET', '/api/v1/balances', { as: bystander.hmac }), 429, 4291);
    expectError(await requestFrom(attacker, s, 'GET', '/api/v1/balances', { as: bystander.bearer }), 429, 4291);
    // The guessed-at key is banned from everywhere; its owner's bearer token and other keys are not.
    const keyBan = await requestFrom(elsewhere, s, 'GET', '/api/v1/balances', { as: victim.hmac });
    expectError(keyBan, 429, 4291, /with this API key/);
    expectOk(await requestFrom(elsewhere, s, 'GET', '/api/v1/balances', { as: victim.bearer }));
    expectOk(await requestFrom(elsewhere, s, 'GET', '/api/v1/balances', { as: bystander.hmac }));
    // Successes are not throttled and not counted; nor do they wipe the failures out (else a client holding one
    // good credential could guess on without end): 4 failures, 10 successes, the 5th failure starts the ban.
    const mixed = '127.0.0.9';
    const third = await s.createUser();
    const thirdForged = { ...third.hmac, apiSecret: victim.apiSecret };
    const bad = () => requestFrom(mixed, s, 'GET', '/api/v1/balances', { as: thirdForged });
    // (Each signed request unique: two identical ones in the same millisecond would be a replay.)
    const good = (i: number) => requestFrom(mixed, s, 'GET', `/api/v1/balances?i=${i}`, { as: third.hmac });
    for (let i = 0; i < 4; i++) expectError(await bad(), 401, 2002);
    for (let i = 0; i < 10; i++) expectOk(await good(i));
    expectError(await bad(), 401, 2002);
    expectError(await good(10), 429, 4291);
    const metrics = await s.metrics();
    assert.equal(await failures(metrics, 'http', 2002), 10);
    assert.ok((await failures(metrics, 'http', 4291)) >= 997, metrics);
  });

  test('1,000 bad admin tokens: 4291 after the threshold, even for the right token there; other addresses work', async () => {
    const s = await lab.start({ auth: LIMITS });
    const attacker = '127.0.0.4';
    const answers: Res[] = [];
    for (let i = 0; i < 1000; i++) {
      const as = { kind: 'admin', token: `guess-${i}-of-the-admin-token` } as const;
      answers.push(await requestFrom(attacker, s, 'POST', '/api/v1/admin/users', { as }));
    }
    assert.deepEqual(counts(answers), { '401/2002': 5, '429/4291': 995 });
    expectError(await requestFrom(attacker, s, 'POST', '/api/v1/admin/users', { as: ADMIN }), 429, 4291);
    // No guess created anything: the next user is the first one.
    const first = expectOk<Obj>(await requestFrom('127.0.0.1', s, 'POST', '/api/v1/admin/users', { as: ADMIN }));
    assert.equal(first.user_id, 1001);
  });

  test('WebSocket: bad tokens count towards the address ban; then auth.error 4291 + 1008, and ?token= gets 429', async () => {
    const s = await lab.start({ auth: LIMITS });
    const u = await s.createUser();
    const [attacker, elsewhere] = ['127.0.0.5', '127.0.0.6'];
    for (let i = 0; i < 5; i++) {
      const c = await ws.open(s, '', attacker);
      c.send({ type: 'auth', token: `not-a-token-${i}` });
      await assertClosedBy(c, 2002, 4001, `bad token ${i}`);
    }
    const c = await ws.open(s, '', attacker);
    c.send({ type: 'auth', token: u.token });
    await assertClosedBy(c, 4291, 1008, 'a good token from the banned address');
    assert.equal(await RawClient.refusal(wsUrl(s.url, `token=${u.token}`), { localAddress: attacker }), 429);
    expectError(await requestFrom(attacker, s, 'GET', '/api/v1/balances', { as: u.bearer }), 429, 4291);
    // Another address is not concerned.
    await (await ws.authed(s, u.token, elsewhere)).ping();
    assert.equal(await RawClient.refusal(wsUrl(s.url, 'token=bad'), { localAddress: elsewhere }), 401);
    expectOk(await requestFrom(elsewhere, s, 'GET', '/api/v1/balances', { as: u.bearer }));
  });

  test('audit log: a line per failed authentication and per admin action: who, what, where; never a secret', async () => {
    const log = capturedLogger();
    const s = await lab.start({ logger: log.logger, auth: LIMITS });
    const u = await s.fundedUser({ USDT: '100' });
    const other = await s.createUser();
    const sent: string[] = []; // every credential value sent: none may appear in the log
    // A bad signature (known key, wrong secret), a replay, a garbage token, no credentials.
    const badSig = authHeaders({ ...u.hmac, apiSecret: other.apiSecret }, 'GET', '/api/v1/balances', '');
    const good = authHeaders(u.hmac, 'POST', '/api/v1/auth/token', '');
    sent.push(badSig['x-signature'] as string, good['x-signature'] as string);
    expectError(await s.request('GET', '/api/v1/balances', { headers: badSig }), 401, 2002);
    const minted = expectOk<Obj>(await s.request('POST', '/api/v1/auth/token', { headers: good })).token as string;
    sent.push(minted);
    expectError(await s.request('POST', '/api/v1/auth/token', { headers: good }), 401, 2002);
    expectError(await s.get('/api/v1/orders', { kind: 'bearer', token: 'not.a.token' }), 401, 2002);
    expectError(await s.post('/api/v1/create_order', {}), 401, 2001);
    // WebSocket (from another address: 127.0.0.1 stays under the ban threshold): a bad token in the first message
    // and in the URL.
    const c = await ws.open(s, '', '127.0.0.8');
    c.send({ type: 'auth', token: `${minted.slice(0, -4)}AAAA` });
    await assertClosedBy(c, 2002, 4001, 'tampered token');
    assert.equal(await RawClient.refusal(wsUrl(s.url, 'token=garbage'), { localAddress: '127.0.0.8' }), 401);
    // Admin: a wrong token flood from one address (5 lines, then one ban line, then nothing per refusal).
    for (let i = 0; i < 8; i++) {
      const token = `wrong-admin-token-${i}-xyz`;
      sent.push(token);
      await requestFrom('127.0.0.7', s, 'POST', '/api/v1/admin/deposit', {
        as: { kind: 'admin', token },
        body: { user_id: u.userId, asset: 'USDT', qty: '1' },
      });
    }
    // Admin actions: ok and refused; a user's own revocation.
    expectOk(await s.post('/api/v1/admin/revoke_key', { api_key: other.apiKey }, ADMIN));
    expectError(await s.post('/api/v1/admin/revoke_key', { api_key: 'ak_nope' }, ADMIN), 400, 1001);
    expectOk(await s.request('POST', '/api/v1/auth/revoke_key', { as: { kind: 'bearer', token: minted } }));

    const lines = auditLines(log.lines);
    const failuresOf = (pred: (l: Obj) => boolean) => lines.filter((l) => l.audit === 'auth.failure' && pred(l));
    const one = (pred: (l: Obj) => boolean, what: string): Obj => {
      const found = failuresOf(pred);
      assert.equal(found.length, 1, `${what}: ${JSON.stringify(lines, null, 1)}`);
      return found[0] as Obj;
    };
    const sig = one((l) => l.reason === 'bad signature', 'bad signature');
    assert.deepEqual(
      [sig.channel, sig.method, sig.route, sig.code, sig.ip, sig.user_id, sig.key_prefix],
      ['http', 'GET', '/api/v1/balances', 2002, '127.0.0.1', u.userId, u.apiKey.slice(0, 11)],
    );
    assert.match(String(sig.reqId), /^[0-9a-f]{8}-[0-9a-z]+$/, 'the request id');
    const replay = one((l) => l.reason === 'signature already used', 'replay');
    assert.deepEqual([replay.route, replay.user_id], ['/api/v1/auth/token', u.userId]);
    one((l) => l.route === '/api/v1/orders' && l.code === 2002 && l.key_prefix === null, 'garbage bearer token');
    one((l) => l.route === '/api/v1/create_order' && l.code === 2001, 'no credentials');
    const wsFail = failuresOf((l) => l.channel === 'ws');
    assert.deepEqual(
      wsFail.map((l) => [l.method, l.route, l.code, l.ip]),
      [
        ['auth', '/ws', 2002, '127.0.0.8'],
        ['GET', '/ws', 2002, '127.0.0.8'],
      ],
    );
    assert.equal(failuresOf((l) => l.ip === '127.0.0.7' && l.route === '/api/v1/admin/deposit').length, 5);
    const bans = lines.filter((l) => l.audit === 'auth.ban');
    assert.deepEqual(
      bans.map((b) => [b.scope, b.ip]),
      [['ip', '127.0.0.7']],
    );
    const actions = lines.filter((l) => l.audit === 'action').map((l) => [l.action, l.outcome, l.actor, l.code]);
    assert.deepEqual(actions, [
      ['admin.create_user', 'ok', 'admin', undefined],
      ['admin.deposit', 'ok', 'admin', undefined],
      ['admin.create_user', 'ok', 'admin', undefined],
      ['admin.revoke_key', 'ok', 'admin', undefined],
      ['admin.revoke_key', 'refused', 'admin', 1001],
      ['user.revoke_key', 'ok', u.userId, undefined],
    ]);
    const revoked = lines.find((l) => l.action === 'admin.revoke_key' && l.outcome === 'ok') as Obj;
    assert.deepEqual(revoked.target, { user_id: other.userId, key_prefix: other.apiKey.slice(0, 11) });
    assert.ok(
      lines.every((l) => typeof l.ip === 'string'),
      'every audit line says where from',
    );

    const text = log.text();
    const secrets = [ADMIN_TOKEN, TOKEN_SECRET, ENCRYPTION_KEY, u.apiSecret, other.apiSecret, u.token, other.token];
    for (const secret of [...secrets, ...sent, u.apiKey, other.apiKey]) {
      assert.ok(!text.includes(secret), `the log holds a secret or a whole API key: ${secret.slice(0, 12)}…`);
    }
  });
}
