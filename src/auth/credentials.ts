// Credentials: bearer tokens (HS256 JWT), API key + HMAC request signatures, API secrets encrypted at rest,
// development-mode X-User-ID, the admin credential, and the log redaction that keeps every secret out of logs.
//
// Decisions (api.md leaves them open):
// - Precedence: `Authorization: Bearer` > API key headers > `X-User-ID` (dev mode). Only the first one present is
//   checked, but an `X-User-ID` naming another user than the credentials is refused with 2002. Exception: `X-User-ID` (or `?user_id=`) while dev auth is OFF is refused with 2002 even next to valid
//   credentials ("refused like a bad token", ws-protocol.md section 1), so a client relying on it finds out at once.
// - Missing credentials (nothing at all, or an incomplete API key header set) -> 2001; anything presented and
//   wrong (forged, expired, malformed, unknown or revoked key, bad signature, stale timestamp) -> 2002.
// - Admin: only the `X-ADMIN-TOKEN` header (never `Authorization`, which carries user tokens). No admin token
//   configured -> 2003 (admin disabled); header absent -> 2001, or 2003 when the request carries user credentials
//   (a user has no admin rights); wrong value -> 2002. Compared in constant time (SHA-256 of both, timingSafeEqual).
// - API secrets at rest: AES-256-GCM, random 12-byte IV, stored as "v1:" + base64(iv | tag | ciphertext).
// - Revocation (issue 9): a token minted by /auth/token carries `akid`, the key id of the API key that minted it
//   (keyIdOf: a digest, not a credential: it signs nothing and does not reveal the key). A token is refused
//   (2002 "token revoked") when its user or its key is revoked; the check runs on every verification, after the
//   verified-token cache, so the cache never lets a revoked token through. Tokens without `akid` (admin- or
//   CLI-minted) die with their user only.
// - Replay (issue 9): a valid signature is claimed once (replay-guard.ts); a second use is 2002 "signature already
//   used". So two identical signed requests in the same millisecond are one request: a client that means two must
//   make them differ (timestamp, a query parameter, a cid).

import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { ApiKeyRecord } from '../adapters/store/store.js';
import { ApiError } from '../errors.js';
import type { ReplayCheck } from './replay-guard.js';

export const TOKEN_ISSUER = 'fillstream';
/** A signed request's timestamp may be at most this far from the server's clock, either way. */
export const SIGNATURE_WINDOW_MS = 5000;
export const ADMIN_HEADER = 'x-admin-token';

export type Headers = Readonly<Record<string, string | string[] | undefined>>;

const POSITIVE_ID = /^[1-9][0-9]{0,15}$/;

function positiveId(text: string): number | null {
  if (!POSITIVE_ID.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/** Constant-time string equality that also hides the lengths (compares SHA-256 digests). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

// ---- (a) bearer tokens ----

export interface TokenClaims {
  readonly userId: number;
  /** ms */
  readonly expiresAt: number;
  /** The key id of the API key that minted the token (absent for admin- or CLI-minted tokens). */
  readonly keyId?: string;
}

/** The secrets a node runs with (configured, or generated once: secrets-file.ts). */
export interface Secrets {
  readonly tokenSecret: string;
  readonly encryptionKey: string;
  readonly adminToken: string | null;
}

/** What is revoked, asked on every verification (auth/revocations.ts keeps it in memory). */
export interface RevocationCheck {
  isRevoked(userId: number, keyId: string | null | undefined): boolean;
}

const KEY_ID = /^[0-9a-f]{16}$/;

/** Key ids already computed (a SHA-256 costs ~1.5 µs per signed request otherwise); dropped whole when full. */
const keyIds = new Map<string, string>();
const KEY_IDS_MAX = 100_000;

/**
 * The public id of an API key: 16 hex digits of SHA-256 over it (names the key in tokens; not a credential).
 * Called only with keys that exist (verified signatures, stored keys), so the memo holds no junk.
 */
export function keyIdOf(apiKey: string): string {
  let id = keyIds.get(apiKey);
  if (id === undefined) {
    id = createHash('sha256').update('fillstream api key id\0').update(apiKey, 'utf8').digest('hex').slice(0, 16);
    if (keyIds.size >= KEY_IDS_MAX) keyIds.clear();
    keyIds.set(apiKey, id);
  }
  return id;
}

const keyBytes = (secret: string) => new TextEncoder().encode(secret);

/** An HS256 JWT with sub = user id, iat, exp = now + ttl (seconds), iss = "fillstream", and akid = keyId if given. */
export async function issueToken(
  userId: number,
  ttlSeconds: number,
  secret: string,
  nowMs: number,
  keyId?: string,
): Promise<{ token: string; expiresAt: number }> {
  if (!Number.isSafeInteger(userId) || userId < 1) throw new RangeError(`user id ${userId} must be a positive integer`);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) throw new RangeError(`ttl ${ttlSeconds} must be >= 1 s`);
  if (keyId !== undefined && !KEY_ID.test(keyId)) throw new RangeError('key id must be 16 hex digits (keyIdOf)');
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + ttlSeconds;
  const token = await new SignJWT(keyId === undefined ? {} : { akid: keyId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(userId))
    .setIssuer(TOKEN_ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(keyBytes(secret));
  return { token, expiresAt: exp * 1000 };
}

/**
 * Tokens already verified with a given secret, so a client's every request
 * does not redo the HMAC (WebCrypto key import + verify cost ~20% of a
 * create_order). Only successes are kept; expiry is re-checked on every hit;
 * the map is dropped whole when it grows past its bound.
 */
const verified = new Map<string, { secret: string; claims: TokenClaims }>();
const VERIFIED_MAX = 100_000;

/** The token's user, expiry and key id, or 2002 (malformed, forged, wrong issuer, expired, revoked). */
export async function verifyToken(
  token: string,
  secret: string,
  nowMs: number,
  revoked: RevocationCheck,
): Promise<TokenClaims | ApiError> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
    return new ApiError(2002, 'invalid token');
  }
  const hit = verified.get(token);
  let claims: TokenClaims | ApiError;
  if (hit !== undefined && hit.secret === secret) {
    claims = hit.claims.expiresAt > nowMs ? hit.claims : new ApiError(2002, 'token expired');
  } else {
    claims = await verifyTokenUncached(token, secret, nowMs);
    if (!(claims instanceof ApiError)) {
      if (verified.size >= VERIFIED_MAX) verified.clear();
      verified.set(token, { secret, claims });
    }
  }
  if (!(claims instanceof ApiError) && revoked.isRevoked(claims.userId, claims.keyId)) {
    return new ApiError(2002, 'token revoked', { userId: claims.userId });
  }
  return claims;
}

