// Admin routes (X-ADMIN-TOKEN): create a user with an API key, deposit, withdraw (revocation: credentials.ts).
// Every one is throttled and audited (context.ts adminAction): one audit line per action with its outcome.

import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { keyPrefix } from '../../auth/audit.js';
import { encryptSecret, issueToken, newApiKey, newApiSecret } from '../../auth/credentials.js';
import { type GatewayContext, adminAction, ok, unwrap } from '../context.js';
import { fmtAsset } from '../../wire/format.js';
import { parseDeposit } from '../../orders/order-request.js';
import { apiErrorOfAck, submit } from '../../orders/order-entry.js';

export interface NewUser {
  readonly userId: number;
  readonly apiKey: string;
  /** Shown once; only its encryption is stored. */
  readonly apiSecret: string;
  readonly token: string;
  readonly tokenExpiresAt: number;
}

/** Creates a user, its API key and a first token. */
export async function createUser(ctx: GatewayContext): Promise<NewUser> {
  const now = ctx.clock();
  const user = await ctx.store.createUser(now);
  const apiKey = newApiKey();
  const apiSecret = newApiSecret();
  await ctx.store.addApiKey({
    apiKey,
    userId: user.userId,
    secretEnc: encryptSecret(apiSecret, ctx.secrets.encryptionKey),
    createdAt: now,
    revoked: false,
  });
  const t = await issueToken(user.userId, ctx.config.tokenTtlSeconds, ctx.secrets.tokenSecret, now);
  return { userId: user.userId, apiKey, apiSecret, token: t.token, tokenExpiresAt: t.expiresAt };
}

export function adminRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/api/v1/admin/users', async (req, reply) => {
    const u = await adminAction(
      ctx,
      req,
      'admin.create_user',
      () => createUser(ctx),
      (r) => ({ user_id: r.userId, key_prefix: keyPrefix(r.apiKey) }),
    );
    return reply.send(
      ok({
        user_id: u.userId,
        api_key: u.apiKey,
        api_secret: u.apiSecret,
        token: u.token,
        token_expires_at: u.tokenExpiresAt,
      }),
    );
  });

  for (const kind of ['deposit', 'withdraw'] as const) {
    app.post(`/api/v1/admin/${kind}`, async (req, reply) => {
      const done = await adminAction(
        ctx,
        req,
        `admin.${kind}`,
        async () => {
          const d = unwrap(parseDeposit(req.body, ctx.market));
          if (!(await ctx.store.userExists(d.userId))) throw new ApiError(1001, `unknown user_id ${d.userId}`);
          const ack = await submit(ctx, { kind, userId: d.userId, assetId: d.assetId, amount: d.amount });
          if (ack.code !== 'OK') throw apiErrorOfAck(ack.code, ack.limited);
          return { user_id: d.userId, asset: d.asset.name, qty: fmtAsset(d.amount, d.asset) };
        },
        (r) => r,
      );
      return reply.send(ok(done));
    });
  }
}
