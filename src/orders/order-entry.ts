// Order entry shared by both transports (POST create_order / cancel_order and the WebSocket's order.place /
// order.cancel / order.batch_place): the per-user rate-limit charge (this gateway's bucket; the engine charges its
// own at the same time, which is what holds across gateways: src/pipeline/user-rate-limits.ts), validation of the
// body, the engine submit (overload and outages -> 5001; in a cluster, a command settled as not applied -> 5002 and
// one whose outcome is unknown -> 5001 saying how to look it up: docs/api.md "Order entry in a cluster") and the
// answer's data. Every refusal is thrown as an
// ApiError; the caller authenticates and renders (an HTTP envelope or an order.result frame).

import { ApiError, apiErrorOfResult } from '../errors.js';
import { EngineUnavailableError, QueueFullError } from '../pipeline/engine-host.js';
import { CommandNotAppliedError, CommandOutcomeUnknownError } from '../pipeline/engine-port.js';
import type { Ack, AckCode } from '../pipeline/protocol.js';
import type { MarketIndex } from '../config.js';
import type { Store } from '../adapters/store/store.js';
import type { EnginePort } from '../pipeline/engine-port.js';
import type { Metrics } from '../metrics.js';
import { parseCancel, parseCreateOrder } from './order-request.js';
import type { RateClass, RateLimiter } from '../rate-limit.js';

/** What order entry needs of a node: the HTTP routes' context and the push server's both provide it. */
export interface OrderEntryContext {
  readonly engine: EnginePort;
  readonly market: MarketIndex;
  readonly metrics: Metrics;
  readonly store: Store;
  readonly limiter: RateLimiter;
  readonly clock: () => number;
}

export interface PlacedOrder {
  readonly order_id: number | null;
  readonly cid: string | null;
  readonly order_status: 'ACCEPTED';
  readonly accepted_at: number;
}

export interface CanceledOrder {
  readonly order_id: number;
  readonly cid: string | null;
  readonly order_status: string;
}

/** The one 4291 of a per-user rate limit, whether this gateway's bucket or the engine's refused the request. */
export function rateLimitError(cls: RateClass, perSec: number): ApiError {
  return new ApiError(4291, `rate limit exceeded for ${cls} requests (${perSec} per second)`);
}

/**
 * Charges one request of `cls` to the user's bucket (shared by HTTP and WebSocket) at `now`; throws 4291 when
 * empty. Returns `now`: an order or cancel passes it on to the engine (`at`), which charges its bucket then too.
 */
export function chargeRate(limiter: RateLimiter, userId: number, cls: RateClass, now: number): number {
  if (!limiter.take(userId, cls, now)) throw rateLimitError(cls, limiter.burst(cls));
  return now;
}

/** The ApiError of an answer that is not OK: the engine's rate limit, or the core's verdict. */
export function apiErrorOfAck(code: Exclude<AckCode, 'OK'>, limited: Ack['limited']): ApiError {
  if (code !== 'RATE_LIMITED') return apiErrorOfResult(code);
  return limited === undefined ? new ApiError(4291) : rateLimitError(limited.cls, limited.perSec);
}

/**
 * A trading body may name its user (`"user_id": 1001`, as the original design's client sends it): allowed when it
 * is the authenticated user, refused with 2003 when it names another; the field is dropped before parsing.
 */
export function withoutOwnUserId(body: unknown, userId: number): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('user_id' in body)) return body;
  const { user_id: named, ...rest } = body as Record<string, unknown>;
  const id = typeof named === 'string' && /^[1-9][0-9]{0,15}$/.test(named) ? Number(named) : named;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw new ApiError(1001, '"user_id" must be a positive integer (or leave it out)');
  }
  if (id !== userId) throw new ApiError(2003, `"user_id" ${id} is not the authenticated user`);
  return rest;
}

type Command = Parameters<EnginePort['submit']>[0];

/** 5002: the command log records the command as expired; no engine applies it, ever. */
function notApplied(cmd: Command): ApiError {
  if (cmd.kind === 'cancel') {
    return new ApiError(
      5002,
      'the cancel was not applied: the engine did not take it before its deadline; send it again',
    );
  }
  const what = cmd.kind === 'place' ? 'the order was not placed' : 'the command was not applied';
  return new ApiError(5002, `${what}: the engine did not take it before its deadline (it never will); send it again`);
}

