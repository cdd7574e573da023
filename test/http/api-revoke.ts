// Part of the HTTP API suite (api-suite.ts), issue 9 defects 4 and 6: a replayed signed request is refused and
// executed once; revocation of a key (admin route, the user's own route) and of a user refuses every credential it
// concerns at once, closes the WebSocket connections those credentials opened (auth.error 2002, then 4001), leaves
// everything else working, and survives a restart. One server of its own (the main server's books stay as its
// tests expect them).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { issueToken } from '../../src/auth/credentials.js';
import { RawClient, wsUrl } from '../push/raw-client.js';
import {
  ADMIN,
  type Credentials,
  type Lab,
  NONE,
  TOKEN_SECRET,
  type TestServer,
  type TestUser,
  authHeaders,
  expectError,
  expectOk,
} from './harness.js';
import { type Obj, balance, counts, limit } from './api-helpers.js';
import { WsClients, assertClosedBy } from './credential-helpers.js';

/** A bearer token minted by POST /auth/token with the user's API key (it names that key). */
async function keyToken(s: TestServer, u: TestUser): Promise<Credentials & { kind: 'bearer' }> {
  const d = expectOk<Obj>(await s.request('POST', '/api/v1/auth/token', { as: u.hmac }));
  return { kind: 'bearer', token: d.token as string };
}

