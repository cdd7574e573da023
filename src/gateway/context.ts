// What every route needs: config, market lookups, the engine, the reading store, the market-data mirror, auth
// (revocations, replay guard, failed-authentication throttle), rate limits, metrics and secrets; and the two
// guards every private route starts with: requireUser and requireAdmin (throttled, audited), plus adminAction,
// which runs an admin route's work and writes its audit line.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config, MarketIndex } from '../config.js';
import type { Store } from '../adapters/store/store.js';
import type { EnginePort } from '../pipeline/engine-port.js';
import type { MarketData } from '../pipeline/market-data.js';
import { ApiError } from '../errors.js';
import { type Authenticated, type Secrets, authenticate, checkAdmin, decryptSecret } from '../auth/credentials.js';
import { auditAction, auditAuthFailure, auditBan, type ActionRecord } from '../auth/audit.js';
import { type AuthThrottle, clientKey } from '../auth/throttle.js';
import type { RateClass, RateLimiter } from '../rate-limit.js';
import { chargeRate } from '../orders/order-entry.js';
import type { Metrics } from '../metrics.js';
import type { ReplayGuard } from '../auth/replay-guard.js';
import type { Revocations } from '../auth/revocations.js';

export interface GatewayContext {
  readonly config: Config;
  readonly market: MarketIndex;
  readonly engine: EnginePort;
  readonly store: Store;
  readonly marketData: MarketData;
  readonly limiter: RateLimiter;
  readonly metrics: Metrics;
  readonly secrets: Secrets;
  readonly clock: () => number;
  readonly revocations: Revocations;
  readonly replay: ReplayGuard;
  readonly throttle: AuthThrottle;
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

function firstHeader(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

const routeOf = (req: FastifyRequest): string => req.routeOptions.url ?? req.url.split('?')[0] ?? '';

/** Throws 4291 when the peer address (or the API key it presents) is banned for failed authentications. */
function refuseIfBanned(ctx: GatewayContext, ip: string, apiKey: string | undefined): void {
  const banned = ctx.throttle.check(ip, apiKey, ctx.clock());
  if (banned === null) return;
  ctx.metrics.authFailures.inc({ channel: 'http', code: '4291' });
  throw banned;
}

/** Audits a refused credential, counts it towards the bans, and audits a ban it starts. */
function failed(ctx: GatewayContext, req: FastifyRequest, ip: string, apiKey: string | undefined, e: ApiError): void {
  ctx.metrics.authFailures.inc({ channel: 'http', code: String(e.code) });
  const userId = typeof e.details?.['userId'] === 'number' ? e.details['userId'] : null;
  auditAuthFailure(req.log, {
    channel: 'http',
    method: req.method,
    route: routeOf(req),
    code: e.code,
    reason: e.msg,
    ip,
    userId,
    apiKey,
  });
  for (const ban of ctx.throttle.fail(ip, apiKey, ctx.clock())) {
    auditBan(req.log, { channel: 'http', scope: ban.scope, ip, apiKey, until: ban.until });
  }
}

/** An authenticated user whose rate-limit class was charged at `chargedAt` (ms). */
export type ChargedUser = Authenticated & { readonly chargedAt: number };

/** Authenticates a user request and charges its rate-limit class; throws ApiError. */
export async function requireUser(ctx: GatewayContext, req: FastifyRequest, cls: RateClass): Promise<ChargedUser> {
  const ip = clientKey(req.ip);
  // The API key counts only when it is the credential used (a bearer token takes precedence, see auth.ts).
  const apiKey = firstHeader(req, 'authorization') === undefined ? firstHeader(req, 'x-api-key') : undefined;
  refuseIfBanned(ctx, ip, apiKey);
  const auth = await authenticate(
    { headers: req.headers, method: req.method, pathWithQuery: req.url, body: req.rawBody ?? '' },
    {
      tokenSecret: ctx.secrets.tokenSecret,
      devAuth: ctx.config.devAuth,
      lookupApiKey: (k) => ctx.store.findApiKey(k),
      decryptSecret: (enc) => decryptSecret(enc, ctx.secrets.encryptionKey),
      revoked: ctx.revocations,
      replay: ctx.replay,
    },
    ctx.clock(),
  );
  if (auth instanceof ApiError) {
    if (auth.code === 2001 || auth.code === 2002) failed(ctx, req, ip, apiKey, auth);
    throw auth;
  }
  return { ...auth, chargedAt: chargeRate(ctx.limiter, auth.userId, cls, ctx.clock()) };
}

/** Checks the admin credential (throttled and audited like user credentials); throws ApiError. */
export function requireAdmin(ctx: GatewayContext, req: FastifyRequest): void {
  const ip = clientKey(req.ip);
  refuseIfBanned(ctx, ip, undefined);
  const err = checkAdmin(req.headers, ctx.secrets.adminToken);
  if (err === null) return;
  // Admin disabled (2003 without a token to check) is no guess; anything else presented and refused is.
  if (ctx.secrets.adminToken !== null) failed(ctx, req, ip, undefined, err);
  throw err;
}

/**
 * Runs an admin action after requireAdmin and writes its audit line: outcome ok with `describe(result)` as the
 * target, refused with the ApiError's code, or error. Rethrows.
 */
export async function adminAction<T>(
  ctx: GatewayContext,
  req: FastifyRequest,
  action: string,
  run: () => Promise<T>,
  describe: (result: T) => ActionRecord['target'],
): Promise<T> {
  requireAdmin(ctx, req);
  return audited(req, { action, actor: 'admin', ip: clientKey(req.ip) }, run, describe);
}

/** Runs `run` and writes an audit line for it (see adminAction); for user actions too. */
export async function audited<T>(
  req: FastifyRequest,
  who: Pick<ActionRecord, 'action' | 'actor' | 'ip'>,
  run: () => Promise<T>,
  describe: (result: T) => ActionRecord['target'],
): Promise<T> {
  let result: T;
  try {
    result = await run();
  } catch (e) {
    const api = e instanceof ApiError ? e : null;
    auditAction(req.log, {
      ...who,
      outcome: api !== null && api.code < 5000 ? 'refused' : 'error',
      code: api?.code ?? 5000,
      reason: api?.msg ?? 'internal error',
    });
    throw e;
  }
  auditAction(req.log, { ...who, outcome: 'ok', target: describe(result) });
  return result;
}

/** Throws the ApiError a parser returned. */
export function unwrap<T>(v: T | ApiError): T {
  if (v instanceof ApiError) throw v;
  return v;
}

export function sendRaw(reply: FastifyReply, status: number, json: string): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(json);
}
