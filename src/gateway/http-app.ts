// The HTTP API as a Fastify app: request ids, strict JSON parsing (the raw body kept for signatures), security
// headers, the mapping of Fastify's own errors and of thrown ApiErrors to the catalogue's envelopes, per-route
// metrics, and the routes. The node that serves it (node/server-node.ts) gives it its context and the connection
// guard, and attaches the WebSocket push server to the same listener.

import { randomBytes } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { ApiError } from '../errors.js';
import { parseStrictJson } from '../wire/strict-json.js';
import type { ConnectionGuard } from './connection-guard.js';
import type { GatewayContext } from './context.js';
import { SECURITY_HEADERS, clientErrorHandler, httpServerFactory } from './http-listener.js';
import { lazyChildLoggerFactory } from './lazy-logger.js';
import { adminRoutes } from './routes/admin.js';
import { consoleRoutes } from './routes/console.js';
import { credentialRoutes } from './routes/credentials.js';
import { documentRoutes } from './routes/documents.js';
import { opsRoutes } from './routes/ops.js';
import { publicRoutes } from './routes/public.js';
import { queryRoutes } from './routes/queries.js';
import { tradingRoutes } from './routes/trading.js';

/** A client's X-Request-ID is kept only when it is a short plain token; otherwise the server makes its own. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Fastify's own 4xx errors (parsers, URL, limits) as catalogue errors. */
function frameworkError(err: FastifyError, ctx: GatewayContext): ApiError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(4131, `request body larger than ${ctx.config.bodyLimitBytes} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(1001, 'send JSON with Content-Type: application/json');
    case 'FST_ERR_BAD_URL':
      return new ApiError(1001, 'malformed URL (bad percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError(4141, 'a path parameter is longer than 100 characters');
  }
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status === 413) return new ApiError(4131);
  if (status === 414) return new ApiError(4141);
  if (status >= 400 && status < 500) return new ApiError(1001, err.message);
  return null;
}

/** A registered route (HEAD routes Fastify adds for GET are left out). */
export interface RouteInfo {
  readonly method: string;
  readonly url: string;
}

export function buildApp(
  ctx: GatewayContext,
  guard: ConnectionGuard,
  log: Logger,
): { app: FastifyInstance; routes: RouteInfo[] } {
  // Request ids: a random prefix per start and a counter (unique across restarts, cheaper than a UUID each).
  const bootId = randomBytes(4).toString('hex');
  let requests = 0;
  const app = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    bodyLimit: ctx.config.bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLoggerFactory,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && CLIENT_REQUEST_ID.test(given)
        ? given
        : `${bootId}-${(++requests).toString(36)}`;
    },
    serverFactory: httpServerFactory(ctx.config, guard),
    clientErrorHandler: clientErrorHandler(ctx.config),
    frameworkErrors: (err, req, reply) => {
      const api = frameworkError(err, ctx) ?? new ApiError(1001, 'malformed request');
      const r = reply as unknown as FastifyReply;
      void r.code(api.httpStatus).headers(SECURITY_HEADERS).header('x-request-id', req.id).send(api.toBody());
    },
  });
  // JSON only: a text/plain body is refused as such instead of reaching a route as a string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    req.rawBody = text;
    if (text.trim() === '') return done(null, undefined);
    const r = parseStrictJson(text);
    if (r.ok) done(null, r.value);
    else done(new ApiError(1001, r.msg === 'malformed JSON' ? 'malformed JSON body' : r.msg), undefined);
  });
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });
  app.addHook('onRequest', (req, reply, done) => {
    void reply.headers(SECURITY_HEADERS).header('x-request-id', req.id);
    done();
  });
  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.observeHttp(req.routeOptions.url ?? 'unknown', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    let api = err instanceof ApiError ? err : frameworkError(err, ctx);
    if (api === null) {
      req.log.error({ err, reqId: req.id }, 'internal error');
      api = new ApiError(5000, `internal error (request id ${req.id})`);
    }
    void reply.code(api.httpStatus).send(api.toBody());
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] as string;
    const shown = path.length > 100 ? `${path.slice(0, 100)}...` : path;
    void reply.code(404).send(new ApiError(4041, `no route ${req.method} ${shown}`).toBody());
  });
  tradingRoutes(app, ctx);
  queryRoutes(app, ctx);
  publicRoutes(app, ctx);
  adminRoutes(app, ctx);
  credentialRoutes(app, ctx);
  opsRoutes(app, ctx);
  consoleRoutes(app, ctx);
  documentRoutes(app, ctx);
  return { app, routes };
}
