// The web console's static files: `GET /` (index.html) and `GET /console/{file}` (the bundle `npm run build` writes
// into dist/web/). The files are read once at start-up into a fixed table, so only a name in that table is ever
// answered: anything else (`..`, encoded slashes, absolute paths, unknown names) gets the API's JSON 404 envelope,
// and no request path ever reaches the file system. Console answers carry a strict Content-Security-Policy (no
// inline script or style, connections to this origin only) on top of the gateway's own headers.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError } from '../../errors.js';
import type { GatewayContext } from '../context.js';

/** dist/web/ seen from dist/src/gateway/routes/. */
export const WEB_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>fillstream</title>
<p>The console is not built: run <code>npm run build</code>, then restart the server.</p>`;

/** The servable files of a directory (top level only; names as they are), read into memory. */
export function loadConsoleFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    const type = CONTENT_TYPES[extname(name)];
    const path = join(dir, name);
    if (type === undefined || !statSync(path).isFile()) continue;
    files.set(name, { body: readFileSync(path), type });
  }
  return files;
}

function send(reply: FastifyReply, f: StaticFile): FastifyReply {
  return reply.header('content-security-policy', CONSOLE_CSP).header('content-type', f.type).send(f.body);
}

export function consoleRoutes(app: FastifyInstance, _ctx: GatewayContext, dir = WEB_DIR): void {
  const files = loadConsoleFiles(dir);
  const index: StaticFile = files.get('index.html') ?? {
    body: Buffer.from(NOT_BUILT),
    type: 'text/html; charset=utf-8',
  };

  app.get('/', async (_req, reply) => send(reply, index));

  app.get<{ Params: { file: string } }>('/console/:file', async (req, reply) => {
    const f = req.params.file === 'index.html' ? undefined : files.get(req.params.file);
    if (f === undefined) throw new ApiError(4041, `no console file ${req.params.file.slice(0, 100)}`);
    return send(reply, f);
  });
}
