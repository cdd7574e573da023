// Checks real traffic against the API documents: every HTTP answer the suites receive (TestServer.request) against
// the OpenAPI document's schema for its route and status, every accepted request body against its request schema,
// and every WebSocket frame the push tests receive (RawClient) against its message schema in the AsyncAPI table.
// Counts what it saw, so suites can report and require coverage.

import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { loadConfig } from '../../src/config.js';
import { ROUTES, type RouteSpec } from '../../src/api/http-routes.js';
import { buildOpenApi } from '../../src/api/openapi.js';
import { WS_MESSAGES } from '../../src/api/ws-messages.js';
import { httpStatusOf } from '../../src/errors.js';

const ajv = new Ajv2020({ strict: false, allErrors: true, allowUnionTypes: true });
const doc = buildOpenApi(loadConfig({ env: {} })) as {
  paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
};
ajv.addSchema(doc, 'openapi');

const pointer = (...parts: string[]) =>
  'openapi#/' + parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

const compiled = new Map<string, ValidateFunction>();
function validator(ref: string): ValidateFunction {
  let v = compiled.get(ref);
  if (v === undefined) {
    v = ajv.compile({ $ref: ref });
    compiled.set(ref, v);
  }
  return v;
}

const errorsOf = (v: ValidateFunction) => ajv.errorsText(v.errors, { separator: '; ' });

/** Codes any route may answer before it runs (components.responses.ConnectionError). */
const CONNECTION_CODES = new Set([4041, 4081, 4141, 4311, 5001, 5000]);

const routeMatchers = ROUTES.map((r) => ({
  route: r,
  re: new RegExp(`^${r.path.replace(/\{[a-z_]+\}/g, '[^/]+')}$`),
}));

export function routeOf(method: string, path: string): RouteSpec | undefined {
  const p = path.split('?')[0] as string;
  return routeMatchers.find((m) => m.route.method === method && m.re.test(p))?.route;
}

/** `METHOD path status` of every answer checked. */
export const seenResponses = new Map<string, number>();
/** Message types received and checked. */
export const seenMessages = new Map<string, number>();
export const seenRequestBodies = new Map<string, number>();

const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

export interface CheckedResponse {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly contentType: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  readonly body: unknown;
  /** The JSON body sent, if any. */
  readonly requestBody?: unknown;
}

/** Null when the answer matches the document; else what is wrong. */
export function checkHttpResponse(r: CheckedResponse): string | null {
  if (r.method === 'HEAD') return null;
  const route = routeOf(r.method, r.path);
  const what = `${r.method} ${r.path} ${r.status}`;
  if (route === undefined) {
    // No such route: the not-found answer (or a framework error before routing).
    const v = validator(pointer('components', 'schemas', 'Error'));
    if (!v(r.body)) return `${what}: not an error envelope: ${errorsOf(v)}`;
    count(seenResponses, `(no route) ${r.status}`);
    return null;
  }
  const key = `${route.method} ${route.path} ${r.status}`;
  const responses = doc.paths[route.path]?.[route.method.toLowerCase()]?.responses ?? {};
  const documented = responses[String(r.status)] as { content?: Record<string, unknown> } | undefined;
  if (documented === undefined) {
    // Only the connection-level errors of the default response may come undocumented.
    const code = (r.body as { code?: unknown } | undefined)?.code;
    if (typeof code !== 'number' || !CONNECTION_CODES.has(code) || httpStatusOf(code) !== r.status) {
      return `${what}: status not documented for ${route.operationId} (body ${JSON.stringify(r.body)?.slice(0, 200)})`;
    }
    const v = validator(pointer('components', 'schemas', 'Error'));
    if (!v(r.body)) return `${what}: ${errorsOf(v)}`;
    count(seenResponses, key);
    return null;
  }
  const media = Object.keys(documented.content ?? {});
  const type = r.contentType.split(';')[0]?.trim() ?? '';
  if (!media.includes(type)) return `${what}: content-type ${r.contentType}, documented ${media.join(', ')}`;
  const schema = (documented.content?.[type] as { schema?: unknown } | undefined)?.schema;
  if (schema !== undefined) {
    const v = validator(
      pointer(
        'paths',
        route.path,
        route.method.toLowerCase(),
        'responses',
        String(r.status),
        'content',
        type,
        'schema',
      ),
    );
    if (!v(r.body)) return `${what}: ${errorsOf(v)}; body ${JSON.stringify(r.body)?.slice(0, 300)}`;
  }
  // An accepted request's body must match its documented schema too (the schema is never stricter).
  if (r.status < 300 && route.body !== undefined && r.requestBody !== undefined) {
    const v = validator(pointer('components', 'schemas', route.body.schema));
    if (!v(r.requestBody))
      return `${what}: the accepted request body does not match ${route.body.schema}: ${errorsOf(v)}`;
    count(seenRequestBodies, route.body.schema);
  }
  count(seenResponses, key);
  return null;
}

const wsValidators = new Map(
  WS_MESSAGES.map((m) => [`${m.from} ${m.type}`, ajv.compile(m.schema as Record<string, unknown>)]),
);

/** Null when a frame the server sent matches its message schema; else what is wrong. */
export function checkServerMessage(m: unknown): string | null {
  const type = (m as { type?: unknown }).type;
  const v = typeof type === 'string' ? wsValidators.get(`server ${type}`) : undefined;
  if (v === undefined) return `undocumented server message type ${JSON.stringify(type)}`;
  if (!v(m)) return `${String(type)}: ${errorsOf(v)}; message ${JSON.stringify(m).slice(0, 300)}`;
  count(seenMessages, type as string);
  return null;
}

/** Null when a client message matches its schema. */
export function checkClientMessage(m: unknown): string | null {
  const type = (m as { type?: unknown }).type;
  const v = typeof type === 'string' ? wsValidators.get(`client ${type}`) : undefined;
  if (v === undefined) return `undocumented client message type ${JSON.stringify(type)}`;
  return v(m) ? null : `${String(type)}: ${errorsOf(v)}`;
}

/** Every success answer the document lists: `METHOD path status`. */
export function documentedSuccesses(): string[] {
  return ROUTES.map((r) => `${r.method} ${r.path} ${r.status}`);
}
