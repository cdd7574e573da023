// The API documents: /openapi.json is a valid OpenAPI 3.1 document and /asyncapi.json a valid AsyncAPI 3.0 one
// (checked by @seriousme/openapi-schema-validator and @asyncapi/parser); every route the gateway registers is in
// the OpenAPI document and no other; every catalogue error is there with its HTTP status; every message type of
// docs/ws-protocol.md is in the AsyncAPI document with an example that matches its schema; the committed
// docs/openapi.json and docs/asyncapi.json are what the code generates; /docs serves a reference page that loads
// only assets of the server itself.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildAsyncApi } from '../../src/api/asyncapi.js';
import { ROUTES } from '../../src/api/http-routes.js';
import { buildOpenApi, routeCodes } from '../../src/api/openapi.js';
import { WS_MESSAGES } from '../../src/api/ws-messages.js';
import { documentTexts } from '../../src/api/write-documents.js';
import { ERRORS, WS_CLOSE } from '../../src/errors.js';
import { Lab, type TestServer } from '../http/harness.js';
import { checkClientMessage, checkServerMessage } from '../support/api-conformance.js';

const root = new URL('../../../', import.meta.url).pathname;
const lab = new Lab('sqlite');
let s: TestServer;
before(async () => {
  s = await lab.start({ rateLimits: { ordersPerSec: 7, cancelsPerSec: 8, queriesPerSec: 9 } });
});
after(() => lab.cleanup());

type Doc = Record<string, unknown> & {
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security: unknown[] }>>;
};

async function served(path: string): Promise<Doc> {
  const r = await s.get(path);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  return JSON.parse(r.text) as Doc;
}

test('/openapi.json is a valid OpenAPI 3.1 document, built for the running configuration', async () => {
  const doc = await served('/openapi.json');
  assert.equal(doc.openapi, '3.1.0');
  const v = new Validator();
  const result = await v.validate(doc);
  assert.equal(v.version, '3.1');
  assert.deepEqual(result.errors ?? [], [], JSON.stringify(result.errors)?.slice(0, 2000));
  assert.equal(result.valid, true);
  assert.deepEqual(doc, JSON.parse(JSON.stringify(buildOpenApi(s.config))));
  // The rate limits of this server, not the defaults.
  const create = doc.paths['/api/v1/create_order']?.post as unknown as Record<string, unknown>;
  assert.deepEqual(create['x-rate-limit'], { class: 'orders', perSecond: 7, burst: 7 });
  assert.match(String(create.description), /7 requests per second per user/);
  const cancel = doc.paths['/api/v1/cancel_order']?.post as unknown as Record<string, unknown>;
  assert.deepEqual(cancel['x-rate-limit'], { class: 'cancels', perSecond: 8, burst: 8 });
});

test('every registered route is in the OpenAPI document, and the document has no other', () => {
  const registered = s.srv.routes.map((r) => `${r.method} ${r.url.replace(/:([a-z_]+)/g, '{$1}')}`).sort();
  const documented = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
  assert.ok(registered.length >= 20, registered.join(', '));
  assert.deepEqual(registered, documented);
  const doc = buildOpenApi(s.config) as Doc;
  const inDoc = Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  assert.deepEqual(inDoc, documented);
});

test('the error catalogue is in the OpenAPI document: every code with its HTTP status, on the routes', () => {
  const doc = buildOpenApi(s.config) as Doc & { 'x-error-catalogue': { code: number; http: number }[] };
  assert.deepEqual(
    doc['x-error-catalogue'].map((e) => [e.code, e.http]),
    Object.values(ERRORS).map((e) => [e.code, e.http]),
  );
  const description = (doc.info as { description: string }).description;
  for (const e of Object.values(ERRORS)) assert.ok(description.includes(`| ${e.code} |`), `${e.code} in the table`);
  // Each route's error responses are keyed by the HTTP status of their codes.
  const used = new Set<number>();
  for (const r of ROUTES) {
    const responses = doc.paths[r.path]?.[r.method.toLowerCase()]?.responses ?? {};
    for (const code of routeCodes(r)) {
      used.add(code);
      const status = Object.values(ERRORS).find((e) => e.code === code)?.http;
      const res = responses[String(status)] as {
        content: Record<string, { schema: { properties: { code: { enum: number[] } } } }>;
      };
      assert.ok(res !== undefined, `${r.method} ${r.path}: a ${status} response for ${code}`);
      assert.ok(res.content['application/json']?.schema.properties.code.enum.includes(code), `${code} listed`);
    }
  }
  for (const code of [1001, 1002, 1003, 1004, 2001, 2002, 2003, 4001, 4131, 4291, 5001]) {
    assert.ok(used.has(code), `some route documents ${code}`);
  }
});

