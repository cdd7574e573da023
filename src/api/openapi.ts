// Builds the OpenAPI 3.1 document of the HTTP API from the route table (http-routes.ts), the request and answer
// schemas, the error catalogue (src/errors.ts) and the running configuration (rate and size limits). Served at
// /openapi.json; docs/openapi.json is the same document for the default configuration (scripts: docs:api).

import type { Config } from '../config.js';
import { ALL_CODES, ERRORS, errorName, httpStatusOf } from '../errors.js';
import { SIGNATURE_WINDOW_MS } from '../auth/credentials.js';
import { errorTable } from './error-table.js';
import { ANSWERS, BODIES, ROUTES, type RateClass, type RouteSpec } from './http-routes.js';
import { type JsonSchema, constant, object, str } from './json-schema.js';
import { BALANCE, DEPTH_LEVEL, KLINE, MARKET_TRADE, ORDER, PRIVATE_EVENTS, USER_TRADE } from './payload-schemas.js';

export const API_VERSION = '1.0.0';

/** The string a client signs (api.md, Authentication). */
export const STRING_TO_SIGN = 'X-TIMESTAMP + METHOD + path_with_query + body';

const FAILURE_CODES = ALL_CODES.filter((c) => c !== 0);

/** Codes every route of an authentication kind can answer, besides its own `errors`. */
function authCodes(r: RouteSpec): number[] {
  switch (r.auth) {
    case 'public':
      return [];
    case 'user':
    case 'signed':
      // 4291: the user's rate, or a ban after failed authentications; 5001: the signature replay cache is full.
      return [2001, 2002, 4291, 5001];
    case 'admin':
      return [2001, 2002, 2003, 4291];
  }
}

/** Every catalogue code a route can answer (1001 for any route with input; 5000 for any route). */
export function routeCodes(r: RouteSpec): number[] {
  const input = r.body !== undefined || (r.parameters?.length ?? 0) > 0 || r.auth !== 'public';
  const codes = new Set([...(input ? [1001] : []), ...authCodes(r), ...r.errors, 5000]);
  return FAILURE_CODES.filter((c) => codes.has(c));
}

const errorBody = (codes: readonly number[]): JsonSchema =>
  object(
    {
      code: { type: 'integer', enum: codes },
      msg: str({ minLength: 1, description: 'what went wrong, for the client developer' }),
      data: { type: 'null' },
    },
    ['code', 'msg', 'data'],
  );

const okEnvelope = (data: JsonSchema): JsonSchema =>
  object({ code: constant(0), msg: constant('ok'), data }, ['code', 'msg', 'data']);

const REQUEST_ID = { $ref: '#/components/headers/X-Request-ID' };

const RATE_SETTING: Record<RateClass, { key: keyof Config['rateLimits']; env: string }> = {
  orders: { key: 'ordersPerSec', env: 'FILLSTREAM_RATE_ORDERS' },
  cancels: { key: 'cancelsPerSec', env: 'FILLSTREAM_RATE_CANCELS' },
  queries: { key: 'queriesPerSec', env: 'FILLSTREAM_RATE_QUERIES' },
};

function security(r: RouteSpec): Record<string, string[]>[] {
  const signed = { apiKey: [], apiTimestamp: [], apiSignature: [] };
  switch (r.auth) {
    case 'public':
      return [];
    case 'signed':
      return [signed];
    case 'user':
      return [{ bearer: [] }, signed, { devUser: [] }];
    case 'admin':
      return [{ admin: [] }];
  }
}

function describe(r: RouteSpec, codes: readonly number[], config: Config): string {
  const lines = [r.summary + '.'];
  if (r.rate !== null) {
    const s = RATE_SETTING[r.rate];
    lines.push(
      `Rate limit: ${config.rateLimits[s.key]} requests per second per user (burst the same; \`${s.env}\`; ` +
        `${r.rate === 'queries' ? 'per gateway' : 'across all gateways'}), past it 429 / 4291.`,
    );
  }
  lines.push(`Errors: ${codes.map((c) => `${c} ${errorName(c)}`).join(', ')}.`);
  return lines.join('\n\n');
}

