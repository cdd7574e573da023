// The client's credentials against a real server: WebCrypto signatures equal the gateway's HMAC, a RestClient with
// an API key signs every request (GET with a query, POST with a body), a wrong secret is ApiClientError 2002 with
// its catalogue name, TokenSource mints tokens with a signed /auth/token, and a PushClient with a tokenProvider
// re-authenticates its live socket on auth.expiring and outlives its first token. The client's ErrorCode table
// equals the server's catalogue.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApiClientError,
  ErrorCode,
  PushClient,
  RestClient,
  TokenSource,
  errorCodeName,
  hasErrorCode,
  signRequest,
} from '../../src/client/index.js';
import { CODES } from '../../src/errors.js';
import { issueToken, signRequest as serverSignRequest } from '../../src/auth/credentials.js';
import { ADMIN_TOKEN, Lab, TOKEN_SECRET, type TestServer, type TestUser } from '../http/harness.js';

const lab = new Lab('sqlite');
let s: TestServer;
let user: TestUser;
let admin: RestClient;

before(async () => {
  s = await lab.start();
  user = await s.fundedUser({ BTC: '1', USDT: '100000' });
  admin = new RestClient({ baseUrl: s.url, adminToken: ADMIN_TOKEN });
});
after(() => lab.cleanup());

test('the client ErrorCode table is the server catalogue, name for name', () => {
  const { OK: _ok, ...server } = CODES;
  assert.deepEqual({ ...ErrorCode }, server);
  for (const [name, code] of Object.entries(server)) assert.equal(errorCodeName(code), name);
  assert.equal(errorCodeName(-1), undefined);
});

test('WebCrypto signatures equal the gateway HMAC (empty body, query string, unicode body, upper-case method)', async () => {
  const cases: Array<[string, string, string, string, string]> = [
    ['secret-1', '1702944000000', 'GET', '/api/v1/balances', ''],
    ['sk_' + 'a'.repeat(40), '1', 'get', '/api/v1/orders?status=NEW&limit=5', ''],
    ['ünïcode-sécret', '1702944000123', 'POST', '/api/v1/create_order', '{"cid":"é-€-😀","qty":"0.1"}'],
  ];
  for (const [secret, ts, method, path, body] of cases) {
    assert.equal(await signRequest(secret, ts, method, path, body), serverSignRequest(secret, ts, method, path, body));
  }
});

