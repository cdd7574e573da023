// Raw HTTP for tests that must control the socket: half-sent requests (slow bodies and headers), requests from a
// chosen loopback source address (per-IP caps), bytes Node's own client would never send. Every socket opened here
// is tracked so a test can close them all.

import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The parsed JSON body, or undefined. */
  readonly json: { code: number; msg: string; data: unknown } | undefined;
}

const open = new Set<Socket>();

/** A connected socket to 127.0.0.1:port, from `localAddress` (127.x.y.z) when given. */
export function rawSocket(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ...(localAddress !== undefined ? { localAddress } : {}) });
    open.add(s);
    s.on('close', () => open.delete(s));
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Parses one HTTP/1.1 answer out of the bytes read so far, or null when it is not complete yet. */
export function parseAnswer(text: string): RawAnswer | null {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? '0');
  const body = text.slice(end + 4);
  if (Buffer.byteLength(body) < length) return null;
  let json: RawAnswer['json'];
  try {
    json = JSON.parse(body) as RawAnswer['json'];
  } catch {
    json = undefined;
  }
  return { status, headers, body, json };
}

/** Everything the socket receives until it closes (or `timeoutMs`), and whether it closed. */
export function readUntilClose(s: Socket, timeoutMs: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const done = (closed: boolean) => {
      clearTimeout(t);
      resolve({ text, closed });
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.on('data', (d: Buffer) => (text += d.toString('utf8')));
    s.once('close', () => done(true));
    s.on('error', () => {});
  });
}

/** Sends `request` (raw bytes) on a new socket and reads the first complete answer. */
export async function rawRequest(
  port: number,
  request: string,
  localAddress?: string,
  timeoutMs = 5000,
): Promise<RawAnswer> {
  const s = await rawSocket(port, localAddress);
  return new Promise((resolve, reject) => {
    let text = '';
    const t = setTimeout(
      () => reject(new Error(`no answer within ${timeoutMs} ms; got ${text.slice(0, 200)}`)),
      timeoutMs,
    );
    s.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      const a = parseAnswer(text);
      if (a !== null) {
        clearTimeout(t);
        s.destroy();
        resolve(a);
      }
    });
    s.on('error', () => {});
    s.once('close', () => {
      const a = parseAnswer(text);
      clearTimeout(t);
      if (a !== null) resolve(a);
      else reject(new Error(`closed without a complete answer: ${JSON.stringify(text.slice(0, 200))}`));
    });
    s.write(request);
  });
}

/** A GET request's bytes. */
export function get(path: string, headers: Record<string, string> = {}): string {
  const h = Object.entries({ host: 'localhost', connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  return `GET ${path} HTTP/1.1\r\n${h.join('')}\r\n`;
}

/** Destroys every socket opened by this module that is still open. */
export function closeAllRawSockets(): void {
  for (const s of open) s.destroy();
  open.clear();
}
