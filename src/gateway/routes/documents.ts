// The API documents: /openapi.json and /asyncapi.json (built once from the route and message tables for this
// server's configuration) and the interactive reference at /docs (Swagger UI, served from the swagger-ui-dist
// package on disk: no CDN, works offline). The page loads only same-origin scripts and styles (its own CSP).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildAsyncApi } from '../../api/asyncapi.js';
import { buildOpenApi } from '../../api/openapi.js';
import { ApiError } from '../../errors.js';
import { type GatewayContext, sendRaw } from '../context.js';

const ASSET_TYPES = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' } as const;

/** The page's own start-up script (kept out of the HTML so the CSP needs no 'unsafe-inline' script). */
const INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', deepLinking: true });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>fillstream API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<p style="font-family:sans-serif;margin:1em">Documents: <a href="/openapi.json">OpenAPI 3.1 (HTTP)</a> ·
<a href="/asyncapi.json">AsyncAPI 3.0 (WebSocket /ws)</a></p>
<div id="reference"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** swagger-ui-dist files served under /docs/assets/ (read on first use, then kept). */
const DIST_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js'];

function distDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

export function documentRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  const openapi = JSON.stringify(buildOpenApi(ctx.config));
  const asyncapi = JSON.stringify(buildAsyncApi(ctx.config));
  const assets = new Map<string, string>([['init.js', INIT_JS]]);

  app.get('/openapi.json', async (_req, reply) => sendRaw(reply, 200, openapi));
  app.get('/asyncapi.json', async (_req, reply) => sendRaw(reply, 200, asyncapi));
  app.get('/docs', async (_req, reply) =>
    reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', CSP).send(PAGE),
  );
  app.get<{ Params: { file: string } }>('/docs/assets/:file', async (req, reply) => {
    const file = req.params.file;
    let text = assets.get(file);
    if (text === undefined && DIST_FILES.includes(file)) {
      text = readFileSync(join(distDir(), file), 'utf8');
      assets.set(file, text);
    }
    if (text === undefined) throw new ApiError(4041, `no asset ${JSON.stringify(file.slice(0, 100))}`);
    const type = ASSET_TYPES[file.endsWith('.css') ? 'css' : 'js'];
    return reply.header('content-type', type).header('cache-control', 'public, max-age=3600').send(text);
  });
}