test('the OpenAPI document states the authentication schemes, with the exact string to sign', () => {
  const doc = buildOpenApi(s.config) as Doc & {
    components: { securitySchemes: Record<string, Record<string, string>> };
  };
  const schemes = doc.components.securitySchemes;
  assert.equal(schemes.bearer?.scheme, 'bearer');
  assert.equal(schemes.apiKey?.name, 'X-API-KEY');
  assert.equal(schemes.apiSignature?.name, 'X-SIGNATURE');
  assert.equal(schemes.admin?.name, 'X-ADMIN-TOKEN');
  assert.match(
    schemes.apiKey?.description ?? '',
    /HMAC-SHA256\(api_secret, X-TIMESTAMP \+ METHOD \+ path_with_query \+ body\)/,
  );
  assert.deepEqual(doc.paths['/api/v1/admin/users']?.post?.security, [{ admin: [] }]);
  assert.deepEqual(doc.paths['/api/v1/auth/token']?.post?.security, [
    { apiKey: [], apiTimestamp: [], apiSignature: [] },
  ]);
  assert.deepEqual(doc.paths['/api/v1/symbols']?.get?.security, []);
});

test('/asyncapi.json is a valid AsyncAPI 3.0 document with every message, close code and an example each', async () => {
  const doc = await served('/asyncapi.json');
  assert.equal(doc.asyncapi, '3.0.0');
  const out = await new Parser().parse(JSON.stringify(doc));
  const errors = out.diagnostics.filter((d) => d.severity === 0);
  assert.deepEqual(errors, [], JSON.stringify(errors).slice(0, 2000));
  assert.ok(out.document !== undefined);
  const parsed = out.document;
  const names = parsed
    .allMessages()
    .all()
    .map((m) => m.name());
  assert.deepEqual(names.sort(), WS_MESSAGES.map((m) => m.type).sort());
  assert.deepEqual(doc, JSON.parse(JSON.stringify(buildAsyncApi(s.config))));
  const closes = (doc['x-close-codes'] as { code: number }[]).map((c) => c.code).sort();
  assert.deepEqual(closes, [...new Set(Object.values(WS_CLOSE))].sort());
  // Every example matches its own schema (the checker the push tests use).
  for (const m of WS_MESSAGES) {
    const problem = m.from === 'server' ? checkServerMessage(m.example) : checkClientMessage(m.example);
    assert.equal(problem, null, `${m.type} example`);
  }
});

test('the message table holds exactly the message types of docs/ws-protocol.md', () => {
  const ws = readFileSync(join(root, 'docs/ws-protocol.md'), 'utf8');
  const list = ws.slice(ws.search(/^## \d+\. Message types/m));
  const [client, server] = list.slice(0, list.search(/^## \d+\. Close codes/m)).split(/Server → client:/);
  const typesIn = (t: string) => [...t.matchAll(/`([a-z_]+(?:\.[a-z_]+)?)`/g)].map((m) => m[1] as string).sort();
  assert.deepEqual(
    WS_MESSAGES.filter((m) => m.from === 'client')
      .map((m) => m.type)
      .sort(),
    typesIn(client ?? ''),
  );
  assert.deepEqual(
    WS_MESSAGES.filter((m) => m.from === 'server')
      .map((m) => m.type)
      .sort(),
    typesIn(server ?? ''),
  );
});

test('docs/openapi.json and docs/asyncapi.json are what the code generates (npm run docs:api)', () => {
  for (const [file, text] of Object.entries(documentTexts())) {
    assert.equal(readFileSync(join(root, file), 'utf8'), text, `${file} is stale: run npm run docs:api`);
  }
});

test('/docs serves the reference page and its assets from the server itself (offline, no CDN)', async () => {
  const page = await s.get('/docs');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.doesNotMatch(page.text, /(src|href)="(https?:)?\/\//, 'no external asset');
  const assets = [...page.text.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
  assert.deepEqual(assets.sort(), [
    '/docs/assets/init.js',
    '/docs/assets/swagger-ui-bundle.js',
    '/docs/assets/swagger-ui.css',
  ]);
  for (const a of assets) {
    const r = await s.get(a);
    assert.equal(r.status, 200, a);
    assert.match(r.headers.get('content-type') ?? '', a.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
    assert.ok(r.text.length > (a.endsWith('init.js') ? 50 : 10_000), `${a}: ${r.text.length} characters`);
  }
  const init = await s.get('/docs/assets/init.js');
  assert.match(init.text, /url: '\/openapi\.json'/);
  const missing = await s.get('/docs/assets/..%2Fpackage.json');
  assert.equal(missing.status, 404);
  assert.equal(missing.body?.code, 4041);
});