async function verifyTokenUncached(token: string, secret: string, nowMs: number): Promise<TokenClaims | ApiError> {
  try {
    const { payload } = await jwtVerify(token, keyBytes(secret), {
      algorithms: ['HS256'],
      issuer: TOKEN_ISSUER,
      currentDate: new Date(nowMs),
      requiredClaims: ['sub', 'exp'],
    });
    const userId = positiveId(payload.sub ?? '');
    if (userId === null || typeof payload.exp !== 'number') return new ApiError(2002, 'invalid token');
    const akid = payload['akid'];
    if (akid === undefined) return { userId, expiresAt: payload.exp * 1000 };
    if (typeof akid !== 'string' || !KEY_ID.test(akid)) return new ApiError(2002, 'invalid token');
    return { userId, expiresAt: payload.exp * 1000, keyId: akid };
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) return new ApiError(2002, 'token expired');
    if (e instanceof joseErrors.JOSEError) return new ApiError(2002, 'invalid token');
    throw e;
  }
}

// ---- (b) API key + HMAC ----

export interface SignedRequest {
  readonly apiKey: string | undefined;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly method: string;
  /** Exactly as sent: path plus "?query" when there is one. */
  readonly pathWithQuery: string;
  /** The raw body ("" when none). */
  readonly body: string | Uint8Array;
}

export type ApiKeyLookup = (apiKey: string) => Promise<ApiKeyRecord | null>;

/** hex HMAC-SHA256(secret, timestamp + METHOD + path_with_query + body), as clients compute it. */
export function signRequest(
  secret: string,
  timestamp: string,
  method: string,
  pathWithQuery: string,
  body: string | Uint8Array,
): string {
  return createHmac('sha256', secret)
    .update(timestamp + method.toUpperCase() + pathWithQuery, 'utf8')
    .update(body)
    .digest('hex');
}

/**
 * Checks a signed request: 2001 when a header is missing, 2002 for a malformed or stale timestamp (more than
 * SIGNATURE_WINDOW_MS from now, either way), a malformed signature, an unknown or revoked key, or a wrong
 * signature (compared in constant time). The timestamp is checked before the key is looked up. A stored secret
 * that cannot be decrypted (wrong encryption key) is a server fault: `decryptSecret` throws and that propagates.
 */
