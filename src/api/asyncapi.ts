// Builds the AsyncAPI 3.0 document of the WebSocket endpoint /ws from the message table (ws-messages.ts), the
// close codes and the error catalogue (src/errors.ts) and the running configuration (limits). Served at
// /asyncapi.json; docs/asyncapi.json is the same document for the default configuration (scripts: docs:api).
// The document describes the server: `send` operations are what the server sends, `receive` what it accepts.

import type { Config } from '../config.js';
import { WS_CLOSE } from '../errors.js';
import { errorTable } from './error-table.js';
import { API_VERSION } from './openapi.js';
import { WS_MESSAGES } from './ws-messages.js';

/** What each close code means (ws-protocol.md section 8). */
export const CLOSE_CODES: Readonly<Record<(typeof WS_CLOSE)[keyof typeof WS_CLOSE], string>> = {
  1000: 'normal close',
  1001: 'server going away (shutdown, restart); every committed event was flushed first',
  1008: 'policy: message rate limit exceeded, or an auth during a ban',
  1009: 'message too big',
  1013: 'try again later: slow consumer (reconnect and resume), a connection cap, history not available',
  4001: 'authentication failed, token expired or credentials revoked',
  4008: 'authentication timeout',
  4029: 'too many connections for this user',
};

function rules(config: Config): string {
  const ws = config.ws;
  return [
    'One WebSocket per client carries the user’s private events (order.update, trade, balance.update) and the ' +
      'public market data it subscribes to. Every frame is a JSON text object with a `type`. Readable guide: ' +
      'docs/ws-protocol.md; the HTTP API: /openapi.json.',
    '## Authentication',
    '`GET /ws?token=<token>` (answered `connected` with the user id; a bad token refuses the upgrade with HTTP ' +
      '401), or an anonymous connection that sends `{"type":"auth","token":...}` (answered `auth.success`, or ' +
      '`auth.error` and close 4001). `<token>` is the bearer token of the HTTP API. Development mode only: ' +
      '`?user_id=`. An anonymous connection may subscribe to public channels; one that neither authenticates nor ' +
      `subscribes within ${ws.authTimeoutMs} ms is closed with 4008. \`auth.expiring\` comes before the token ` +
      'expires; a new `auth` on the connection extends it, otherwise `auth.error` 2002 and close 4001. Revoking ' +
      'the user or the key behind the token sends `auth.error` 2002 and closes with 4001.',
    '## Resume and resync',
    'Private events carry `seq`: per user, gap-free, strictly increasing from 1, surviving restarts. A client ' +
      'that saw up to N reconnects with `resume_from: N` (auth message or `?resume_from=N`): the server replays ' +
      'N+1 ... from storage, then continues live, no gap and no duplicate. N newer than the latest seq: `resync` ' +
      'unknown_seq; N+1 older than the retained history: `resync` history_expired; a connection that missed ' +
      'events: `resync` gap. After a `resync` the client reloads its state over HTTP and continues from ' +
      '`latest_seq`. Storage unavailable during the replay: `error` 5001 and close 1013.',
    '## Public channels',
    'trades, depth (sizes 5, 10, 20, 50, 100, 500; a depth.snapshot then depth.update with seq S applying to ' +
      'S-1 of the same epoch; a new epoch comes with a new depth.snapshot), ticker. Public seqs are the ' +
      "engine's: the same through every gateway, going on across restarts. " +
      `At most ${ws.maxSubscriptions} subscriptions per connection.`,
    '## Limits',
    `Frames over ${ws.maxFrameBytes} bytes: close 1009. More than ${ws.messagesPerSec} client messages per ` +
      'second: `error` 4291, close 1008 if it goes on. A backlog over ' +
      `${ws.maxBacklogBytes} bytes or ${ws.maxBacklogMessages} messages: close 1013. At most ` +
      `${ws.maxConnectionsPerUser} connections per user (one more: \`error\` 4292 and close 4029). Protocol pings ` +
      `every ${ws.pingIntervalMs} ms; a connection that answers none within two intervals is terminated.`,
    '## Close codes',
    ['| code | meaning |', '|---|---|', ...Object.entries(CLOSE_CODES).map(([c, m]) => `| ${c} | ${m} |`)].join('\n'),
    '## Error catalogue',
    errorTable(),
  ].join('\n\n');
}

const opId = (type: string, prefix: string) =>
  prefix + type.replace(/(^|[._])([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase());

/** The AsyncAPI 3.0 document for a configuration. */
export function buildAsyncApi(config: Config): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  const channelMessages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const m of WS_MESSAGES) {
    const key = m.type.replace('.', '_');
    messages[key] = {
      name: m.type,
      title: m.type,
      summary: m.summary,
      contentType: 'application/json',
      payload: m.schema,
      examples: [{ name: m.type, payload: m.example }],
    };
    channelMessages[key] = { $ref: `#/components/messages/${key}` };
    const server = m.from === 'server';
    operations[opId(m.type, server ? 'send' : 'receive')] = {
      action: server ? 'send' : 'receive',
      channel: { $ref: '#/channels/ws' },
      summary: m.summary,
      messages: [{ $ref: `#/channels/ws/messages/${key}` }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: { title: 'fillstream WebSocket push', version: API_VERSION, description: rules(config) },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: `localhost:${config.port}`,
        protocol: 'ws',
        description: 'the gateway (same port as the HTTP API)',
        security: [{ $ref: '#/components/securitySchemes/urlToken' }],
      },
    },
    channels: {
      ws: {
        address: '/ws',
        title: 'push',
        description: 'The one endpoint: private events of the authenticated user and public subscriptions.',
        messages: channelMessages,
        bindings: {
          ws: {
            bindingVersion: '0.1.0',
            query: {
              type: 'object',
              properties: {
                token: { type: 'string', description: 'bearer token (else anonymous, or an auth message)' },
                resume_from: { type: 'string', pattern: '^[0-9]+$', description: 'resume after this seq' },
                user_id: { type: 'string', description: 'development mode only' },
              },
            },
          },
        },
      },
    },
    operations,
    components: {
      messages,
      securitySchemes: {
        urlToken: {
          type: 'httpApiKey',
          name: 'token',
          in: 'query',
          description:
            'The HTTP API bearer token in the URL; or connect anonymously and send {"type":"auth","token":...}.',
        },
      },
    },
    'x-close-codes': Object.entries(CLOSE_CODES).map(([code, meaning]) => ({ code: Number(code), meaning })),
  };
}
