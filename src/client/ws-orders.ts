// Order entry of PushClient over its socket (ws-protocol.md section 9): request ids, the promise of each request
// resolved by its order.result (one per order of a batch), and what becomes of requests in flight when the socket
// closes (rejected with OrderOutcomeUnknownError: each order was either committed or not placed at all; look it up
// by cid).

import { PushServerError } from './errors.js';
import type * as T from './types.js';

/** An order.result with a non-zero code. */
export class OrderRejectedError extends PushServerError {
  override readonly name = 'OrderRejectedError';
  constructor(
    code: number,
    msg: string,
    /** The ids the server knows the request by (`order_id`, `cid`), or null. */
    readonly data: T.OrderResultMessage['data'],
  ) {
    super(code, msg);
  }
}

/** The socket closed before the result: the order was either committed (see GET /orders by its cid) or not placed. */
export class OrderOutcomeUnknownError extends Error {
  override readonly name = 'OrderOutcomeUnknownError';
}

type Settle = { resolve: (m: T.OrderResultMessage) => void; reject: (e: Error) => void };

interface Pending {
  readonly settle: Settle[];
  left: number;
  timer: NodeJS.Timeout | null;
}

export class WsOrderChannel {
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();

  constructor(
    /** Sends a frame; false when the socket is not open. */
    private readonly sendText: (text: string) => boolean,
    private readonly timeoutMs: () => number,
  ) {}

  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends one request holding `count` orders; one promise per order, resolved by its order.result. */
  request(type: T.OrderRequestMessage['type'], params: unknown, count: number): Promise<T.OrderResultMessage>[] {
    const id = `r${this.nextId++}`;
    const settle: Settle[] = [];
    const promises = Array.from(
      { length: count },
      () => new Promise<T.OrderResultMessage>((resolve, reject) => void settle.push({ resolve, reject })),
    );
    if (!this.sendText(JSON.stringify({ type, id, params }))) {
      for (const s of settle) s.reject(new Error('not connected'));
      return promises;
    }
    const p: Pending = { settle, left: count, timer: null };
    const ms = this.timeoutMs();
    if (ms > 0) {
      p.timer = setTimeout(() => this.fail(id, new OrderOutcomeUnknownError(`no order.result within ${ms} ms`)), ms);
    }
    this.pending.set(id, p);
    return promises;
  }

  /** An order.result frame: settles its order's promise. */
  onResult(m: T.OrderResultMessage): void {
    if (typeof m.id !== 'string') return;
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    if (m.index === undefined && p.settle.length > 1) {
      // A batch refused as a whole (shape, size, the in-flight cap): one result, none of its orders placed.
      return this.fail(m.id, new OrderRejectedError(m.code, m.msg ?? '', m.data));
    }
    const s = p.settle[m.index ?? 0];
    if (s === undefined) return;
    if (m.code === 0) s.resolve(m);
    else s.reject(new OrderRejectedError(m.code, m.msg ?? '', m.data));
    if (--p.left === 0) {
      if (p.timer !== null) clearTimeout(p.timer);
      this.pending.delete(m.id);
    }
  }

  /** The socket closed (or the client stopped): every request in flight has an unknown outcome. */
  failAll(why: string): void {
    for (const id of [...this.pending.keys()]) this.fail(id, new OrderOutcomeUnknownError(why));
  }

  private fail(id: string, e: Error): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    if (p.timer !== null) clearTimeout(p.timer);
    // Results already received resolved their promises; rejecting them again does nothing.
    for (const s of p.settle) s.reject(e);
  }
}
