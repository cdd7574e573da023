// The per-request logger: no pino child is made until something is logged at an enabled level; then the line
// carries the request's bindings and the parent's redaction still applies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { PINO_REDACT } from '../../src/auth/credentials.js';
import { LazyChildLogger } from '../../src/gateway/lazy-logger.js';

test('lazy child logger: nothing built below the level; bindings and redaction once it logs', () => {
  const lines: string[] = [];
  let children = 0;
  const parent = pino(
    { level: 'warn', redact: PINO_REDACT, onChild: () => children++ },
    { write: (s: string) => lines.push(s) },
  );

  const log = new LazyChildLogger(parent, { reqId: 'r-1' }, {});
  log.info('not logged: below warn');
  log.debug({ secret: 'x' }, 'nor this');
  assert.equal(children, 0, 'no child logger for a request that logs nothing');
  assert.equal(lines.length, 0);
  assert.equal(log.level, 'warn');

  log.error({ headers: { authorization: 'Bearer SECRET' } }, 'boom');
  log.warn('again');
  assert.equal(children, 1, 'one child, made on first use');
  const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(first?.reqId, 'r-1');
  assert.equal(first?.msg, 'boom');
  assert.deepEqual(first?.headers, { authorization: '[REDACTED]' });
  assert.equal(second?.reqId, 'r-1');
  log.child({ part: 'x' }).warn('nested');
  assert.deepEqual(
    [(JSON.parse(lines[2] as string) as Record<string, unknown>).reqId, children],
    ['r-1', 2],
    'a child of the request logger keeps its bindings',
  );
});