export async function verifySignature(
  req: SignedRequest,
  lookup: ApiKeyLookup,
  decryptSecret: (secretEnc: string) => string,
  nowMs: number,
): Promise<{ userId: number; apiKey: string } | ApiError> {
  for (const [name, v] of [
    ['X-API-KEY', req.apiKey],
    ['X-TIMESTAMP', req.timestamp],
    ['X-SIGNATURE', req.signature],
  ] as const) {
    if (v === undefined || v === '') return new ApiError(2001, `missing ${name} header`);
  }
  const apiKey = req.apiKey as string;
  const ts = /^[0-9]{1,16}$/.test(req.timestamp as string) ? Number(req.timestamp) : NaN;
  if (!Number.isSafeInteger(ts)) return new ApiError(2002, 'X-TIMESTAMP must be Unix milliseconds');
  if (Math.abs(nowMs - ts) > SIGNATURE_WINDOW_MS) {
    return new ApiError(2002, `stale timestamp: more than ${SIGNATURE_WINDOW_MS} ms from server time ${nowMs}`);
  }
  const signature = req.signature as string;
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) return new ApiError(2002, 'bad signature: expected 64 hex digits');
  if (apiKey.length > 128) return new ApiError(2002, 'unknown or revoked API key');
  const record = await lookup(apiKey);
  if (record === null) return new ApiError(2002, 'unknown or revoked API key');
  if (record.revoked) return new ApiError(2002, 'unknown or revoked API key', { userId: record.userId });
  const secret = decryptSecret(record.secretEnc);
  const expected = Buffer.from(
    signRequest(secret, req.timestamp as string, req.method, req.pathWithQuery, req.body),
    'hex',
  );
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    return new ApiError(2002, 'bad signature', { userId: record.userId });
  }
  return { userId: record.userId, apiKey: record.apiKey };
}

// ---- (c) secrets at rest and generators ----

const ENC_VERSION = 'v1:';

/** A 32-byte key from 64 hex digits or base64 (the config's ENCRYPTION_KEY_PATTERN), or raw bytes. */
export function encryptionKeyBytes(key: string | Uint8Array): Buffer {
  let bytes: Buffer;
  if (typeof key !== 'string') bytes = Buffer.from(key);
  else if (/^[0-9a-fA-F]{64}$/.test(key)) bytes = Buffer.from(key, 'hex');
  else bytes = Buffer.from(key, 'base64');
  if (bytes.length !== 32) throw new RangeError('encryption key must be 32 bytes (64 hex digits or base64)');
  return bytes;
}

export function encryptSecret(plain: string, key: string | Uint8Array): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKeyBytes(key), iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ENC_VERSION + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
}

