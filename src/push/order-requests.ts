// Order entry on /ws (ws-protocol.md section 9): order.place, order.cancel and order.batch_place from an
// authenticated connection, answered by order.result frames. The work is the HTTP routes' (order-entry.ts: the
// same validation, the same per-user rate limits, the same commit before the answer); this module owns what is the
// socket's own: request ids (echoed; missing, malformed or already in flight -> 1001), the per-connection cap of
// unanswered orders (ws.maxOrdersInFlight -> 4291), batches of up to BATCH_MAX orders answered one by one, and
// the promise that an order's private events leave on this connection before its result (results that complete
// during a resume wait for the replay).

import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { type OrderEntryContext, cancelOrder, chargeRate, placeOrder } from '../orders/order-entry.js';
import { CID_PATTERN } from '../orders/order-request.js';
import type { Connection } from './connection.js';
import { BATCH_MAX, REQUEST_ID_MAX } from '../api/ws-limits.js';

export const ORDER_MESSAGE_TYPES = ['order.place', 'order.cancel', 'order.batch_place'] as const;
export type OrderMessageType = (typeof ORDER_MESSAGE_TYPES)[number];
const REQUEST_ID_PATTERN = new RegExp(`^[\\x21-\\x7e]{1,${REQUEST_ID_MAX}}$`);

type RequestId = string | number;
type Obj = Record<string, unknown>;

export function isOrderMessageType(t: unknown): t is OrderMessageType {
  return (ORDER_MESSAGE_TYPES as readonly unknown[]).includes(t);
}

/** A request id: 1..64 printable ASCII characters, or a non-negative safe integer; null when it is neither. */
function requestId(v: unknown): RequestId | null {
  if (typeof v === 'string') return REQUEST_ID_PATTERN.test(v) ? v : null;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null;
  return null;
}

/** The ids a refused request can still be matched by (the client's cid, an order_id it named). */
function idsOf(params: unknown): { order_id: number | null; cid: string | null } {
  const o = typeof params === 'object' && params !== null && !Array.isArray(params) ? (params as Obj) : {};
  const cid = typeof o['cid'] === 'string' && CID_PATTERN.test(o['cid']) ? o['cid'] : null;
  const id = o['order_id'];
  return { order_id: typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null, cid };
}

export interface OrderRequestDeps {
  readonly ctx: OrderEntryContext;
  readonly metrics: Metrics;
  readonly maxInFlight: number;
  readonly log: { error(obj: object, msg: string): void };
}

export class OrderRequests {
  constructor(private readonly d: OrderRequestDeps) {}

  /** Handles one order message (its type is one of ORDER_MESSAGE_TYPES); never throws. */
  handle(c: Connection, m: Obj): void {
    const type = m['type'] as OrderMessageType;
    const id = requestId(m['id']);
    if (id === null) {
      const msg =
        m['id'] === undefined
          ? `${type} needs an "id" (the client's request id, echoed in its order.result)`
          : `"id" must be 1..${REQUEST_ID_MAX} printable ASCII characters or a non-negative integer`;
      return this.fail(c, type, null, null, new ApiError(1001, msg));
    }
    if (c.userId === null) {
      const e = new ApiError(2001, 'order entry needs an authenticated connection: send auth first (or ?token=)');
      return this.fail(c, type, id, null, e);
    }
    const key = `${typeof id}:${id}`;
    if (c.orderRequests.has(key)) {
      return this.fail(c, type, id, null, new ApiError(1001, `request id ${JSON.stringify(id)} is already in flight`));
    }
    const params = m['params'];
    let orders: unknown[];
    if (type === 'order.batch_place') {
      const list = typeof params === 'object' && params !== null ? (params as Obj)['orders'] : undefined;
      const extra =
        typeof params === 'object' && params !== null ? Object.keys(params).filter((k) => k !== 'orders') : [];
      if (!Array.isArray(list) || list.length === 0 || list.length > BATCH_MAX || extra.length > 0) {
        const e = new ApiError(1001, `order.batch_place needs params {"orders":[…]} with 1..${BATCH_MAX} orders`);
        return this.fail(c, type, id, null, e);
      }
      orders = list;
    } else {
      if (params === undefined) return this.fail(c, type, id, null, new ApiError(1001, `${type} needs "params"`));
      orders = [params];
    }
    const max = this.d.maxInFlight;
    if (c.ordersInFlight + orders.length > max) {
      const e = new ApiError(4291, `too many orders in flight on this connection (max ${max}): wait for results`);
      return this.fail(c, type, id, null, e);
    }
    const userId = c.userId;
    c.orderRequests.add(key);
    c.ordersInFlight += orders.length;
    let left = orders.length;
    const batch = type === 'order.batch_place';
    orders.forEach((body, i) => {
      const index = batch ? i : null;
      this.run(c, type, userId, body)
        .then(
          (data) => this.send(c, type, { type: 'order.result', id, ...(batch ? { index } : {}), code: 0, data }, 0),
          (e: unknown) => this.fail(c, type, id, index, this.asApiError(e, c), body),
        )
        .finally(() => {
          c.ordersInFlight--;
          if (--left === 0) c.orderRequests.delete(key);
        });
    });
  }

  private async run(c: Connection, type: OrderMessageType, userId: number, body: unknown): Promise<unknown> {
    const cancel = type === 'order.cancel';
    const at = chargeRate(this.d.ctx.limiter, userId, cancel ? 'cancel' : 'order', this.d.ctx.clock());
    return cancel ? cancelOrder(this.d.ctx, userId, body, at) : placeOrder(this.d.ctx, userId, body, at);
  }

  private asApiError(e: unknown, c: Connection): ApiError {
    if (e instanceof ApiError) return e;
    this.d.log.error({ err: e, connection: c.id }, 'order request failed');
    return new ApiError(5000);
  }

  private fail(
    c: Connection,
    type: OrderMessageType,
    id: RequestId | null,
    index: number | null,
    e: ApiError,
    body?: unknown,
  ): void {
    const ids = idsOf(body);
    const orderId = e.details?.['orderId'];
    const data = body === undefined ? null : { ...ids, order_id: typeof orderId === 'number' ? orderId : ids.order_id };
    const frame = { type: 'order.result', id, ...(index !== null ? { index } : {}), code: e.code, msg: e.msg, data };
    this.send(c, type, frame, e.code);
  }

  private send(c: Connection, type: OrderMessageType, frame: object, code: number): void {
    this.d.metrics.wsOrderResults.inc({ type, code: String(code) });
    const text = JSON.stringify(frame);
    // During a resume the order's events may still be waiting behind the replay: the result waits too.
    if (c.pending !== null) c.heldResults.push(text);
    else c.send(text);
  }
}
