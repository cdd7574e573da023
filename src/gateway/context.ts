// What every route needs: config, market lookups, the engine, the reading
// store, the market-data mirror, auth, rate limits, metrics and secrets.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config, MarketIndex } from '../config.js';
import type { Store } from '../adapters/store/store.js';
import type { EngineHost } from '../pipeline/engine-host.js';
import type { MarketData } from '../pipeline/market-data.js';
import { ApiError } from '../errors.js';
import { type Authenticated, authenticate, decryptSecret } from './auth.js';
import type { RateClass, RateLimiter } from './rate-limit.js';
import type { Metrics } from './metrics.js';

export interface Secrets {
  readonly tokenSecret: string;
  readonly encryptionKey: string;
  readonly adminToken: string | null;
}

export interface GatewayContext {
  readonly config: Config;
  readonly market: MarketIndex;
  readonly engine: EngineHost;
  readonly store: Store;
  readonly marketData: MarketData;
  readonly limiter: RateLimiter;
  readonly metrics: Metrics;
  readonly secrets: Secrets;
  readonly clock: () => number;
}

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

/** The success envelope of api.md. */
export function ok<T>(data: T): { code: 0; msg: 'ok'; data: T } {
  return { code: 0, msg: 'ok', data };
}

/** Authenticates a user request and charges its rate-limit class; throws ApiError. */
export async function requireUser(ctx: GatewayContext, req: FastifyRequest, cls: RateClass): Promise<Authenticated> {
  const auth = await authenticate(
    { headers: req.headers, method: req.method, pathWithQuery: req.url, body: req.rawBody ?? '' },
    {
      tokenSecret: ctx.secrets.tokenSecret,
      devAuth: ctx.config.devAuth,
      lookupApiKey: (k) => ctx.store.findApiKey(k),
      decryptSecret: (enc) => decryptSecret(enc, ctx.secrets.encryptionKey),
    },
    ctx.clock(),
  );
  if (auth instanceof ApiError) throw auth;
  if (!ctx.limiter.take(auth.userId, cls, ctx.clock())) {
    throw new ApiError(4291, `rate limit exceeded for ${cls} requests (${ctx.limiter.burst(cls)} per second)`);
  }
  return auth;
}

/**
 * A trading body may name its user (`"user_id": 1001`, as the original design's client sends it): allowed when it
 * is the authenticated user, refused with 2003 when it names another; the field is dropped before parsing.
 */
export function withoutOwnUserId(body: unknown, user: Authenticated): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('user_id' in body)) return body;
  const { user_id: named, ...rest } = body as Record<string, unknown>;
  const id = typeof named === 'string' && /^[1-9][0-9]{0,15}$/.test(named) ? Number(named) : named;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw new ApiError(1001, '"user_id" must be a positive integer (or leave it out)');
  }
  if (id !== user.userId) throw new ApiError(2003, `"user_id" ${id} is not the authenticated user`);
  return rest;
}

/** Throws the ApiError a parser returned. */
export function unwrap<T>(v: T | ApiError): T {
  if (v instanceof ApiError) throw v;
  return v;
}

export function sendRaw(reply: FastifyReply, status: number, json: string): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(json);
}
