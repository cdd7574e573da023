// Signing in with an API key in the browser: POST /api/v1/auth/token signed with HMAC-SHA256 by WebCrypto
// (api.md: hex HMAC of X-TIMESTAMP + METHOD + path + body). The secret is used here and nowhere else: it is never
// sent, stored or logged; only the short-lived bearer token it buys is kept (in memory).

const TOKEN_PATH = '/api/v1/auth/token';

export interface IssuedToken {
  readonly userId: number;
  readonly token: string;
  readonly expiresAt: number;
}

/** Lower-case hex of HMAC-SHA256(secret, message). */
export async function hmacHex(secret: string, message: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(message)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A bearer token for the key; throws an Error carrying the server's message (and code) when refused. */
export async function issueToken(baseUrl: string, apiKey: string, apiSecret: string): Promise<IssuedToken> {
  const ts = String(Date.now());
  const signature = await hmacHex(apiSecret, `${ts}POST${TOKEN_PATH}`);
  const res = await fetch(baseUrl + TOKEN_PATH, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'x-timestamp': ts, 'x-signature': signature, accept: 'application/json' },
  });
  const body = (await res.json().catch(() => null)) as {
    code?: number;
    msg?: string;
    data?: { user_id: number; token: string; expires_at: number };
  } | null;
  if (body === null || body.code !== 0 || body.data == null) {
    throw new Error(`${body?.msg ?? `HTTP ${res.status}`}${body?.code !== undefined ? ` (code ${body.code})` : ''}`);
  }
  return { userId: body.data.user_id, token: body.data.token, expiresAt: body.data.expires_at };
}
