// Trading routes: create_order and cancel_order (answered once the command's
// batch has committed; the work is order-entry.ts, shared with the WebSocket),
// and auth/token for API-key holders.

import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { issueToken } from '../../auth/credentials.js';
import { type GatewayContext, ok, requireUser } from '../context.js';
import { cancelOrder, placeOrder } from '../../orders/order-entry.js';

export function tradingRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/api/v1/create_order', async (req, reply) => {
    const user = await requireUser(ctx, req, 'order');
    return reply.code(202).send(ok(await placeOrder(ctx, user.userId, req.body, user.chargedAt)));
  });

  app.post('/api/v1/cancel_order', async (req, reply) => {
    const user = await requireUser(ctx, req, 'cancel');
    return reply.send(ok(await cancelOrder(ctx, user.userId, req.body, user.chargedAt)));
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
