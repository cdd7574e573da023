// API key + HMAC request signing (api.md, Authentication) with WebCrypto only, so the same code runs in Node 20
// (globalThis.crypto) and in browsers: X-SIGNATURE = hex HMAC-SHA256(secret, timestamp + METHOD + path + body).

/** An API key and its secret, as answered once by `POST /api/v1/admin/users`. */
export interface ApiKeyCredentials {
  apiKey: string;
  apiSecret: string;
}

/** The three headers of a signed request. */
export interface SignatureHeaders {
  'x-api-key': string;
  'x-timestamp': string;
  'x-signature': string;
}

/** The part of WebCrypto's SubtleCrypto used here (typed locally: the client compiles without the DOM lib). */
interface HmacSubtle {
  importKey(
    format: 'raw',
    key: Uint8Array,
    algorithm: { name: 'HMAC'; hash: 'SHA-256' },
    extractable: false,
    usages: ['sign'],
  ): Promise<unknown>;
  sign(algorithm: 'HMAC', key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
}

const encoder = new TextEncoder();
/** Imported HMAC keys by secret: importKey is the slow part of signing. */
const keys = new Map<string, Promise<unknown>>();

function subtle(): HmacSubtle {
  const c = (globalThis as { crypto?: { subtle?: HmacSubtle } }).crypto;
  if (c?.subtle === undefined) throw new Error('WebCrypto (globalThis.crypto.subtle) is not available here');
  return c.subtle;
}

function hmacKey(secret: string): Promise<unknown> {
  let k = keys.get(secret);
  if (k === undefined) {
    k = subtle().importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    if (keys.size >= 16) keys.clear();
    keys.set(secret, k);
  }
  return k;
}

function hex(bytes: ArrayBuffer): string {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * Lower-case hex HMAC-SHA256 of `timestamp + METHOD + pathWithQuery + body`. `pathWithQuery` is the request target
 * exactly as sent (`/api/v1/orders?status=NEW`), `body` the exact text sent ('' for none).
 */
export async function signRequest(
  secret: string,
  timestamp: string,
  method: string,
  pathWithQuery: string,
  body: string,
): Promise<string> {
  const data = encoder.encode(timestamp + method.toUpperCase() + pathWithQuery + body);
  return hex(await subtle().sign('HMAC', await hmacKey(secret), data));
}

/** The headers that sign one request now (or at `nowMs`). */
export async function signatureHeaders(
  creds: ApiKeyCredentials,
  method: string,
  pathWithQuery: string,
  body: string,
  nowMs: number = Date.now(),
): Promise<SignatureHeaders> {
  const ts = String(nowMs);
  return {
    'x-api-key': creds.apiKey,
    'x-timestamp': ts,
    'x-signature': await signRequest(creds.apiSecret, ts, method, pathWithQuery, body),
  };
}