function operation(r: RouteSpec, config: Config): Record<string, unknown> {
  const codes = routeCodes(r);
  const byStatus = new Map<number, number[]>();
  for (const c of codes) byStatus.set(httpStatusOf(c), [...(byStatus.get(httpStatusOf(c)) ?? []), c]);
  const responses: Record<string, unknown> = {};
  responses[String(r.status)] =
    'data' in r.answer
      ? {
          description: 'success',
          headers: { 'X-Request-ID': REQUEST_ID },
          content: { 'application/json': { schema: okEnvelope({ $ref: `#/components/schemas/${r.answer.data}` }) } },
        }
      : {
          description: 'success',
          headers: { 'X-Request-ID': REQUEST_ID },
          content: Object.fromEntries(r.answer.media.map((m) => [m, {}])),
        };
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    responses[String(status)] = {
      description: list.map((c) => `${c} ${errorName(c)}`).join(', '),
      headers: { 'X-Request-ID': REQUEST_ID },
      content: { 'application/json': { schema: errorBody(list) } },
    };
  }
  responses.default = { $ref: '#/components/responses/ConnectionError' };
  const op: Record<string, unknown> = {
    operationId: r.operationId,
    tags: [r.tag],
    summary: r.summary,
    description: describe(r, codes, config),
    security: security(r),
    responses,
  };
  if (r.parameters !== undefined) op.parameters = r.parameters;
  if (r.body !== undefined) {
    op.requestBody = {
      required: r.body.required,
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${r.body.schema}` } } },
    };
  }
  if (r.rate !== null) {
    const s = RATE_SETTING[r.rate];
    op['x-rate-limit'] = { class: r.rate, perSecond: config.rateLimits[s.key], burst: config.rateLimits[s.key] };
  }
  return op;
}

const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      '`Authorization: Bearer <token>`: an HS256 JWT from POST /api/v1/auth/token or POST /api/v1/admin/users. ' +
      'The same token authenticates the WebSocket (/ws).',
  },
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-KEY',
    description:
      'API key + HMAC: send X-API-KEY, X-TIMESTAMP and X-SIGNATURE together. X-SIGNATURE is the hex of ' +
      `HMAC-SHA256(api_secret, ${STRING_TO_SIGN}): X-TIMESTAMP as sent, METHOD upper case, path_with_query the ` +
      'request target exactly as sent (e.g. `/api/v1/orders?status=NEW`), body the exact bytes sent (empty for a GET). ' +
      `A signature is accepted once; X-TIMESTAMP (ms) at most ${SIGNATURE_WINDOW_MS} ms from the server clock.`,
  },
  apiTimestamp: { type: 'apiKey', in: 'header', name: 'X-TIMESTAMP', description: 'Unix ms of the signature' },
  apiSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-SIGNATURE',
    description: `hex HMAC-SHA256(api_secret, ${STRING_TO_SIGN})`,
  },
  devUser: {
    type: 'apiKey',
    in: 'header',
    name: 'X-User-ID',
    description: 'Development mode only (--dev-auth): the user id, trusted without a credential; else 2002.',
  },
  admin: {
    type: 'apiKey',
    in: 'header',
    name: 'X-ADMIN-TOKEN',
    description: 'The admin token (FILLSTREAM_ADMIN_TOKEN or the generated secrets file); none configured: 2003.',
  },
};

function limitsText(config: Config): string {
  return [
    '| limit | value | setting | holds | past it |',
    '|---|---|---|---|---|',
    `| order requests per user | ${config.rateLimits.ordersPerSec}/s | FILLSTREAM_RATE_ORDERS | cluster-wide | 429 / 4291 |`,
    `| cancel requests per user | ${config.rateLimits.cancelsPerSec}/s | FILLSTREAM_RATE_CANCELS | cluster-wide | 429 / 4291 |`,
    `| query requests per user | ${config.rateLimits.queriesPerSec}/s | FILLSTREAM_RATE_QUERIES | per gateway | 429 / 4291 |`,
    `| request body | ${config.bodyLimitBytes} bytes | FILLSTREAM_BODY_LIMIT_BYTES | per request | 413 / 4131 |`,
    `| failed authentications | ${config.auth.maxFailures} per ${config.auth.failureWindowMs} ms, then a ` +
      `${config.auth.banMs} ms ban | FILLSTREAM_AUTH_* | per gateway | 429 / 4291 |`,
    `| open connections | ${config.limits.maxConnections} | FILLSTREAM_MAX_CONNECTIONS | per gateway | 503 / 5001 |`,
    `| commands waiting for the engine | ${config.queueCapacity} | FILLSTREAM_QUEUE_CAPACITY | per gateway | 503 / 5001 |`,
  ].join('\n');
}

/** The OpenAPI 3.1 document for a configuration. */
export function buildOpenApi(config: Config): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) (paths[r.path] ??= {})[r.method.toLowerCase()] = operation(r, config);
  const shared: Record<string, JsonSchema> = {
    Order: ORDER,
    UserTrade: USER_TRADE,
    Balance: BALANCE,
    MarketTrade: MARKET_TRADE,
    DepthLevel: DEPTH_LEVEL,
    Kline: KLINE,
    OrderUpdateEvent: PRIVATE_EVENTS['order.update'],
    TradeEvent: PRIVATE_EVENTS.trade,
    BalanceUpdateEvent: PRIVATE_EVENTS['balance.update'],
    Error: errorBody(FAILURE_CODES),
  };
  const schemas: Record<string, JsonSchema> = {};
  for (const part of [BODIES, shared, ANSWERS]) {
    for (const [name, schema] of Object.entries(part)) {
      if (name in schemas) throw new Error(`two component schemas named ${name}`);
      schemas[name] = schema;
    }
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'fillstream HTTP API',
      version: API_VERSION,
      description: [
        'Spot-exchange core. Every answer is `{"code":0,"msg":"ok","data":...}`; an error has a catalogue `code`, ' +
          'a `msg` and `data: null`. Amounts and prices are decimal strings. Readable guide: docs/api.md; the ' +
          'WebSocket push protocol: /asyncapi.json and docs/ws-protocol.md.',
        '## Error catalogue',
        errorTable(),
        '## Limits',
        limitsText(config),
      ].join('\n\n'),
    },
    servers: [{ url: '/', description: 'this server' }],
    tags: ['trading', 'queries', 'market', 'admin', 'operations', 'documents', 'console'].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: SECURITY_SCHEMES,
      headers: {
        'X-Request-ID': {
          description: "the client's X-Request-ID when it is 1..64 of A-Z a-z 0-9 . _ : -, else one the server makes",
          schema: str(),
        },
      },
      responses: {
        ConnectionError: {
          description:
            'Errors any route can answer before it runs: connection caps (503 / 5001), a request too slow ' +
            '(408 / 4081), headers too large (431 / 4311), an over-long path parameter (414 / 4141), an unknown ' +
            'route (404 / 4041), an internal error (500 / 5000, naming the request id).',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    },
    'x-error-catalogue': Object.entries(ERRORS).map(([name, e]) => ({
      name,
      code: e.code,
      http: e.http,
      ws_close: e.ws,
      message: e.message,
    })),
  };
}