describe('RestClient with an API key', () => {
  test('signs GETs with a query and POSTs with a body; the server accepts each', async () => {
    const c = new RestClient({ baseUrl: s.url, apiKey: { apiKey: user.apiKey, apiSecret: user.apiSecret } });
    const b = await c.getBalances();
    assert.equal(b.balances.find((x) => x.asset === 'USDT')?.avail, '100000.00');
    const placed = await c.createOrder({
      symbol: 'BTC_USDT',
      side: 'BUY',
      order_type: 'LIMIT',
      price: '100.00',
      qty: '0.01',
      cid: 'signed-1',
    });
    const page = await c.listOrders({ status: 'NEW', limit: 5 });
    assert.deepEqual(
      page.orders.map((o) => o.order_id),
      [placed.order_id],
    );
    assert.equal((await c.cancelOrder({ cid: 'signed-1' })).order_status, 'CANCEL_PENDING');
  });

  test('a wrong secret is ApiClientError 2002 BAD_CREDENTIALS, HTTP 401', async () => {
    const c = new RestClient({ baseUrl: s.url, apiKey: { apiKey: user.apiKey, apiSecret: 'not-the-secret' } });
    const err = await c.getBalances().then(
      () => assert.fail('a wrong secret was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiClientError);
    assert.equal(err.code, ErrorCode.BAD_CREDENTIALS);
    assert.equal(err.codeName, 'BAD_CREDENTIALS');
    assert.equal(err.status, 401);
    assert.ok(hasErrorCode(err, ErrorCode.BAD_CREDENTIALS));
  });

  test('catalogue errors keep their codes: insufficient balance 1002, unknown order 4001', async () => {
    const c = new RestClient({ baseUrl: s.url, apiKey: { apiKey: user.apiKey, apiSecret: user.apiSecret } });
    await assert.rejects(
      c.createOrder({ symbol: 'BTC_USDT', side: 'SELL', order_type: 'LIMIT', price: '100.00', qty: '5' }),
      (e: unknown) => e instanceof ApiClientError && e.code === 1002 && e.codeName === 'INSUFFICIENT_BALANCE',
    );
    await assert.rejects(
      c.getOrder(987654),
      (e: unknown) => e instanceof ApiClientError && e.code === 4001 && e.status === 404,
    );
  });
});

test('TokenSource mints a bearer token with a signed /auth/token and caches it until it nears expiry', async () => {
  const source = new TokenSource({ rest: admin, apiKey: { apiKey: user.apiKey, apiSecret: user.apiSecret } });
  const t1 = await source.token();
  assert.equal(await source.token(), t1, 'a fresh token is reused');
  assert.equal(source.issued, 1);
  const asUser = admin.withAuth({ token: t1 });
  assert.ok((await asUser.getBalances()).balances.length > 0);
  // A token cannot mint tokens: 2003.
  await assert.rejects(asUser.issueToken(), (e: unknown) => e instanceof ApiClientError && e.code === 2003);
});

test('PushClient with a tokenProvider re-authenticates on auth.expiring and outlives its first token', async () => {
  // The first token lives 3 s (the server's minimum TTL for its own tokens is 60 s, so the test mints it);
  // auth.expiring comes at half the remaining time, and the provider then signs /auth/token for a real one.
  const short = await issueToken(user.userId, 3, TOKEN_SECRET, Date.now());
  const source = new TokenSource({ rest: admin, apiKey: { apiKey: user.apiKey, apiSecret: user.apiSecret } });
  const reasons: string[] = [];
  const push = new PushClient({
    url: s.url.replace(/^http/, 'ws') + '/ws',
    reconnect: false,
    heartbeatIntervalMs: 0,
    tokenProvider: (reason) => {
      reasons.push(reason);
      return reason === 'connect' ? Promise.resolve(short.token) : source.provider(reason);
    },
  });
  const closes: number[] = [];
  push.on('close', (code) => closes.push(code));
  try {
    assert.equal(await push.whenAuthenticated(), user.userId);
    const [expiresAt] = await push.nextEvent('token.refreshed', 6000);
    assert.ok(Date.now() < short.expiresAt, 'refreshed before the first token expired');
    assert.ok(expiresAt !== null && expiresAt > short.expiresAt + 30_000, `new expiry ${expiresAt}`);
    assert.deepEqual(reasons, ['connect', 'expiring']);
    assert.equal(source.issued, 1);
    // Past the first token's expiry the same connection still answers.
    await new Promise((r) => setTimeout(r, short.expiresAt - Date.now() + 700));
    const pong = push.waitForType('pong', 3000);
    assert.ok(push.ping());
    await pong;
    assert.deepEqual(closes, []);
    assert.equal(push.connectionCount, 1);
    assert.equal(push.authFailure, null);
  } finally {
    await push.close();
  }
});

test('a tokenProvider whose credentials are refused stops the client with AuthFailedError 2002', async () => {
  const source = new TokenSource({ rest: admin, apiKey: { apiKey: user.apiKey, apiSecret: 'wrong' } });
  const push = new PushClient({ url: s.url.replace(/^http/, 'ws') + '/ws', tokenProvider: source.provider });
  push.on('error', () => undefined);
  await assert.rejects(push.whenAuthenticated(5000), (e: unknown) => e instanceof Error && /2002/.test(e.message));
  assert.equal(push.authFailure?.code, 2002);
  assert.equal(push.state, 'closed');
  assert.equal(push.connectionCount, 0, 'no socket was opened without a token');
});