export function revokeTests(lab: Lab): void {
  const ws = new WsClients();
  let s: TestServer;
  before(async () => {
    s = await lab.start();
  });
  after(() => ws.disposeAll());

  test('replay: a signed MARKET create_order sent again is refused (2002) and executed once; so is auth/token', async () => {
    const seller = await s.fundedUser({ BTC: '1' });
    const buyer = await s.fundedUser({ USDT: '100000' });
    await s.place(seller, limit('SELL', '30000', '0.5'));
    const send = (body: string, headers: Record<string, string>) =>
      s.request('POST', '/api/v1/create_order', { raw: body, headers });
    const body = JSON.stringify({ symbol: 'BTC_USDT', side: 'BUY', order_type: 'MARKET', qty: '0.1' });
    const headers = authHeaders(buyer.hmac, 'POST', '/api/v1/create_order', body);
    expectOk(await send(body, headers), 202);
    expectError(await send(body, headers), 401, 2002, /signature already used/);
    // Hex digits in the other case are the same signature.
    const upper = { ...headers, 'x-signature': (headers['x-signature'] as string).toUpperCase() };
    expectError(await send(body, upper), 401, 2002, /already used/);
    // Copies sent at the same time: exactly one goes through.
    const body2 = JSON.stringify({ symbol: 'BTC_USDT', side: 'BUY', order_type: 'MARKET', qty: '0.1', cid: 'twin' });
    const headers2 = authHeaders(buyer.hmac, 'POST', '/api/v1/create_order', body2);
    const twins = await Promise.all([1, 2, 3, 4].map(() => send(body2, headers2)));
    assert.deepEqual(counts(twins), { '202/0': 1, '401/2002': 3 });
    // Two orders bought 0.2 BTC (taker fee 0.2 %), not four or six.
    const orders = (await s.ok<{ orders: Obj[] }>('/api/v1/orders', buyer.bearer)).orders;
    assert.deepEqual(
      orders.map((o) => [o.order_type, o.status, o.filled_qty]),
      [
        ['MARKET', 'FILLED', '0.100000'],
        ['MARKET', 'FILLED', '0.100000'],
      ],
    );
    assert.deepEqual(await s.balances(buyer), [
      balance('BTC', '0.199600', '0.000000', '0.199600'),
      balance('USDT', '94000.00', '0.00', '94000.00'),
    ]);
    // auth/token: the same signed request mints one token, not two.
    const tokenHeaders = authHeaders(buyer.hmac, 'POST', '/api/v1/auth/token', '');
    expectOk(await s.request('POST', '/api/v1/auth/token', { headers: tokenHeaders }));
    expectError(await s.request('POST', '/api/v1/auth/token', { headers: tokenHeaders }), 401, 2002, /already used/);
    // Only accepted signatures are remembered: a refused one, then the right one with the same timestamp.
    const ts = Date.now();
    const wrong = { ...buyer.hmac, timestamp: ts, apiSecret: seller.apiSecret };
    expectError(await s.get('/api/v1/balances?n=1', wrong), 401, 2002, /bad signature/);
    expectOk(await s.get('/api/v1/balances?n=1', { ...buyer.hmac, timestamp: ts }));
  });

  test('admin revoke_key: its signatures and the tokens it minted get 2002 at once, their sockets 4001', async () => {
    const u = await s.fundedUser({ USDT: '100' });
    const other = await s.fundedUser({ USDT: '100' });
    const minted = await keyToken(s, u);
    expectOk(await s.get('/api/v1/balances', minted)); // now in the verified-token cache
    const byMessage = await ws.authed(s, minted.token);
    const byUrl = await ws.urlAuthed(s, minted.token);
    const adminMinted = await ws.authed(s, u.token);
    const otherWs = await ws.authed(s, other.token);

    const d = expectOk(await s.post('/api/v1/admin/revoke_key', { api_key: u.apiKey }, ADMIN));
    assert.deepEqual(d, { api_key: u.apiKey, user_id: u.userId, revoked: true });
    await assertClosedBy(byMessage, 2002, 4001, 'first-message auth with the key token');
    await assertClosedBy(byUrl, 2002, 4001, '?token= auth with the key token');
    // A key revocation closes only what that key opened: the admin-minted token's connection stays.
    await adminMinted.ping();
    await otherWs.ping();

    expectError(await s.get('/api/v1/balances?after=revoke', u.hmac), 401, 2002, /revoked/);
    expectError(await s.get('/api/v1/balances', minted), 401, 2002, /revoked/);
    expectError(await s.request('POST', '/api/v1/auth/token', { as: u.hmac }), 401, 2002, /revoked/);
    expectOk(await s.get('/api/v1/balances', u.bearer));
    expectOk(await s.get('/api/v1/balances', other.hmac));
    const late = await ws.open(s);
    late.send({ type: 'auth', token: minted.token });
    await assertClosedBy(late, 2002, 4001, 'a new connection with the revoked token');
    assert.equal(await RawClient.refusal(wsUrl(s.url, `token=${minted.token}`)), 401);

    // Idempotent; and every way the route refuses.
    expectOk(await s.post('/api/v1/admin/revoke_key', { api_key: u.apiKey }, ADMIN));
    const revoke = (body: unknown, as: Credentials) => s.post('/api/v1/admin/revoke_key', body, as);
    expectError(await revoke({ api_key: `ak_${'0'.repeat(32)}` }, ADMIN), 400, 1001, /unknown api_key/);
    expectError(await revoke({}, ADMIN), 400, 1001, /api_key/);
    expectError(await revoke({ api_key: 7 }, ADMIN), 400, 1001, /api_key/);
    expectError(await revoke({ api_key: other.apiKey }, NONE), 401, 2001);
    expectError(await revoke({ api_key: other.apiKey }, { kind: 'admin', token: 'not-the-admin-token' }), 401, 2002);
    expectError(await revoke({ api_key: other.apiKey }, other.bearer), 403, 2003);
    expectOk(await s.get('/api/v1/balances?after=refusals', other.hmac));
  });

  test('admin revoke_user: every key and token of the user is refused, all its sockets closed 4001', async () => {
    const u = await s.fundedUser({ USDT: '100' });
    const other = await s.createUser();
    const minted = await keyToken(s, u);
    expectOk(await s.get('/api/v1/balances', u.bearer));
    const mine = [await ws.authed(s, u.token), await ws.authed(s, minted.token), await ws.urlAuthed(s, u.token)];
    const otherWs = await ws.authed(s, other.token);

    const d = expectOk(await s.post('/api/v1/admin/revoke_user', { user_id: u.userId }, ADMIN));
    assert.deepEqual(d, { user_id: u.userId, revoked: true, api_keys_revoked: 1 });
    for (const [i, c] of mine.entries()) await assertClosedBy(c, 2002, 4001, `connection ${i} of the user`);
    await otherWs.ping();
    // A token signed afterwards with the token secret (e.g. `fillstream token`) is refused too.
    const fresh = await issueToken(u.userId, 600, TOKEN_SECRET, Date.now());
    for (const cred of [u.bearer, minted, u.hmac, { kind: 'bearer', token: fresh.token } as const]) {
      expectError(await s.get('/api/v1/balances', cred), 401, 2002, /revoked/);
    }
    expectError(await s.post('/api/v1/create_order', limit('BUY', '10', '1'), u.bearer), 401, 2002);
    assert.equal(await RawClient.refusal(wsUrl(s.url, `token=${fresh.token}`)), 401);
    expectOk(await s.get('/api/v1/balances', other.bearer));
    expectOk(await s.get('/api/v1/balances', other.hmac));

    const again = expectOk(await s.post('/api/v1/admin/revoke_user', { user_id: String(u.userId) }, ADMIN));
    assert.deepEqual(again, { user_id: u.userId, revoked: true, api_keys_revoked: 0 });
    expectError(await s.post('/api/v1/admin/revoke_user', { user_id: 987654321 }, ADMIN), 400, 1001, /unknown/);
    expectError(await s.post('/api/v1/admin/revoke_user', { user_id: 'x' }, ADMIN), 400, 1001, /user_id/);
    expectError(await s.post('/api/v1/admin/revoke_user', { user_id: other.userId }, other.bearer), 403, 2003);
  });

  test("auth/revoke_key: a user revokes the key behind its credential or a named key of its own, nobody else's", async () => {
    const u = await s.fundedUser({ USDT: '100' });
    const other = await s.createUser();
    const route = '/api/v1/auth/revoke_key';
    // Another user's key and a key that does not exist get the same answer.
    expectError(await s.post(route, { api_key: other.apiKey }, u.bearer), 403, 2003, /not one of your keys/);
    expectError(await s.post(route, { api_key: `ak_${'f'.repeat(32)}` }, u.bearer), 403, 2003, /not one of your/);
    // The admin-minted token has no key behind it: it must name one.
    expectError(await s.request('POST', route, { as: u.bearer }), 400, 1001, /api_key/);
    expectError(await s.post(route, { api_key: u.apiKey, extra: 1 }, u.bearer), 400, 1001);
    expectError(await s.request('POST', route), 401, 2001);
    expectOk(await s.get('/api/v1/balances', other.hmac));
    expectOk(await s.get('/api/v1/balances', u.hmac));

    // A token minted by the key revokes that key without naming it.
    const minted = await keyToken(s, u);
    const keyConn = await ws.authed(s, minted.token);
    const adminConn = await ws.authed(s, u.token);
    assert.deepEqual(expectOk(await s.request('POST', route, { as: minted })), { api_key: u.apiKey, revoked: true });
    await assertClosedBy(keyConn, 2002, 4001, 'the connection of the key token');
    await adminConn.ping();
    expectError(await s.get('/api/v1/balances?after=revoke', u.hmac), 401, 2002, /revoked/);
    expectError(await s.get('/api/v1/balances', minted), 401, 2002, /revoked/);
    expectOk(await s.get('/api/v1/balances', u.bearer));

    // Signed with the key itself; and naming it with a token.
    assert.deepEqual(expectOk(await s.request('POST', route, { as: other.hmac })), {
      api_key: other.apiKey,
      revoked: true,
    });
    expectError(await s.get('/api/v1/balances', other.hmac), 401, 2002, /revoked/);
    const third = await s.createUser();
    expectOk(await s.post(route, { api_key: third.apiKey }, third.bearer));
    expectError(await s.get('/api/v1/balances', third.hmac), 401, 2002, /revoked/);
  });

  test('revocations survive a restart: loaded at start, refused at once', async () => {
    const db = await lab.database();
    const s1 = await lab.start({}, db);
    const a = await s1.createUser();
    const b = await s1.createUser();
    const c = await s1.createUser();
    const mintedA = await keyToken(s1, a);
    expectOk(await s1.post('/api/v1/admin/revoke_key', { api_key: a.apiKey }, ADMIN));
    expectOk(await s1.post('/api/v1/admin/revoke_user', { user_id: b.userId }, ADMIN));
    await s1.close();

    const s2 = await lab.start({}, db);
    expectError(await s2.get('/api/v1/balances', a.hmac), 401, 2002, /revoked/);
    expectError(await s2.get('/api/v1/balances', mintedA), 401, 2002, /revoked/);
    expectOk(await s2.get('/api/v1/balances', a.bearer));
    for (const cred of [b.bearer, b.hmac]) expectError(await s2.get('/api/v1/balances', cred), 401, 2002, /revoked/);
    expectOk(await s2.get('/api/v1/balances', c.hmac));
    const conn = await ws.open(s2);
    conn.send({ type: 'auth', token: b.token });
    await assertClosedBy(conn, 2002, 4001, 'a revoked user after the restart');
  });
}
