// FakeWsServer: a scripted WebSocket peer for PushClient tests, recording each connection's URL and messages.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

type Json = Record<string, unknown>;

/** Resolves queued items to waiters in order; items that arrive first are kept. */
class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<(v: T) => void> = [];

  push(v: T): void {
    const w = this.waiters.shift();
    if (w !== undefined) w(v);
    else this.items.push(v);
  }

  next(timeoutMs: number, what: string): Promise<T> {
    const v = this.items.shift();
    if (v !== undefined) return Promise.resolve(v);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(done), 1);
        reject(new Error(`fake server: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (x: T) => {
        clearTimeout(timer);
        resolve(x);
      };
      this.waiters.push(done);
    });
  }

  get pending(): number {
    return this.items.length;
  }
}

export class FakeConnection {
  readonly url: URL;
  /** Every message received, parsed. */
  readonly received: Json[] = [];
  private readonly inbox = new Inbox<Json>();
  readonly closed: Promise<void>;

  constructor(
    readonly ws: WebSocket,
    path: string,
  ) {
    this.url = new URL(path, 'ws://fake');
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Json;
      this.received.push(m);
      this.inbox.push(m);
    });
    this.closed = once(ws, 'close').then(() => undefined);
  }

  /** The next message from the client (already received ones first). */
  next(timeoutMs = 2_000): Promise<Json> {
    return this.inbox.next(timeoutMs, 'client message');
  }

  /** Messages received but not yet taken with next(). */
  get unread(): number {
    return this.inbox.pending;
  }

  send(msg: Json): void {
    this.ws.send(JSON.stringify(msg));
  }

  close(code = 1000, reason = ''): void {
    this.ws.close(code, reason);
  }

  /** Drops the TCP connection without a close frame (the client sees 1006). */
  terminate(): void {
    this.ws.terminate();
  }
}

export class FakeWsServer {
  private readonly inbox = new Inbox<FakeConnection>();
  readonly connections: FakeConnection[] = [];

  private constructor(
    readonly wss: WebSocketServer,
    readonly url: string,
  ) {
    wss.on('connection', (ws, req) => {
      const c = new FakeConnection(ws, req.url ?? '/');
      this.connections.push(c);
      this.inbox.push(c);
    });
  }

  /** Listens on 127.0.0.1 on a free port; `rejectWith` refuses every upgrade with that HTTP status. */
  static async start(opts: { rejectWith?: number } = {}): Promise<FakeWsServer> {
    const reject = opts.rejectWith;
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      path: '/ws',
      ...(reject === undefined ? {} : { verifyClient: (_info, cb) => cb(false, reject) }),
    });
    await once(wss, 'listening');
    const { port } = wss.address() as AddressInfo;
    return new FakeWsServer(wss, `ws://127.0.0.1:${port}/ws`);
  }

  /** The next client connection (already accepted ones first). */
  nextConnection(timeoutMs = 2_000): Promise<FakeConnection> {
    return this.inbox.next(timeoutMs, 'connection');
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
