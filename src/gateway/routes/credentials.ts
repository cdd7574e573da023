// Revocation routes (issue 9): the admin revokes a key or a whole user; a user revokes one of its own keys.
// Every one is audited; the change takes effect at once (revocations.ts), including closing the WebSocket
// connections the revoked credential opened.
//
// Decisions:
// - POST /api/v1/admin/revoke_key {"api_key"}: unknown key -> 1001 (the admin may know). Revoking a revoked key
//   answers ok again (idempotent, so a retry after an error is safe).
// - POST /api/v1/admin/revoke_user {"user_id"}: unknown user -> 1001; revokes the user and all its keys.
// - POST /api/v1/auth/revoke_key, optional {"api_key"}: without a body, the key behind the calling credential (the
//   signing key, or the key that minted the bearer token); a token without one (admin- or CLI-minted) must name
//   the key (1001). A key that is not the caller's answers 2003 whether or not it exists, so the route does not
//   tell which keys exist (like exchanges' single "invalid API key or permissions" answer).

import type { FastifyInstance } from 'fastify';
import type { ApiKeyRecord } from '../../adapters/store/store.js';
import { ApiError } from '../../errors.js';
import { keyPrefix } from '../../auth/audit.js';
import { clientKey } from '../../auth/throttle.js';
import { keyIdOf } from '../../auth/credentials.js';
import { type GatewayContext, adminAction, audited, ok, requireUser, unwrap } from '../context.js';
import { parseApiKeyBody, parseUserIdBody } from '../../orders/order-request.js';

export function credentialRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/api/v1/admin/revoke_key', async (req, reply) => {
    const key = await adminAction(
      ctx,
      req,
      'admin.revoke_key',
      async () => {
        const apiKey = unwrap(parseApiKeyBody(req.body, true)) as string;
        const record = await ctx.store.findApiKey(apiKey);
        if (record === null) throw new ApiError(1001, 'unknown api_key');
        await ctx.revocations.revokeKey(ctx.store, record);
        return record;
      },
      (r) => ({ user_id: r.userId, key_prefix: keyPrefix(r.apiKey) }),
    );
    return reply.send(ok({ api_key: key.apiKey, user_id: key.userId, revoked: true }));
  });

  app.post('/api/v1/admin/revoke_user', async (req, reply) => {
    const done = await adminAction(
      ctx,
      req,
      'admin.revoke_user',
      async () => {
        const userId = unwrap(parseUserIdBody(req.body));
        if (!(await ctx.store.userExists(userId))) throw new ApiError(1001, `unknown user_id ${userId}`);
        const keys = await ctx.revocations.revokeUser(ctx.store, userId);
        return { user_id: userId, revoked: true, api_keys_revoked: keys };
      },
      (r) => r,
    );
    return reply.send(ok(done));
  });

  app.post('/api/v1/auth/revoke_key', async (req, reply) => {
    const user = await requireUser(ctx, req, 'query');
    const key = await audited(
      req,
      { action: 'user.revoke_key', actor: user.userId, ip: clientKey(req.ip) },
      async () => {
        const named = unwrap(parseApiKeyBody(req.body, false));
        let record: ApiKeyRecord | null;
        if (named !== null) {
          record = await ctx.store.findApiKey(named);
          if (record === null || record.userId !== user.userId) {
            throw new ApiError(2003, 'api_key is not one of your keys');
          }
        } else if (user.keyId !== null) {
          const mine = await ctx.store.listApiKeys(user.userId);
          record = mine.find((k) => keyIdOf(k.apiKey) === user.keyId) ?? null;
          if (record === null) throw new ApiError(2003, 'the key behind this credential is not one of your keys');
        } else {
          throw new ApiError(1001, 'name the api_key to revoke: this credential was not issued from an API key');
        }
        await ctx.revocations.revokeKey(ctx.store, record);
        return record;
      },
      (r) => ({ user_id: r.userId, key_prefix: keyPrefix(r.apiKey) }),
    );
    return reply.send(ok({ api_key: key.apiKey, revoked: true }));
  });
}
