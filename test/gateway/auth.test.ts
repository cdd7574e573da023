// Credentials: tokens (issue, verify, expired, forged), signed requests (missing, stale both ways, bad signature,
// unknown and revoked keys), secrets at rest, dev mode, admin token, and log redaction.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import type { ApiKeyRecord } from '../../src/adapters/store/store.js';
import { ApiError } from '../../src/errors.js';
import {
  PINO_REDACT,
  SIGNATURE_WINDOW_MS,
  authenticate,
  checkAdmin,
  decryptSecret,
  devUserId,
  encryptSecret,
  issueToken,
  keyIdOf,
  newApiKey,
  newApiSecret,
  newEncryptionKey,
  newTokenSecret,
  redactUrl,
  safeEqual,
  signRequest,
  verifySignature,
  verifyToken,
} from '../../src/auth/credentials.js';
import { ReplayGuard } from '../../src/auth/replay-guard.js';

const SECRET = 'token-secret-'.padEnd(40, 'x');
/** Nothing revoked (the revocation tests below use a Revocations of their own). */
const NONE_REVOKED = { isRevoked: () => false };
const NOW = 1_734_533_790_123;
const KEY = newEncryptionKey();

function isError(v: unknown, code: number, msg?: RegExp): void {
  assert.ok(v instanceof ApiError, `expected ApiError ${code}, got ${JSON.stringify(v)}`);
  assert.equal(v.code, code, v.msg);
  if (msg) assert.match(v.msg, msg);
}

// ---- tokens ----

test('issueToken / verifyToken round trip: user id and expiry (ms, whole seconds)', async () => {
  const { token, expiresAt } = await issueToken(1001, 3600, SECRET, NOW);
  assert.equal(expiresAt, (Math.floor(NOW / 1000) + 3600) * 1000);
  assert.deepEqual(await verifyToken(token, SECRET, NOW, NONE_REVOKED), { userId: 1001, expiresAt });
  assert.deepEqual(await verifyToken(token, SECRET, expiresAt - 1, NONE_REVOKED), { userId: 1001, expiresAt });
  await assert.rejects(issueToken(0, 60, SECRET, NOW), RangeError);
  await assert.rejects(issueToken(1, 0, SECRET, NOW), RangeError);
});

test('an expired token is refused with 2002 "token expired"', async () => {
  const { token, expiresAt } = await issueToken(7, 60, SECRET, NOW);
  isError(await verifyToken(token, SECRET, expiresAt, NONE_REVOKED), 2002, /expired/);
  isError(await verifyToken(token, SECRET, expiresAt + 3_600_000, NONE_REVOKED), 2002, /expired/);
});

