// The Node HTTP server under Fastify: timeouts against slow and idle clients (the whole request within
// requestTimeoutMs, its headers within headersTimeoutMs, idle keep-alive connections closed after
// keepAliveTimeoutMs, all checked every second), admission of connections (connection-guard.ts: a refused
// client gets 503 / 5001 and the socket is closed; /healthz and /readyz are still answered), and the answer to
// a request Node could not parse or that timed out, in the API's envelope instead of Node's or Fastify's own.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config.js';
import { ApiError } from '../errors.js';
import { ConnectionGuard } from './connection-guard.js';

/** Routes a refused connection still gets answered on: a monitor must tell "full" from "down". */
const ALWAYS_SERVED = new Set(['/healthz', '/readyz']);

/** The headers every answer carries (the Fastify hooks add them to routed answers). */
export const SECURITY_HEADERS = Object.freeze({
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
});

function envelopeResponse(status: number, err: ApiError, extra: Record<string, string> = {}): string {
  const body = JSON.stringify(err.toBody());
  const head = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...SECURITY_HEADERS,
    ...extra,
  };
  const lines = Object.entries(head).map(([k, v]) => `${k}: ${v}`);
  return `HTTP/1.1 ${status} ${statusText(status)}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

function statusText(status: number): string {
  return { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[status] ?? 'Error';
}

/** Fastify's `serverFactory`: a Node server with the configured timeouts whose connections pass the guard. */
export function httpServerFactory(
  config: Config,
  guard: ConnectionGuard,
): (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server {
  return (handler) => {
    const server = createServer(
      {
        requestTimeout: config.http.requestTimeoutMs,
        headersTimeout: config.http.headersTimeoutMs,
        // How often Node looks for requests past their timeouts (its default, 30 s, lets a slow body live that long).
        connectionsCheckingInterval: Math.min(1000, config.http.headersTimeoutMs),
        noDelay: true,
      },
      (req, res) => {
        const refusal = guard.refusal(req.socket);
        if (refusal === null) return handler(req, res);
        res.setHeader('connection', 'close');
        if (ALWAYS_SERVED.has((req.url ?? '/').split('?')[0] as string)) return handler(req, res);
        const body = JSON.stringify(new ApiError(5001, ConnectionGuard.message(refusal)).toBody());
        res.writeHead(503, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          'retry-after': '1',
          ...SECURITY_HEADERS,
        });
        res.end(body);
      },
    );
    server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
    guard.attach(server);
    return server;
  };
}

/** Fastify's `clientErrorHandler`: a request Node's parser refused, or one that did not arrive in time. */
export function clientErrorHandler(config: Config): (err: NodeJS.ErrnoException, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let text: string;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      text = envelopeResponse(
        408,
        new ApiError(
          4081,
          `the request did not arrive in time (headers within ${config.http.headersTimeoutMs} ms, ` +
            `the whole request within ${config.http.requestTimeoutMs} ms)`,
        ),
      );
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      text = envelopeResponse(431, new ApiError(4311, 'request line and headers larger than 16 KiB'));
    } else {
      text = envelopeResponse(400, new ApiError(1001, 'malformed HTTP request'));
    }
    if (socket.writable) socket.end(text);
    // end() closes once the answer is written; a peer that never reads it is cut off.
    setTimeout(() => socket.destroy(), 1000).unref();
  };
}