/** Throws when the text is not ours, was tampered with, or the key is wrong. */
export function decryptSecret(enc: string, key: string | Uint8Array): string {
  if (!enc.startsWith(ENC_VERSION)) throw new Error('encrypted secret: unknown format');
  const raw = Buffer.from(enc.slice(ENC_VERSION.length), 'base64');
  if (raw.length < 28) throw new Error('encrypted secret: too short');
  const decipher = createDecipheriv('aes-256-gcm', encryptionKeyBytes(key), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** "ak_" + 32 hex digits. */
export function newApiKey(): string {
  return `ak_${randomBytes(16).toString('hex')}`;
}

/** 64 hex digits (256 bits). */
export function newApiSecret(): string {
  return randomBytes(32).toString('hex');
}

/** For the server when no token secret is configured (tokens then die with the process). */
export function newTokenSecret(): string {
  return randomBytes(32).toString('hex');
}

/** For the server when no encryption key is configured (stored API secrets then die with the process). */
export function newEncryptionKey(): string {
  return randomBytes(32).toString('hex');
}

// ---- (d) development mode ----

/**
 * The user of an `X-User-ID` header or `?user_id=` value: null when absent; 2002 when dev auth is off (refused
 * like a bad token) or the value is not a positive integer; the user id otherwise.
 */
export function devUserId(value: string | undefined, devAuth: boolean, what = 'X-User-ID'): number | ApiError | null {
  if (value === undefined || value === '') return null;
  if (!devAuth) return new ApiError(2002, `${what} is accepted only when the server runs in development-auth mode`);
  return positiveId(value) ?? new ApiError(2002, `${what} must be a positive integer`);
}

// ---- one call for the HTTP routes ----

export interface AuthDeps {
  readonly tokenSecret: string;
  readonly devAuth: boolean;
  readonly lookupApiKey: ApiKeyLookup;
  readonly decryptSecret: (secretEnc: string) => string;
  readonly revoked: RevocationCheck;
  /** Signatures already used (replay-guard.ts). */
  readonly replay: ReplayCheck;
}

export interface HttpRequestInfo {
  /** Lower-case names, as Node gives them. */
  readonly headers: Headers;
  readonly method: string;
  readonly pathWithQuery: string;
  readonly body: string | Uint8Array;
}

export interface Authenticated {
  readonly userId: number;
  readonly via: 'token' | 'api_key' | 'dev';
  /** Token expiry (ms); null for API key and dev credentials. */
  readonly expiresAt: number | null;
  /** The key behind the credential: the signing key, or the key that minted the token; null otherwise. */
  readonly keyId: string | null;
  /** The signing API key (via 'api_key' only). */
  readonly apiKey: string | null;
}

/** X-User-ID (development mode) beside credentials of another user: neither identity is trusted. */
function conflictingUser(): ApiError {
  return new ApiError(2002, 'X-User-ID names another user than the credentials: send one identity');
}

/** Authenticates an HTTP request with the precedence and codes described at the top of this file. */
export async function authenticate(
  req: HttpRequestInfo,
  deps: AuthDeps,
  nowMs: number,
): Promise<Authenticated | ApiError> {
  const dev = devUserId(header(req.headers, 'x-user-id'), deps.devAuth);
  if (dev instanceof ApiError) return dev;
  const authorization = header(req.headers, 'authorization');
  if (authorization !== undefined) {
    const m = /^Bearer +(\S+)$/i.exec(authorization);
    if (m === null) return new ApiError(2002, 'Authorization must be "Bearer <token>"');
    const claims = await verifyToken(m[1] as string, deps.tokenSecret, nowMs, deps.revoked);
    if (claims instanceof ApiError) return claims;
    if (dev !== null && dev !== claims.userId) return conflictingUser();
    return {
      userId: claims.userId,
      via: 'token',
      expiresAt: claims.expiresAt,
      keyId: claims.keyId ?? null,
      apiKey: null,
    };
  }
  const apiKey = header(req.headers, 'x-api-key');
  const timestamp = header(req.headers, 'x-timestamp');
  const signature = header(req.headers, 'x-signature');
  if (apiKey !== undefined || timestamp !== undefined || signature !== undefined) {
    const r = await verifySignature(
      { apiKey, timestamp, signature, method: req.method, pathWithQuery: req.pathWithQuery, body: req.body },
      deps.lookupApiKey,
      deps.decryptSecret,
      nowMs,
    );
    if (r instanceof ApiError) return r;
    if (dev !== null && dev !== r.userId) return conflictingUser();
    const keyId = keyIdOf(r.apiKey);
    if (deps.revoked.isRevoked(r.userId, keyId)) {
      return new ApiError(2002, 'unknown or revoked API key', { userId: r.userId });
    }
    // Last: only a signature that passed every check is remembered.
    const claim = deps.replay.claim(signature as string, Number(timestamp), nowMs);
    if (claim === 'replay') return new ApiError(2002, 'signature already used', { userId: r.userId });
    if (claim === 'full') {
      return new ApiError(5001, 'too many signed requests to check for replays right now: retry shortly');
    }
    return { userId: r.userId, via: 'api_key', expiresAt: null, keyId, apiKey: r.apiKey };
  }
  if (dev !== null) {
    if (deps.revoked.isRevoked(dev, null)) return new ApiError(2002, 'user revoked', { userId: dev });
    return { userId: dev, via: 'dev', expiresAt: null, keyId: null, apiKey: null };
  }
  return new ApiError(
    2001,
    'missing credentials: send Authorization: Bearer <token>, or X-API-KEY, X-TIMESTAMP and X-SIGNATURE',
  );
}

// ---- (e) admin ----

/** null when the request carries the configured admin token; otherwise the error (see the top of this file). */
export function checkAdmin(headers: Headers, adminToken: string | null): ApiError | null {
  if (adminToken === null) return new ApiError(2003, 'admin is disabled: the server has no admin token configured');
  const given = header(headers, ADMIN_HEADER);
  if (given === undefined) {
    const hasUserCredentials =
      header(headers, 'authorization') !== undefined || header(headers, 'x-api-key') !== undefined;
    return hasUserCredentials
      ? new ApiError(2003, 'admin routes need the X-ADMIN-TOKEN header; user credentials carry no admin rights')
      : new ApiError(2001, 'missing X-ADMIN-TOKEN header');
  }
  return safeEqual(given, adminToken) ? null : new ApiError(2002, 'bad admin token');
}

// ---- logging ----

const SECRET_FIELDS = [
  'secret',
  'apiSecret',
  'api_secret',
  'secretEnc',
  'token',
  'tokenSecret',
  'encryptionKey',
  'adminToken',
  'password',
];
const SECRET_HEADERS = ['authorization', 'x-api-key', 'x-signature', 'x-admin-token', 'cookie'];

/** pino `redact.paths`: credential headers (request logs and bare header objects) and secret fields up to 2 deep. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`]),
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

export const PINO_REDACT = { paths: [...REDACT_PATHS], censor: '[REDACTED]' };

/** Hides credential query parameters (`token`, `api_key`, `secret`) in a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|api_key|apikey|secret|signature)=)[^&#]*/gi, '$1[REDACTED]');
}
