// One WebSocket connection: who it is, what it subscribed to, its message
// rate window, and sending with bounded backlog (a reader that falls behind
// by more than the byte or message limit is closed with 1013), with the frames of one event-loop turn coalesced
// into one socket write (the pushes of a commit and the order results that follow them).

import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { LongTimeout } from '../long-timeout.js';

const TEXT_FRAME = { binary: false } as const;

export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  tryAgain: 1013,
  authFailed: 4001,
  authTimeout: 4008,
  tooManyConnections: 4029,
} as const;

export interface SendLimits {
  readonly maxBacklogBytes: number;
  readonly maxBacklogMessages: number;
  /** Cork the socket on the first frame of a loop turn and uncork it in the turn's check phase: one write. */
  readonly coalesceWrites: boolean;
}

export class Connection {
  userId: number | null = null;
  /** The API key id behind the connection's token (revoking that key closes it); null: none. */
  keyId: string | null = null;
  /** Token expiry (ms); null for dev identities. */
  expiresAt: number | null = null;
  /** Highest private seq sent; private events at or below it are never sent again. */
  lastSentSeq = 0;
  /** While replaying history for a resume, live private events wait here. */
  pending: Array<{ seq: number; payload: string; committedAt: number }> | null = null;
  readonly subscriptions = new Set<string>();
  /** Order requests (order-requests.ts) not yet fully answered, by request-id key; and the orders they hold. */
  readonly orderRequests = new Set<string>();
  ordersInFlight = 0;
  /** Order results that came while a resume replays: sent after the replay, never before their order's events. */
  heldResults: string[] = [];
  lastPongAt: number;
  /**
   * Heartbeat pings sent since the last pong. The heartbeat counts beats, not wall time: a server whose own event
   * loop was held up (a fan-out to many sockets) has not read the pongs that wait in its sockets yet.
   */
  unansweredPings = 0;
  closed = false;
  /**
   * Messages sent since this connection's buffer was last empty: an upper bound of those still queued, kept
   * without a write callback per message (which cost ~a quarter of a broadcast's time).
   */
  private unflushed = 0;
  private corked: Socket | null = null;
  private readonly uncork = (): void => {
    const s = this.corked;
    this.corked = null;
    s?.uncork();
  };
  private windowStart = 0;
  private windowCount = 0;
  private overLimitWindows = 0;
  authTimer: NodeJS.Timeout | null = null;
  /** Token expiry and its advance notice: a token may live 30 days, past what a plain setTimeout can wait. */
  expiryTimer: LongTimeout | null = null;
  expiringTimer: LongTimeout | null = null;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    private readonly limits: SendLimits,
    private readonly onSlow: (c: Connection) => void,
    now: number,
  ) {
    this.lastPongAt = now;
  }

  /**
   * Sends a pre-serialized message as a text frame (a Buffer holds its UTF-8: a broadcast encodes once instead
   * of once per recipient); false when the connection is gone or was closed as too slow.
   */
  send(text: string | Buffer): boolean {
    if (this.closed) return false;
    const buffered = this.ws.bufferedAmount;
    if (buffered === 0) this.unflushed = 0;
    if (buffered > this.limits.maxBacklogBytes || this.unflushed >= this.limits.maxBacklogMessages) {
      this.onSlow(this);
      return false;
    }
    this.unflushed++;
    if (this.limits.coalesceWrites && this.corked === null) {
      // ws keeps its TCP socket in `_socket` (no public accessor); without one, frames go out one by one.
      const socket = (this.ws as unknown as { _socket?: Socket })._socket;
      if (socket !== undefined && !socket.destroyed) {
        socket.cork();
        this.corked = socket;
        setImmediate(this.uncork);
      }
    }
    this.ws.send(text, TEXT_FRAME);
    return true;
  }

  sendJson(obj: unknown): boolean {
    return this.send(JSON.stringify(obj));
  }

  /**
   * Counts one client message: 'ok' to handle it; over the limit it is not handled: 'limited' for the first
   * one of a second (answer 4291), 'drop' for the rest, 'close' when it goes on (1008).
   */
  countMessage(now: number, perSecond: number): 'ok' | 'limited' | 'drop' | 'close' {
    if (now - this.windowStart >= 1000) {
      if (this.windowCount > perSecond) this.overLimitWindows++;
      else this.overLimitWindows = 0;
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount++;
    if (this.windowCount <= perSecond) return 'ok';
    // Over the limit: warn once per window; close if it goes on (twice the limit, or a second bad second).
    if (this.windowCount > 2 * perSecond || this.overLimitWindows >= 1) return 'close';
    return this.windowCount === perSecond + 1 ? 'limited' : 'drop';
  }

  /** Sends a close frame; a peer that has not completed the handshake after `graceMs` is cut off. */
  close(code: number, reason: string, graceMs = 2000): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
    // A peer that never answers the close handshake (e.g. it stopped reading) is cut off.
    setTimeout(() => this.ws.terminate(), graceMs).unref();
  }

  clearTimers(): void {
    if (this.authTimer !== null) clearTimeout(this.authTimer);
    this.expiryTimer?.clear();
    this.expiringTimer?.clear();
    this.authTimer = this.expiryTimer = this.expiringTimer = null;
  }
}
