// Trading routes: create_order and cancel_order (answered once the command's
// batch has committed), and auth/token for API-key holders.

import type { FastifyInstance } from 'fastify';
import { ApiError, apiErrorOfResult } from '../../errors.js';
import { EngineUnavailableError, QueueFullError } from '../../pipeline/engine-host.js';
import type { Ack } from '../../pipeline/protocol.js';
import { issueToken } from '../auth.js';
import { type GatewayContext, ok, requireUser, unwrap, withoutOwnUserId } from '../context.js';
import { parseCancel, parseCreateOrder } from '../order-request.js';

/** Sends a command to the engine, mapping overload and outages to 5001. */
export async function submit(
  ctx: GatewayContext,
  cmd: Parameters<GatewayContext['engine']['submit']>[0],
): Promise<Ack> {
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
    if (e instanceof EngineUnavailableError) throw new ApiError(5001, 'the engine is not available');
    throw e;
  } finally {
    ctx.metrics.queueDepth.set(ctx.engine.inFlight);
  }
}

export function tradingRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/api/v1/create_order', async (req, reply) => {
    const user = await requireUser(ctx, req, 'order');
    const p = unwrap(parseCreateOrder(withoutOwnUserId(req.body, user), ctx.market));
    const ack = await submit(ctx, {
      kind: 'place',
      userId: user.userId,
      symbolId: p.symbolId,
      side: p.side,
      orderType: p.orderType,
      tif: p.tif,
      price: p.price,
      qty: p.qty,
      quoteQty: p.quoteQty,
      cid: p.cid,
    });
    ctx.metrics.orders.inc({ result: ack.code });
    // The core's verdict is known and committed: a rejection answers 4xx (its REJECTED order.update is logged too).
    if (ack.code !== 'OK') throw apiErrorOfResult(ack.code);
    return reply
      .code(202)
      .send(ok({ order_id: ack.orderId, cid: p.cid, order_status: 'ACCEPTED', accepted_at: ack.ts }));
  });

  app.post('/api/v1/cancel_order', async (req, reply) => {
    const user = await requireUser(ctx, req, 'cancel');
    const c = unwrap(parseCancel(withoutOwnUserId(req.body, user)));
    const ack = await submit(ctx, { kind: 'cancel', userId: user.userId, orderId: c.orderId, cid: c.cid });
    if (ack.code === 'NOT_ORDER_OWNER') throw new ApiError(4001, 'order not found');
    if (ack.code !== 'OK') throw apiErrorOfResult(ack.code);
    if (ack.canceled) return reply.send(ok({ order_id: ack.orderId, cid: c.cid, order_status: 'CANCEL_PENDING' }));
    // Not open: either it already ended (answer its final status) or the user has no such order (4001).
    if (c.orderId !== null) {
      const o = await ctx.store.getOrder(user.userId, c.orderId);
      if (o !== null) return reply.send(ok({ order_id: o.orderId, cid: o.cid, order_status: o.status }));
    }
    throw new ApiError(4001, c.cid !== null ? `no open order with cid "${c.cid}"` : 'order not found');
  });

  app.post('/api/v1/auth/token', async (req, reply) => {
    const user = await requireUser(ctx, req, 'query');
    if (user.via !== 'api_key') throw new ApiError(2003, 'a token is issued only to a request signed with an API key');
    // The token names its key (akid), so revoking the key refuses it too.
    const keyId = user.keyId ?? undefined;
    const t = await issueToken(user.userId, ctx.config.tokenTtlSeconds, ctx.secrets.tokenSecret, ctx.clock(), keyId);
    return reply.send(ok({ user_id: user.userId, token: t.token, expires_at: t.expiresAt }));
  });
}