test('forged, tampered, malformed and foreign tokens are refused with 2002', async () => {
  const { token } = await issueToken(7, 60, SECRET, NOW);
  isError(await verifyToken(token, 'another-secret'.padEnd(40, 'y'), NOW, NONE_REVOKED), 2002, /invalid token/);
  // Same signature, payload edited to another user.
  const [h, p, s] = token.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: '8' })).toString('base64url')}.${s}`;
  isError(await verifyToken(forged, SECRET, NOW, NONE_REVOKED), 2002);
  // alg "none".
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
  isError(await verifyToken(none, SECRET, NOW, NONE_REVOKED), 2002);
  for (const bad of ['', 'garbage', 'a.b.c', 'x'.repeat(5000)])
    isError(await verifyToken(bad, SECRET, NOW, NONE_REVOKED), 2002);
  const key = new TextEncoder().encode(SECRET);
  const iat = Math.floor(NOW / 1000);
  const sign = (claims: { sub?: string; iss?: string }) => {
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60);
    if (claims.sub !== undefined) jwt.setSubject(claims.sub);
    if (claims.iss !== undefined) jwt.setIssuer(claims.iss);
    return jwt.sign(key);
  };
  isError(await verifyToken(await sign({ sub: '7', iss: 'someone-else' }), SECRET, NOW, NONE_REVOKED), 2002);
  isError(await verifyToken(await sign({ sub: 'admin', iss: 'fillstream' }), SECRET, NOW, NONE_REVOKED), 2002);
  isError(await verifyToken(await sign({ iss: 'fillstream' }), SECRET, NOW, NONE_REVOKED), 2002);
  assert.deepEqual(await verifyToken(await sign({ sub: '7', iss: 'fillstream' }), SECRET, NOW, NONE_REVOKED), {
    userId: 7,
    expiresAt: (iat + 60) * 1000,
  });
});

test('a token minted with a key id carries it (akid); a malformed akid is refused', async () => {
  const keyId = keyIdOf('ak_live');
  assert.match(keyId, /^[0-9a-f]{16}$/);
  assert.notEqual(keyIdOf('ak_other'), keyId);
  const { token, expiresAt } = await issueToken(1001, 60, SECRET, NOW, keyId);
  assert.deepEqual(await verifyToken(token, SECRET, NOW, NONE_REVOKED), { userId: 1001, expiresAt, keyId });
  const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<
    string,
    unknown
  >;
  assert.equal(claims.akid, keyId);
  assert.ok(!token.includes('ak_live') && !JSON.stringify(claims).includes('ak_live'), 'the key itself is not in it');
  await assert.rejects(issueToken(1001, 60, SECRET, NOW, 'ak_live'), RangeError);
  const bad = await new SignJWT({ akid: 'ak_live' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('1001')
    .setIssuer('fillstream')
    .setExpirationTime(Math.floor(NOW / 1000) + 60)
    .sign(new TextEncoder().encode(SECRET));
  isError(await verifyToken(bad, SECRET, NOW, NONE_REVOKED), 2002, /invalid token/);
});

test('revocation is checked on every verification: a cached token is refused once its user or key is revoked', async () => {
  const users = new Set<number>();
  const keys = new Set<string>();
  const revoked = { isRevoked: (u: number, k: string | null | undefined) => users.has(u) || keys.has(k ?? '') };
  const keyId = keyIdOf('ak_cache');
  const byKey = await issueToken(2001, 600, SECRET, NOW, keyId);
  const byAdmin = await issueToken(2001, 600, SECRET, NOW);
  // Verified (and cached) while nothing is revoked.
  for (const t of [byKey, byAdmin])
    assert.equal((await verifyToken(t.token, SECRET, NOW, revoked)) instanceof ApiError, false);
  keys.add(keyId);
  isError(await verifyToken(byKey.token, SECRET, NOW + 1, revoked), 2002, /revoked/);
  assert.deepEqual(await verifyToken(byAdmin.token, SECRET, NOW + 1, revoked), {
    userId: 2001,
    expiresAt: byAdmin.expiresAt,
  });
  users.add(2001);
  isError(await verifyToken(byAdmin.token, SECRET, NOW + 2, revoked), 2002, /revoked/);
  const e = await verifyToken(byKey.token, SECRET, NOW + 2, revoked);
  assert.ok(e instanceof ApiError && e.details?.userId === 2001, 'the refusal names the user (for the audit log)');
});

// ---- API key + HMAC ----

const API_SECRET = newApiSecret();
const KEYS = new Map<string, ApiKeyRecord>([
  [
    'ak_live',
    { apiKey: 'ak_live', userId: 1001, secretEnc: encryptSecret(API_SECRET, KEY), createdAt: 1, revoked: false },
  ],
  [
    'ak_revoked',
    { apiKey: 'ak_revoked', userId: 1002, secretEnc: encryptSecret(API_SECRET, KEY), createdAt: 1, revoked: true },
  ],
]);
let lookups = 0;
const lookup = async (k: string) => {
  lookups++;
  return KEYS.get(k) ?? null;
};
const decrypt = (enc: string) => decryptSecret(enc, KEY);

function signed(over: Partial<{ apiKey: string; timestamp: string; signature: string; body: string }> = {}) {
  const timestamp = over.timestamp ?? String(NOW);
  const body = over.body ?? '{"order_id":1}';
  return {
    apiKey: 'ak_live',
    timestamp,
    signature: signRequest(API_SECRET, timestamp, 'POST', '/api/v1/cancel_order?x=1', body),
    method: 'POST',
    pathWithQuery: '/api/v1/cancel_order?x=1',
    body,
    ...over,
  };
}

test('a correctly signed request authenticates its key owner', async () => {
  assert.deepEqual(await verifySignature(signed(), lookup, decrypt, NOW), { userId: 1001, apiKey: 'ak_live' });
  // The signature is hex HMAC-SHA256(secret, timestamp + METHOD + path_with_query + body).
  const { createHmac } = await import('node:crypto');
  const expected = createHmac('sha256', API_SECRET).update(`${NOW}GET/api/v1/balances`).digest('hex');
  assert.equal(signRequest(API_SECRET, String(NOW), 'get', '/api/v1/balances', ''), expected);
  const get = { ...signed(), method: 'GET', pathWithQuery: '/api/v1/balances', body: '', signature: expected };
  assert.deepEqual(await verifySignature(get, lookup, decrypt, NOW), { userId: 1001, apiKey: 'ak_live' });
});

test('missing API key headers give 2001 naming the header', async () => {
  isError(await verifySignature({ ...signed(), apiKey: undefined }, lookup, decrypt, NOW), 2001, /X-API-KEY/);
  isError(await verifySignature({ ...signed(), timestamp: undefined }, lookup, decrypt, NOW), 2001, /X-TIMESTAMP/);
  isError(await verifySignature({ ...signed(), signature: '' }, lookup, decrypt, NOW), 2001, /X-SIGNATURE/);
});

test('stale timestamps are refused in both directions, before any key lookup', async () => {
  const before = lookups;
  const past = String(NOW - SIGNATURE_WINDOW_MS - 1);
  const future = String(NOW + SIGNATURE_WINDOW_MS + 1);
  isError(await verifySignature(signed({ timestamp: past }), lookup, decrypt, NOW), 2002, /stale timestamp/);
  isError(await verifySignature(signed({ timestamp: future }), lookup, decrypt, NOW), 2002, /stale timestamp/);
  assert.equal(lookups, before, 'no lookup for a stale request');
  for (const edge of [NOW - SIGNATURE_WINDOW_MS, NOW + SIGNATURE_WINDOW_MS]) {
    const r = await verifySignature(signed({ timestamp: String(edge) }), lookup, decrypt, NOW);
    assert.deepEqual(r, { userId: 1001, apiKey: 'ak_live' });
  }
  isError(await verifySignature(signed({ timestamp: '17e11' }), lookup, decrypt, NOW), 2002, /X-TIMESTAMP/);
});

test('bad signatures are refused with 2002: wrong secret, edited body, path or method, malformed hex', async () => {
  const good = signed();
  const flip = (good.signature[0] === 'a' ? 'b' : 'a') + good.signature.slice(1);
  isError(await verifySignature({ ...good, signature: flip }, lookup, decrypt, NOW), 2002, /^bad signature$/);
  isError(await verifySignature({ ...good, body: '{"order_id":2}' }, lookup, decrypt, NOW), 2002, /bad signature/);
  isError(await verifySignature({ ...good, pathWithQuery: '/api/v1/cancel_order' }, lookup, decrypt, NOW), 2002);
  isError(await verifySignature({ ...good, method: 'DELETE' }, lookup, decrypt, NOW), 2002);
  const other = signRequest(newApiSecret(), good.timestamp, 'POST', good.pathWithQuery, good.body);
  isError(await verifySignature({ ...good, signature: other }, lookup, decrypt, NOW), 2002, /bad signature/);
  isError(await verifySignature({ ...good, signature: 'xyz' }, lookup, decrypt, NOW), 2002, /64 hex/);
});

test('unknown and revoked keys are refused with 2002', async () => {
  isError(await verifySignature(signed({ apiKey: 'ak_nope' }), lookup, decrypt, NOW), 2002, /unknown or revoked/);
  isError(await verifySignature(signed({ apiKey: 'ak_revoked' }), lookup, decrypt, NOW), 2002, /unknown or revoked/);
});

test('authenticate: a signature is accepted once (2002 "signature already used"); a refused one is not remembered', async () => {
  const deps = {
    tokenSecret: SECRET,
    devAuth: false,
    lookupApiKey: lookup,
    decryptSecret: decrypt,
    revoked: NONE_REVOKED,
    replay: new ReplayGuard(SIGNATURE_WINDOW_MS, 1000),
  };
  const req = (s: ReturnType<typeof signed>) => ({
    headers: { 'x-api-key': s.apiKey, 'x-timestamp': s.timestamp, 'x-signature': s.signature },
    method: s.method,
    pathWithQuery: s.pathWithQuery,
    body: s.body,
  });
  const good = signed({ body: '{"order_id":77}' });
  const flipped = { ...good, signature: (good.signature[0] === 'a' ? 'b' : 'a') + good.signature.slice(1) };
  isError(await authenticate(req(flipped), deps, NOW), 2002, /^bad signature$/);
  assert.equal((await authenticate(req(good), deps, NOW)) instanceof ApiError, false);
  isError(await authenticate(req(good), deps, NOW + 10), 2002, /signature already used/);
  isError(await authenticate(req({ ...good, signature: good.signature.toUpperCase() }), deps, NOW + 20), 2002, /used/);
  // A revoked key or user (in memory) is refused before anything is remembered.
  const other = signed({ body: '{"order_id":78}' });
  const revokedKey = {
    ...deps,
    revoked: { isRevoked: (_u: number, k: string | null | undefined) => k === keyIdOf('ak_live') },
  };
  isError(await authenticate(req(other), revokedKey, NOW), 2002, /revoked/);
  assert.equal((await authenticate(req(other), deps, NOW)) instanceof ApiError, false);
  // The cache full: 5001, not a forgotten signature.
  const full = { ...deps, replay: { claim: () => 'full' as const } };
  isError(await authenticate(req(signed({ body: '{"order_id":79}' })), full, NOW), 5001);
});

test('a secret that cannot be decrypted (wrong server key) is a server fault: it throws', async () => {
  const wrongKey = (enc: string) => decryptSecret(enc, newEncryptionKey());
  await assert.rejects(verifySignature(signed(), lookup, wrongKey, NOW));
});

// ---- secrets at rest ----

test('encryptSecret / decryptSecret: AES-256-GCM, random IV, tamper and wrong key detected', () => {
  const plain = newApiSecret();
  const a = encryptSecret(plain, KEY);
  const b = encryptSecret(plain, KEY);
  assert.notEqual(a, b, 'random IV');
  assert.ok(!a.includes(plain));
  assert.match(a, /^v1:[A-Za-z0-9+/]+=*$/);
  assert.equal(decryptSecret(a, KEY), plain);
  assert.equal(decryptSecret(encryptSecret('ü-secret', Buffer.from(KEY, 'hex').toString('base64')), KEY), 'ü-secret');
  const raw = Buffer.from(a.slice(3), 'base64');
  raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
  assert.throws(() => decryptSecret(`v1:${raw.toString('base64')}`, KEY));
  assert.throws(() => decryptSecret(a, newEncryptionKey()));
  assert.throws(() => decryptSecret(plain, KEY), /unknown format/);
  assert.throws(() => encryptSecret('x', 'short-key'), RangeError);
});

test('generators: formats and uniqueness', () => {
  assert.match(newApiKey(), /^ak_[0-9a-f]{32}$/);
  assert.match(newApiSecret(), /^[0-9a-f]{64}$/);
  assert.match(newTokenSecret(), /^[0-9a-f]{64}$/);
  assert.match(newEncryptionKey(), /^[0-9a-f]{64}$/);
  assert.equal(new Set(Array.from({ length: 50 }, newApiKey)).size, 50);
  assert.ok(safeEqual('abc', 'abc'));
  assert.ok(!safeEqual('abc', 'abd'));
  assert.ok(!safeEqual('abc', 'abcd'));
});

// ---- dev mode and authenticate() ----

test('X-User-ID / ?user_id= is trusted only in development-auth mode', () => {
  assert.equal(devUserId(undefined, false), null);
  assert.equal(devUserId('', true), null);
  assert.equal(devUserId('1001', true), 1001);
  isError(devUserId('1001', false), 2002, /development-auth mode/);
  isError(devUserId('0', true), 2002, /positive integer/);
  isError(devUserId('12abc', true, '?user_id='), 2002, /\?user_id= must be a positive integer/);
});

test('authenticate: bearer, API key, dev header, precedence and failures', async () => {
  const deps = {
    tokenSecret: SECRET,
    devAuth: false,
    lookupApiKey: lookup,
    decryptSecret: decrypt,
    revoked: NONE_REVOKED,
    replay: new ReplayGuard(SIGNATURE_WINDOW_MS, 1000),
  };
  const { token, expiresAt } = await issueToken(42, 60, SECRET, NOW);
  const req = (headers: Record<string, string>) => ({
    headers,
    method: 'POST',
    pathWithQuery: '/api/v1/cancel_order?x=1',
    body: '{"order_id":1}',
  });
  assert.deepEqual(await authenticate(req({ authorization: `Bearer ${token}` }), deps, NOW), {
    userId: 42,
    via: 'token',
    expiresAt,
    keyId: null,
    apiKey: null,
  });
  const s = signed();
  const apiHeaders = { 'x-api-key': s.apiKey, 'x-timestamp': s.timestamp, 'x-signature': s.signature };
  assert.deepEqual(await authenticate(req(apiHeaders), deps, NOW), {
    userId: 1001,
    via: 'api_key',
    expiresAt: null,
    keyId: keyIdOf('ak_live'),
    apiKey: 'ak_live',
  });
  // Bearer first: a valid token wins over (even broken) API key headers.
  const both = await authenticate(req({ authorization: `Bearer ${token}`, 'x-api-key': 'junk' }), deps, NOW);
  assert.equal((both as { userId: number }).userId, 42);
  isError(await authenticate(req({}), deps, NOW), 2001, /missing credentials/);
  isError(await authenticate(req({ 'x-api-key': 'ak_live' }), deps, NOW), 2001, /X-TIMESTAMP/);
  isError(await authenticate(req({ authorization: `Basic ${token}` }), deps, NOW), 2002, /Bearer/);
  isError(await authenticate(req({ authorization: 'Bearer forged' }), deps, NOW), 2002);
  isError(await authenticate(req({ 'x-user-id': '5' }), deps, NOW), 2002, /development-auth/);
  isError(await authenticate(req({ 'x-user-id': '5', authorization: `Bearer ${token}` }), deps, NOW), 2002);
  const dev = { ...deps, devAuth: true };
  assert.deepEqual(await authenticate(req({ 'x-user-id': '5' }), dev, NOW), {
    userId: 5,
    via: 'dev',
    expiresAt: null,
    keyId: null,
    apiKey: null,
  });
  // In development mode a dev header beside credentials must name the same user: two identities are not guessed at.
  const devWithToken = await authenticate(req({ 'x-user-id': '42', authorization: `Bearer ${token}` }), dev, NOW);
  assert.equal((devWithToken as { userId: number }).userId, 42);
  const conflicting = await authenticate(req({ 'x-user-id': '5', authorization: `Bearer ${token}` }), dev, NOW);
  isError(conflicting, 2002, /another user/);
  isError(await authenticate(req({ ...apiHeaders, 'x-user-id': '5' }), dev, NOW), 2002, /another user/);
});

// ---- admin ----

test('admin token: disabled, missing, user credentials only, wrong, right', () => {
  const admin = 'admin-token-0123456789';
  isError(checkAdmin({ 'x-admin-token': admin }, null), 2003, /admin is disabled/);
  isError(checkAdmin({}, admin), 2001, /X-ADMIN-TOKEN/);
  isError(checkAdmin({ authorization: 'Bearer abc' }, admin), 2003, /no admin rights/);
  isError(checkAdmin({ 'x-admin-token': 'admin-token-0123456788' }, admin), 2002, /bad admin token/);
  isError(checkAdmin({ 'x-admin-token': 'x' }, admin), 2002);
  isError(checkAdmin({ 'x-admin-token': `${admin}x` }, admin), 2002);
  // Authorization never carries admin rights, even with the admin token in it.
  isError(checkAdmin({ authorization: `Bearer ${admin}` }, admin), 2003);
  assert.equal(checkAdmin({ 'x-admin-token': admin }, admin), null);
});

// ---- logging ----

test('the pino redact paths keep credentials and secrets out of the logs', () => {
  const lines: string[] = [];
  const log = pino({ redact: PINO_REDACT }, { write: (s: string) => lines.push(s) });
  const creds = {
    authorization: 'Bearer tok-SECRET-1',
    'x-api-key': 'ak_SECRET-2',
    'x-signature': 'sig-SECRET-3',
    'x-admin-token': 'adm-SECRET-4',
    'user-agent': 'curl/8',
  };
  log.info({ req: { method: 'POST', url: '/api/v1/x', headers: creds } }, 'request');
  log.info({ headers: creds }, 'bare headers');
  log.info({ secret: 'SECRET-5', user: { apiSecret: 'SECRET-6' }, res: { data: { api_secret: 'SECRET-7' } } });
  log.info({ config: { tokenSecret: 'SECRET-8', encryptionKey: 'SECRET-9', adminToken: 'SECRET-10' } });
  const out = lines.join('');
  assert.equal(lines.length, 4);
  assert.ok(!/SECRET/.test(out), out);
  assert.ok(out.includes('[REDACTED]'));
  assert.ok(out.includes('curl/8'), 'harmless headers stay');
  assert.equal(redactUrl('/ws?token=abc.def&resume_from=4'), '/ws?token=[REDACTED]&resume_from=4');
  assert.equal(redactUrl('/ws?user_id=5'), '/ws?user_id=5');
});
