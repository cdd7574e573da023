// Part of the HTTP API contract suite (api-suite.ts): admin routes, every way to authenticate, and every way
// authentication fails. The tests run in order on the suite's main server and keep to its price bands (see api-
// suite.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { issueToken } from '../../src/auth/credentials.js';
import { ADMIN, type Credentials, NONE, TOKEN_SECRET, expectError, expectOk } from './harness.js';
import { type MainServer, type Obj, balance, balanceUpdate, limit } from './api-helpers.js';

export function authTests(ctx: MainServer): void {
  test('admin: create users, deposit, withdraw (events deposit / withdrawal) and every admin error', async () => {
    const { s } = ctx;
    const t0 = Date.now();
    const created = expectOk<Obj>(await s.request('POST', '/api/v1/admin/users', { as: ADMIN }));
    assert.deepEqual(Object.keys(created), ['user_id', 'api_key', 'api_secret', 'token', 'token_expires_at']);
    assert.ok(Number.isSafeInteger(created.user_id) && (created.user_id as number) >= 1001);
    assert.match(created.api_key as string, /^ak_[0-9a-f]{32}$/);
    assert.match(created.api_secret as string, /^[0-9a-f]{64}$/);
    assert.match(created.token as string, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const exp = created.token_expires_at as number;
    assert.ok(exp >= t0 - 1000 + 3600_000 && exp <= Date.now() + 3600_000, `token_expires_at ${exp}`);
    const u = await s.createUser();
    assert.equal(u.userId, (created.user_id as number) + 1);
    assert.notEqual(u.apiKey, created.api_key);

    assert.deepEqual(
      expectOk(
        await s.request('POST', '/api/v1/admin/deposit', {
          as: ADMIN,
          body: { user_id: u.userId, asset: 'BTC', qty: '1.5' },
        }),
      ),
      { user_id: u.userId, asset: 'BTC', qty: '1.500000' },
    );
    assert.deepEqual(
      expectOk(
        await s.request('POST', '/api/v1/admin/withdraw', {
          as: ADMIN,
          body: { user_id: String(u.userId), asset: 'BTC', qty: '0.25' },
        }),
      ),
      { user_id: u.userId, asset: 'BTC', qty: '0.250000' },
    );
    assert.deepEqual(await s.balances(u), [balance('BTC', '1.250000', '0.000000', '1.250000')]);
    assert.deepEqual(await s.events(u), [
      balanceUpdate(1, 'BTC', '1.500000', '0.000000', '+1.500000', 'deposit'),
      balanceUpdate(2, 'BTC', '1.250000', '0.000000', '-0.250000', 'withdrawal'),
    ]);

    const dep = { user_id: u.userId, asset: 'BTC', qty: '1' };
    for (const route of ['/api/v1/admin/users', '/api/v1/admin/deposit', '/api/v1/admin/withdraw']) {
      const body = route.endsWith('users') ? undefined : dep;
      expectError(await s.request('POST', route, { body }), 401, 2001);
      expectError(
        await s.request('POST', route, { body, as: { kind: 'admin', token: 'not-the-admin-token-at-all' } }),
        401,
        2002,
      );
      expectError(await s.request('POST', route, { body, as: u.bearer }), 403, 2003);
      expectError(await s.request('POST', route, { body, as: u.hmac }), 403, 2003);
    }
    const admin = (route: string, body: unknown) => s.request('POST', `/api/v1/admin/${route}`, { as: ADMIN, body });
    expectError(await admin('deposit', { ...dep, user_id: 987654321 }), 400, 1001, /user/);
    expectError(await admin('deposit', { ...dep, asset: 'DOGE' }), 400, 1001, /asset/);
    expectError(await admin('deposit', { ...dep, qty: 1 }), 400, 1001, /qty/);
    expectError(await admin('deposit', { asset: 'BTC', qty: '1' }), 400, 1001, /user_id/);
    expectError(await admin('deposit', { ...dep, note: 'x' }), 400, 1001);
    expectError(await s.request('POST', '/api/v1/admin/deposit', { as: ADMIN, raw: '{"user_id":' }), 400, 1001);
    expectError(await admin('deposit', { ...dep, qty: '0' }), 400, 1003);
    expectError(await admin('deposit', { ...dep, qty: '0.000000001' }), 400, 1003);
    expectError(await admin('withdraw', { ...dep, qty: '-1' }), 400, 1003);
    expectError(await admin('withdraw', { ...dep, qty: '1.25000001' }), 400, 1002);
    assert.deepEqual(await s.balances(u), [balance('BTC', '1.250000', '0.000000', '1.250000')]);
    assert.equal((await s.events(u)).length, 2, 'refused admin operations push nothing');
  });

  test('auth: bearer, API key + HMAC (GET and POST, signRequest and a hand-made HMAC), auth/token', async () => {
    const { s } = ctx;
    const u = await s.fundedUser({ USDT: '1000' });
    expectOk(await s.get('/api/v1/balances', u.bearer));

    // Signed GET with a query string, signed POST with a body.
    const path = '/api/v1/orders?symbol=BTC_USDT&limit=5';
    assert.deepEqual(expectOk(await s.get(path, u.hmac)), { orders: [], next_cursor: null });
    const placed = expectOk<Obj>(
      await s.post('/api/v1/create_order', limit('BUY', '10', '1', { cid: 'signed-1' }), u.hmac),
      202,
    );
    assert.equal(placed.cid, 'signed-1');
    assert.equal((await s.order(u, placed.order_id as number)).status, 'NEW');
    expectOk(await s.post('/api/v1/cancel_order', { cid: 'signed-1' }, u.hmac));

    // The signature exactly as api.md defines it, computed here without the server's helper.
    const ts = String(Date.now());
    const body = JSON.stringify(limit('BUY', '10', '0.5'));
    const sig = (method: string, p: string, b: string) =>
      createHmac('sha256', u.apiSecret)
        .update(ts + method + p + b)
        .digest('hex');
    const headers = (method: string, p: string, b: string) => ({
      'x-api-key': u.apiKey,
      'x-timestamp': ts,
      'x-signature': sig(method, p, b),
    });
    expectOk(await s.request('GET', '/api/v1/balances?x=1', { headers: headers('GET', '/api/v1/balances?x=1', '') }));
    const byHand = expectOk<Obj>(
      await s.request('POST', '/api/v1/create_order', {
        raw: body,
        headers: headers('POST', '/api/v1/create_order', body),
      }),
      202,
    );
    await s.cancel(u, { order_id: byHand.order_id });

    // auth/token: only to an API-key-signed request; the token then works; a bearer or no credential does not.
    const t0 = Date.now();
    const issued = expectOk<Obj>(await s.request('POST', '/api/v1/auth/token', { as: u.hmac }));
    assert.deepEqual(Object.keys(issued), ['user_id', 'token', 'expires_at']);
    assert.equal(issued.user_id, u.userId);
    const exp = issued.expires_at as number;
    assert.ok(exp >= t0 - 1000 + 3600_000 && exp <= Date.now() + 3600_000, `expires_at ${exp}`);
    const fresh: Credentials = { kind: 'bearer', token: issued.token as string };
    assert.deepEqual(await s.ok('/api/v1/balances', fresh), { balances: await s.balances(u) });
    expectError(await s.request('POST', '/api/v1/auth/token', { as: u.bearer }), 403, 2003);
    expectError(await s.request('POST', '/api/v1/auth/token', { as: fresh }), 403, 2003);
    expectError(await s.request('POST', '/api/v1/auth/token'), 401, 2001);
  });

  test('auth errors: 2001 without credentials, 2002 for every bad credential', async () => {
    const { s } = ctx;
    const u = await s.fundedUser({ USDT: '100' });
    const other = await s.createUser();
    const routes: Array<[string, string, unknown]> = [
      ['GET', '/api/v1/balances', undefined],
      ['GET', '/api/v1/orders', undefined],
      ['GET', '/api/v1/trades', undefined],
      ['GET', '/api/v1/events', undefined],
      ['GET', '/api/v1/order/1', undefined],
      ['POST', '/api/v1/create_order', limit('BUY', '10', '0.1')],
      ['POST', '/api/v1/cancel_order', { order_id: 1 }],
      ['POST', '/api/v1/auth/token', undefined],
    ];
    for (const [method, path, body] of routes) {
      expectError(await s.request(method, path, { body }), 401, 2001, /credentials/);
    }
    const now = Date.now();
    const expired = await issueToken(u.userId, 60, TOKEN_SECRET, now - 2 * 3600_000);
    const forged = await issueToken(u.userId, 3600, 'another-secret-of-at-least-32-characters', now);
    const [h, p, sgn] = u.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Obj;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: String(other.userId) })).toString('base64url')}.${sgn}`;
    const bad: Array<[string, Credentials | Record<string, string>]> = [
      ['expired token', { kind: 'bearer', token: expired.token }],
      ['token signed with another secret', { kind: 'bearer', token: forged.token }],
      ['token with an edited payload', { kind: 'bearer', token: tampered }],
      ['garbage token', { kind: 'bearer', token: 'not.a.token' }],
      ['Authorization that is not Bearer', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
      ['signature with the wrong secret', { ...u.hmac, apiSecret: other.apiSecret }],
      ['unknown API key', { ...u.hmac, apiKey: 'ak_00000000000000000000000000000000' }],
      ['stale timestamp (6 s old)', { ...u.hmac, timestamp: Date.now() - 6000 }],
      ['timestamp 6 s in the future', { ...u.hmac, timestamp: Date.now() + 6000 }],
      ['timestamp not in ms digits', { ...u.hmac, timestamp: 'yesterday' }],
      ['signature over another path', { ...u.hmac, signPath: '/api/v1/balances?other=1' }],
      ['signature over another body', { ...u.hmac, signBody: '{"tampered":true}' }],
      ['X-User-ID while dev auth is off', { kind: 'dev', userId: u.userId }],
    ];
    for (const [what, cred] of bad) {
      const as = 'kind' in cred ? (cred as Credentials) : NONE;
      const headers = 'kind' in cred ? {} : (cred as Record<string, string>);
      for (const [method, path, body] of routes.slice(0, 1).concat(routes.slice(5, 6))) {
        const r = await s.request(method, path, { body, as, headers });
        assert.equal(r.status, 401, `${what}: ${method} ${path} -> ${r.text}`);
        expectError(r, 401, 2002);
      }
    }
    // X-User-ID next to valid credentials is refused too while dev auth is off.
    expectError(
      await s.request('GET', '/api/v1/balances', { as: u.bearer, headers: { 'x-user-id': String(u.userId) } }),
      401,
      2002,
    );
    // An incomplete API key header set is missing credentials.
    expectError(await s.request('GET', '/api/v1/balances', { headers: { 'x-api-key': u.apiKey } }), 401, 2001);
    // Nothing was created by any refused request.
    assert.deepEqual(await s.ok('/api/v1/orders', u.bearer), { orders: [], next_cursor: null });
    assert.deepEqual(await s.balances(u), [balance('USDT', '100.00', '0.00', '100.00')]);
  });
}
