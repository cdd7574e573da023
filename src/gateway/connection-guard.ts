// Admission of TCP connections (HTTP and WebSocket alike: a WebSocket is an HTTP connection that was upgraded).
// Counts open sockets in total and per source IP; a socket past either cap is still accepted, so that it can be
// told why (HTTP 503 with code 5001, or WebSocket close 1013) and so that /healthz keeps answering, but it gets
// only a short grace to send its request and is closed after the answer. Past the caps plus a small headroom
// for those refusals the server drops connections at accept (Node's maxConnections), well before the process
// runs out of file descriptors.
//
// Per IP means per `socket.remoteAddress`: behind a reverse proxy every client shares the proxy's address, so
// set the per-IP cap there (documented in docs/api.md, Limits).

import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export type Refusal = 'server_full' | 'ip_full';

/** How long a refused socket may take to send its request before it is closed (ms). */
export const REFUSAL_GRACE_MS = 2000;
/** Descriptors kept free for everything that is not a client socket (database, worker, logs, DNS, ...). */
const FD_RESERVE = 256;

export interface ConnectionLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
}

/** The process's limit on open files (Linux: from /proc/self/limits), or null when it cannot be read. */
export function openFilesLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m === null || m[1] === 'unlimited') return null;
    return Number(m[1]);
  } catch {
    return null;
  }
}

/** `::ffff:1.2.3.4` and `1.2.3.4` are the same client. */
function ipOf(socket: Socket): string {
  const a = socket.remoteAddress ?? 'unknown';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

export class ConnectionGuard {
  /** The cap in force: the configured one, lowered when the descriptor limit could not hold it. */
  readonly maxConnections: number;
  readonly maxPerIp: number;
  /** Connections beyond this are dropped at accept, without an answer. */
  readonly hardLimit: number;
  private open = 0;
  private readonly byIp = new Map<string, number>();
  private readonly refused = new WeakMap<Socket, Refusal>();

  constructor(
    limits: ConnectionLimits,
    fdLimit: number | null,
    private readonly onRefused: (reason: Refusal | 'dropped') => void = () => {},
  ) {
    const headroom = (cap: number) => Math.max(32, Math.ceil(cap * 0.05));
    // cap + headroom(cap) must fit in the descriptors left after the reserve.
    const fit = fdLimit === null ? Infinity : Math.max(1, Math.floor((fdLimit - FD_RESERVE - 32) / 1.05));
    const cap = Math.min(limits.maxConnections, fit);
    this.maxConnections = cap;
    this.maxPerIp = limits.maxConnectionsPerIp;
    this.hardLimit = cap + headroom(cap);
  }

  /** Counts every connection of `server` from now on. */
  attach(server: Server): void {
    server.maxConnections = this.hardLimit;
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.on('drop', () => this.onRefused('dropped'));
  }

  /** Counts one accepted socket until it closes; marks it refused when it is past a cap. */
  admit(socket: Socket): Refusal | null {
    const ip = ipOf(socket);
    const n = (this.byIp.get(ip) ?? 0) + 1;
    this.byIp.set(ip, n);
    this.open++;
    socket.once('close', () => {
      this.open--;
      const left = (this.byIp.get(ip) ?? 1) - 1;
      if (left === 0) this.byIp.delete(ip);
      else this.byIp.set(ip, left);
    });
    const verdict: Refusal | null =
      this.open > this.maxConnections ? 'server_full' : n > this.maxPerIp ? 'ip_full' : null;
    if (verdict !== null) {
      this.refused.set(socket, verdict);
      socket.setTimeout(REFUSAL_GRACE_MS, () => socket.destroy());
      this.onRefused(verdict);
    }
    return verdict;
  }

  /** Why this socket is refused, or null when it was admitted. */
  refusal(socket: Socket): Refusal | null {
    return this.refused.get(socket) ?? null;
  }

  /** The words a refused client reads. */
  static message(r: Refusal): string {
    return r === 'server_full'
      ? 'the server is at its connection limit: retry shortly'
      : 'too many connections from your address: close some, then retry';
  }

  get connections(): number {
    return this.open;
  }
}
