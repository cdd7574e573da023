// The error catalogue: every code has an HTTP status and an explicit WS entry, docs/errors.md lists exactly the
// catalogue, and every core reject reason maps onto a catalogue code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RejectReason } from '../src/core/types.js';
import {
  ALL_CODES,
  ApiError,
  CODES,
  ERRORS,
  apiErrorOfResult,
  defaultMessage,
  errorName,
  httpStatusOf,
  isErrorCode,
  rejectReasonToCode,
  resultCodeToCode,
  wsCloseCodeOf,
} from '../src/errors.js';
import { markdownTable } from './support/markdown.js';

const DOC = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** Rows of the first markdown table whose header starts with `| code | name |`. */
function docRows(): Map<number, { name: string; http: number; ws: number | null }> {
  const rows = new Map<number, { name: string; http: number; ws: number | null }>();
  for (const [code, name, , http, ws] of markdownTable(DOC, /^\|\s*code\s*\|\s*name\s*\|/, 5)) {
    rows.set(Number(code), { name: name as string, http: Number(http), ws: ws === '—' ? null : Number(ws) });
  }
  return rows;
}

/** Every RejectReason, checked by the compiler: adding a reason to the core without listing it fails the build. */
const REASONS: Record<RejectReason, true> = {
  UNKNOWN_SYMBOL: true,
  UNKNOWN_ASSET: true,
  INVALID_PRICE: true,
  INVALID_QUANTITY: true,
  BELOW_MIN_QTY: true,
  ABOVE_MAX_QTY: true,
  BELOW_MIN_NOTIONAL: true,
  AMOUNT_OUT_OF_RANGE: true,
  INSUFFICIENT_BALANCE: true,
  POST_ONLY_WOULD_TAKE: true,
  DUPLICATE_ORDER_ID: true,
  DUPLICATE_CID: true,
  INVALID_ORDER: true,
};

test('the catalogue holds exactly the codes of api.md, each unique', () => {
  assert.deepEqual(
    ALL_CODES,
    [0, 1001, 1002, 1003, 1004, 2001, 2002, 2003, 4001, 4041, 4081, 4131, 4141, 4291, 4292, 4311, 5001, 5002, 5000],
  );
  assert.equal(new Set(ALL_CODES).size, ALL_CODES.length);
  assert.equal(CODES.MALFORMED, 1001);
  assert.equal(CODES.INSUFFICIENT_BALANCE, 1002);
  assert.equal(errorName(4291), 'RATE_LIMITED');
});

test('every code has an HTTP status and an explicit WS entry (number or null)', () => {
  for (const [name, e] of Object.entries(ERRORS)) {
    assert.ok(Number.isInteger(e.http) && e.http >= 200 && e.http <= 599, `${name} http`);
    assert.ok(Object.hasOwn(e, 'ws'), `${name} has a ws entry`);
    assert.ok(e.ws === null || (Number.isInteger(e.ws) && e.ws >= 1000 && e.ws <= 4999), `${name} ws`);
    assert.equal(httpStatusOf(e.code), e.http);
    assert.equal(wsCloseCodeOf(e.code), e.ws);
    assert.ok(defaultMessage(e.code).length > 0);
  }
});

test('HTTP statuses and WS close codes follow api.md and ws-protocol.md', () => {
  const http = Object.fromEntries(ALL_CODES.map((c) => [c, httpStatusOf(c)]));
  assert.deepEqual(http, {
    0: 200,
    1001: 400,
    1002: 400,
    1003: 400,
    1004: 409,
    2001: 401,
    2002: 401,
    2003: 403,
    4001: 404,
    4041: 404,
    4081: 408,
    4131: 413,
    4141: 414,
    4291: 429,
    4292: 429,
    4311: 431,
    5001: 503,
    5002: 503,
    5000: 500,
  });
  assert.equal(wsCloseCodeOf(2001), 4001);
  assert.equal(wsCloseCodeOf(2002), 4001);
  assert.equal(wsCloseCodeOf(4291), 1008);
  assert.equal(wsCloseCodeOf(4131), 1009);
  assert.equal(wsCloseCodeOf(5001), 1013);
  assert.equal(wsCloseCodeOf(4292), 4029);
  for (const c of [0, 1001, 1002, 1003, 1004, 2003, 4001, 4041, 4081, 4141, 4311, 5002, 5000])
    assert.equal(wsCloseCodeOf(c), null, String(c));
});

test('unknown codes are refused, not guessed', () => {
  assert.equal(isErrorCode(1005), false);
  assert.equal(isErrorCode(1001), true);
  assert.throws(() => httpStatusOf(1005), RangeError);
  assert.throws(() => wsCloseCodeOf(42), RangeError);
});

test('docs/errors.md lists every catalogue code with the same name, HTTP status and WS close code', () => {
  const rows = docRows();
  assert.deepEqual([...rows.keys()].sort(), [...ALL_CODES].sort());
  for (const [name, e] of Object.entries(ERRORS)) {
    const row = rows.get(e.code);
    assert.deepEqual(row, { name, http: e.http, ws: e.ws }, `docs row of ${e.code}`);
  }
});

test('every core reject reason maps to a failing catalogue code', () => {
  for (const reason of Object.keys(REASONS) as RejectReason[]) {
    const code = rejectReasonToCode(reason);
    assert.ok(isErrorCode(code) && (code as number) !== 0, `${reason} -> ${code}`);
    assert.ok(DOC.includes(reason), `${reason} is documented in docs/errors.md`);
  }
  assert.equal(rejectReasonToCode('INSUFFICIENT_BALANCE'), 1002);
  for (const r of [
    'INVALID_PRICE',
    'INVALID_QUANTITY',
    'BELOW_MIN_QTY',
    'ABOVE_MAX_QTY',
    'BELOW_MIN_NOTIONAL',
    'AMOUNT_OUT_OF_RANGE',
    'POST_ONLY_WOULD_TAKE',
  ] as const) {
    assert.equal(rejectReasonToCode(r), 1003, r);
  }
  assert.equal(rejectReasonToCode('DUPLICATE_CID'), 1004);
  assert.equal(rejectReasonToCode('UNKNOWN_SYMBOL'), 1001);
  assert.equal(rejectReasonToCode('INVALID_ORDER'), 1001);
  assert.equal(resultCodeToCode('OK'), 0);
  assert.equal(resultCodeToCode('NOT_ORDER_OWNER'), 4001);
});

test('ApiError carries code, msg, details and renders the HTTP body and WS frame', () => {
  const e = new ApiError(1003, 'price: "1.234" has 3 decimals, at most 2 allowed', { field: 'price' });
  assert.ok(e instanceof Error);
  assert.equal(e.code, 1003);
  assert.equal(e.msg, e.message);
  assert.equal(e.httpStatus, 400);
  assert.equal(e.wsCloseCode, null);
  assert.deepEqual(e.details, { field: 'price' });
  assert.deepEqual(e.toBody(), { code: 1003, msg: 'price: "1.234" has 3 decimals, at most 2 allowed', data: null });
  assert.deepEqual(new ApiError(4291).toWsFrame(), { type: 'error', code: 4291, msg: 'rate limit exceeded' });
  const owner = apiErrorOfResult('NOT_ORDER_OWNER');
  assert.equal(owner.code, 4001);
  assert.equal(owner.msg, 'order not found', 'never reveals that the order exists');
  const low = apiErrorOfResult('BELOW_MIN_QTY');
  assert.equal(low.code, 1003);
  assert.match(low.msg, /BELOW_MIN_QTY/);
});
