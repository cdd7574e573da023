// Helpers of the credential tests (api-revoke.ts, api-throttle.ts): HTTP requests from a chosen loopback source
// address (the whole 127.0.0.0/8 reaches the server on 127.0.0.1, so each test client can be "another IP"),
// WebSocket clients (optionally from such an address) closed at the end, and a pino logger whose lines a test
// reads back.

import assert from 'node:assert/strict';
import http from 'node:http';
import { pino, type Logger } from 'pino';
import { PINO_REDACT } from '../../src/auth/credentials.js';
import { type Closed, type Msg, RawClient, wsUrl } from '../push/raw-client.js';
import { type Credentials, type Envelope, NONE, type Res, type TestServer, authHeaders } from './harness.js';

/** One request over a real socket bound to `localAddress` (e.g. "127.0.0.2"). */
export function requestFrom(
  localAddress: string,
  s: TestServer,
  method: string,
  path: string,
  opts: { body?: unknown; as?: Credentials; headers?: Readonly<Record<string, string>> } = {},
): Promise<Res> {
  const text = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    ...(text !== undefined ? { 'content-type': 'application/json' } : {}),
    ...authHeaders(opts.as ?? NONE, method, path, text ?? ''),
    ...opts.headers,
  };
  const url = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers, localAddress, agent: false },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () => {
          let body: Envelope | undefined;
          try {
            body = JSON.parse(data) as Envelope;
          } catch {
            body = undefined;
          }
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          assert.notEqual(res.statusCode, 500, `${method} ${path} answered 500: ${data}`);
          resolve({ status: res.statusCode ?? 0, headers: h, text: data, body });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/** WebSocket clients of one test file; `disposeAll()` in an after hook. */
export class WsClients {
  private readonly all: RawClient[] = [];

  /** A connection (from `localAddress` when given), after its `connected` greeting. */
  async open(s: TestServer, query = '', localAddress?: string): Promise<RawClient> {
    const c = await RawClient.connect(wsUrl(s.url, query), localAddress ? { localAddress } : undefined);
    this.all.push(c);
    await c.nextOfType('connected');
    return c;
  }

  /** A connection authenticated by its first message. */
  async authed(s: TestServer, token: string, localAddress?: string): Promise<RawClient> {
    const c = await this.open(s, '', localAddress);
    const from = c.messages.length;
    c.send({ type: 'auth', token });
    await c.nextOfType('auth.success', from);
    return c;
  }

  /** A connection authenticated by ?token= in the URL. */
  async urlAuthed(s: TestServer, token: string): Promise<RawClient> {
    const c = await this.open(s, `token=${encodeURIComponent(token)}`);
    assert.notEqual((c.messages[0] as Msg).user_id, null);
    return c;
  }

  disposeAll(): void {
    for (const c of this.all.splice(0)) c.dispose();
  }
}

/**
 * Waits (generously: this is no speed test) for the server to end the connection: an auth.error with `code`
 * first, then the close `closeCode`.
 */
export async function assertClosedBy(c: RawClient, code: number, closeCode: number, what: string): Promise<Closed> {
  const closed = await c.waitClose(5000);
  assert.equal(closed.code, closeCode, `${what}: ${JSON.stringify(closed)}`);
  const last = c.messages[c.messages.length - 1];
  assert.equal(last?.type, 'auth.error', `${what}: the last message is an auth.error: ${JSON.stringify(last)}`);
  assert.equal(last?.code, code, `${what}: ${JSON.stringify(last)}`);
  return closed;
}

/** A pino logger (level info, the server's redaction) whose output a test reads back. */
export function capturedLogger(): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const logger = pino({ level: 'info', redact: PINO_REDACT }, { write: (s: string) => void lines.push(s) });
  return { logger, lines, text: () => lines.join('') };
}

/** The parsed audit lines (those with an `audit` field). */
export function auditLines(lines: readonly string[]): Array<Record<string, unknown>> {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => typeof o.audit === 'string');
}
