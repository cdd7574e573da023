// A raw WebSocket client for protocol tests: records every frame it receives (parsed JSON), protocol pings, the
// close code, and errors (so a server that resets the socket never crashes the test process). Waiting helpers look
// at the recorded log, so a message that arrived before the wait started is found too.

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { checkServerMessage } from '../support/api-conformance.js';

/**
 * Frames that did not match their AsyncAPI message schema. Checked on arrival; every wait (until, next, waitClose,
 * ...) fails on the first one, in the test that is waiting.
 */
const nonConforming: string[] = [];

export type Msg = Record<string, unknown> & { type: string };

export interface Closed {
  readonly code: number;
  readonly reason: string;
  /** ms since the client was created */
  readonly at: number;
}

/** ws://HOST:PORT/ws?QUERY for an http://HOST:PORT base URL. */
export function wsUrl(httpUrl: string, query = ''): string {
  return `${httpUrl.replace(/^http/, 'ws')}/ws${query === '' ? '' : `?${query}`}`;
}

export class RawClient {
  readonly messages: Msg[] = [];
  readonly errors: Error[] = [];
  /** Text frames that were not JSON objects with a string `type` (there should be none). */
  readonly junk: string[] = [];
  pings = 0;
  closed: Closed | null = null;
  private readonly born = Date.now();
  private waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      let m: unknown;
      try {
        m = isBinary ? undefined : JSON.parse(text);
      } catch {
        m = undefined;
      }
      if (typeof m === 'object' && m !== null && typeof (m as Msg).type === 'string') {
        this.messages.push(m as Msg);
        const problem = checkServerMessage(m);
        if (problem !== null) nonConforming.push(problem);
      } else this.junk.push(text);
      this.wake();
    });
    ws.on('ping', () => {
      this.pings++;
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString(), at: Date.now() - this.born };
      this.wake();
    });
    ws.on('error', (e) => {
      this.errors.push(e);
      this.wake();
    });
  }

  /** Opens a connection; rejects when the upgrade is refused or the socket fails before opening. */
  static connect(url: string, options?: WebSocket.ClientOptions): Promise<RawClient> {
    const ws = new WebSocket(url, options);
    const c = new RawClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_req, res: IncomingMessage) => {
        res.resume();
        reject(new Error(`upgrade refused with HTTP ${res.statusCode}`));
      });
      ws.once('error', reject);
    });
  }

  /** The HTTP status that refuses the upgrade, or null when the connection opened (it is then closed). */
  static refusal(url: string, options?: WebSocket.ClientOptions): Promise<number | null> {
    const ws = new WebSocket(url, options);
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        ws.terminate();
        resolve(null);
      });
      ws.once('unexpected-response', (req, res: IncomingMessage) => {
        res.resume();
        req.destroy();
        resolve(res.statusCode ?? -1);
      });
      ws.on('error', (e) => reject(e));
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves on the next event (message, ping, close, error) or after `ms`. */
  private tick(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Waits until `cond()` holds; throws with `what` and the last messages on timeout. */
  async until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (nonConforming.length > 0) throw new Error(`a frame does not match /asyncapi.json: ${nonConforming[0]}`);
      if (cond()) return;
      const left = end - Date.now();
      if (left <= 0) {
        throw new Error(
          `timeout (${timeoutMs} ms) waiting for ${what}; closed=${JSON.stringify(this.closed)}; ` +
            `last messages: ${JSON.stringify(this.messages.slice(-3))}`,
        );
      }
      await this.tick(Math.min(left, 100));
    }
  }

  /** The first message at index >= `from` that satisfies `pred` (waits for it). */
  async next(pred: (m: Msg) => boolean, what: string, from = 0, timeoutMs = 5000): Promise<Msg> {
    let found: Msg | undefined;
    await this.until(
      () => (found = this.messages.slice(from).find(pred)) !== undefined,
      `${what} (from message #${from})`,
      timeoutMs,
    );
    return found as Msg;
  }

  /** The first message of `type` at index >= `from`. */
  nextOfType(type: string, from = 0, timeoutMs = 5000): Promise<Msg> {
    return this.next((m) => m.type === type, `a "${type}" message`, from, timeoutMs);
  }

  /** Sends `{"type":"ping"}` and returns the pong that answers it. */
  async ping(timeoutMs = 3000): Promise<Msg> {
    const from = this.messages.length;
    this.send({ type: 'ping' });
    return this.nextOfType('pong', from, timeoutMs);
  }

  /** Sends a message and returns the first message received after it. */
  async request(msg: unknown, timeoutMs = 3000): Promise<Msg> {
    const from = this.messages.length;
    this.send(msg);
    return this.next(() => true, `an answer to ${JSON.stringify(msg).slice(0, 80)}`, from, timeoutMs);
  }

  async waitClose(timeoutMs = 5000): Promise<Closed> {
    await this.until(() => this.closed !== null, 'the connection to close', timeoutMs);
    return this.closed as Closed;
  }

  get open(): boolean {
    return this.closed === null && this.ws.readyState === WebSocket.OPEN;
  }

  /** The TCP socket under the WebSocket (pause it to simulate a peer that stops reading). */
  get socket(): Socket {
    return (this.ws as unknown as { _socket: Socket })._socket;
  }

  /** Stops reading from the network: no frame (not even a protocol ping) is processed until resume(). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Closes (if still open) and forgets the connection. */
  dispose(): void {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }
}