/** 5001 outcome unknown: applied once or not at all, and how to find out. */
function outcomeUnknown(cmd: Command): ApiError {
  const head = 'outcome unknown: the engine did not answer in time and the command log could not be read';
  if (cmd.kind === 'place') {
    const how =
      cmd.cid !== null
        ? `look the order up by its cid (GET /api/v1/order?cid=${encodeURIComponent(cmd.cid)}) before sending it again`
        : 'it was placed once or not at all; look for it in GET /api/v1/orders (give orders a cid to look them up by cid: GET /api/v1/order?cid=…)';
    return new ApiError(5001, `${head}; ${how}`);
  }
  if (cmd.kind === 'cancel') {
    const ref = cmd.cid !== null ? `?cid=${encodeURIComponent(cmd.cid)}` : `/${String(cmd.orderId)}`;
    return new ApiError(5001, `${head}; look the order up (GET /api/v1/order${ref}) to see whether it was canceled`);
  }
  return new ApiError(5001, `${head}; it was applied once or not at all`);
}

/** Sends a command to the engine, mapping overload and outages to 5001 (cluster outcomes: 5002 / 5001). */
export async function submit(ctx: Pick<OrderEntryContext, 'engine' | 'metrics'>, cmd: Command): Promise<Ack> {
  try {
    ctx.metrics.queueDepth.set(ctx.engine.inFlight + 1);
    const t0 = performance.now();
    const ack = await ctx.engine.submit(cmd);
    ctx.metrics.engineRoundTrip.observe((performance.now() - t0) / 1000);
    return ack;
  } catch (e) {
    if (e instanceof QueueFullError) {
      ctx.metrics.queueRejects.inc();
      throw new ApiError(5001, 'the engine queue is full, retry shortly');
    }
    if (e instanceof CommandNotAppliedError) throw notApplied(cmd);
    if (e instanceof CommandOutcomeUnknownError) throw outcomeUnknown(cmd);
    if (e instanceof EngineUnavailableError) throw new ApiError(5001, 'the engine is not available');
    throw e;
  } finally {
    ctx.metrics.queueDepth.set(ctx.engine.inFlight);
  }
}

/**
 * Validates and places one order for an authenticated user whose rate limit was already charged at `chargedAt`;
 * resolves once the command's batch has committed (its pushes were written first). A core rejection is thrown
 * (4xx) after the commit, with `details.orderId` naming the REJECTED order; the engine's rate limit: 4291.
 */
export async function placeOrder(
  ctx: OrderEntryContext,
  userId: number,
  body: unknown,
  chargedAt: number,
): Promise<PlacedOrder> {
  const p = parseCreateOrder(withoutOwnUserId(body, userId), ctx.market);
  if (p instanceof ApiError) throw p;
  const ack = await submit(ctx, {
    kind: 'place',
    userId,
    symbolId: p.symbolId,
    side: p.side,
    orderType: p.orderType,
    tif: p.tif,
    price: p.price,
    qty: p.qty,
    quoteQty: p.quoteQty,
    cid: p.cid,
    at: chargedAt,
  });
  ctx.metrics.orders.inc({ result: ack.code });
  if (ack.code === 'RATE_LIMITED') throw apiErrorOfAck(ack.code, ack.limited);
  // The core's verdict is known and committed: a rejection answers 4xx (its REJECTED order.update is logged too).
  if (ack.code !== 'OK') {
    const e = apiErrorOfResult(ack.code);
    throw new ApiError(e.code, e.msg, { ...e.details, orderId: ack.orderId });
  }
  return { order_id: ack.orderId, cid: p.cid, order_status: 'ACCEPTED', accepted_at: ack.ts };
}

/** Validates and cancels one order (by order_id or cid) for an authenticated user charged at `chargedAt`. */
export async function cancelOrder(
  ctx: OrderEntryContext,
  userId: number,
  body: unknown,
  chargedAt: number,
): Promise<CanceledOrder> {
  const c = parseCancel(withoutOwnUserId(body, userId));
  if (c instanceof ApiError) throw c;
  const ack = await submit(ctx, { kind: 'cancel', userId, orderId: c.orderId, cid: c.cid, at: chargedAt });
  if (ack.code === 'NOT_ORDER_OWNER') throw new ApiError(4001, 'order not found');
  if (ack.code !== 'OK') throw apiErrorOfAck(ack.code, ack.limited);
  if (ack.canceled) return { order_id: ack.orderId as number, cid: c.cid, order_status: 'CANCEL_PENDING' };
  // Not open: either it already ended (answer its final status) or the user has no such order (4001).
  if (c.orderId !== null) {
    const o = await ctx.store.getOrder(userId, c.orderId);
    if (o !== null) return { order_id: o.orderId, cid: o.cid, order_status: o.status };
  }
  throw new ApiError(4001, c.cid !== null ? `no open order with cid "${c.cid}"` : 'order not found');
}
