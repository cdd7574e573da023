// The one error catalogue of the API: stable numeric codes (api.md), their HTTP statuses and WebSocket close codes,
// the ApiError class every layer returns or throws, and the mapping of core result codes onto the catalogue.

import type { RejectReason, ResultCode } from './core/types.js';

/** WebSocket close codes (ws-protocol.md section 7). */
export const WS_CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  POLICY: 1008,
  TOO_BIG: 1009,
  TRY_AGAIN_LATER: 1013,
  AUTH_FAILED: 4001,
  AUTH_TIMEOUT: 4008,
  TOO_MANY_CONNECTIONS: 4029,
} as const;

interface CatalogueEntry {
  readonly code: number;
  readonly http: number;
  /** Close code when this error ends a WebSocket connection; null: an `error` frame only, the connection stays. */
  readonly ws: number | null;
  readonly message: string;
}

/** Every API code. Numbers never change meaning once published. */
export const ERRORS = {
  OK: { code: 0, http: 200, ws: null, message: 'ok' },
  MALFORMED: { code: 1001, http: 400, ws: null, message: 'malformed request or parameter' },
  INSUFFICIENT_BALANCE: { code: 1002, http: 400, ws: null, message: 'insufficient balance' },
  INVALID_AMOUNT: { code: 1003, http: 400, ws: null, message: 'invalid price or quantity' },
  DUPLICATE_CID: { code: 1004, http: 409, ws: null, message: 'duplicate cid for an open order' },
  MISSING_CREDENTIALS: { code: 2001, http: 401, ws: WS_CLOSE.AUTH_FAILED, message: 'missing credentials' },
  BAD_CREDENTIALS: {
    code: 2002,
    http: 401,
    ws: WS_CLOSE.AUTH_FAILED,
    message: 'bad, expired or revoked credentials',
  },
  FORBIDDEN: { code: 2003, http: 403, ws: null, message: 'not allowed' },
  ORDER_NOT_FOUND: { code: 4001, http: 404, ws: null, message: 'order not found' },
  ROUTE_NOT_FOUND: { code: 4041, http: 404, ws: null, message: 'no such route' },
  REQUEST_TIMEOUT: { code: 4081, http: 408, ws: null, message: 'request not received in time' },
  BODY_TOO_LARGE: { code: 4131, http: 413, ws: WS_CLOSE.TOO_BIG, message: 'request body too large' },
  URI_TOO_LONG: { code: 4141, http: 414, ws: null, message: 'URL or path parameter too long' },
  RATE_LIMITED: { code: 4291, http: 429, ws: WS_CLOSE.POLICY, message: 'rate limit exceeded' },
  TOO_MANY_CONNECTIONS: {
    code: 4292,
    http: 429,
    ws: WS_CLOSE.TOO_MANY_CONNECTIONS,
    message: 'too many connections for this user',
  },
  HEADERS_TOO_LARGE: { code: 4311, http: 431, ws: null, message: 'request headers too large' },
  UNAVAILABLE: { code: 5001, http: 503, ws: WS_CLOSE.TRY_AGAIN_LATER, message: 'service unavailable' },
  NOT_APPLIED: { code: 5002, http: 503, ws: null, message: 'the command was not applied' },
  INTERNAL: { code: 5000, http: 500, ws: null, message: 'internal error' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorName = keyof typeof ERRORS;
export type ErrorCode = (typeof ERRORS)[ErrorName]['code'];
/** Every code but 0. */
export type FailureCode = Exclude<ErrorCode, 0>;

/** Name -> code, e.g. `CODES.MALFORMED === 1001`. */
export const CODES = Object.freeze(
  Object.fromEntries(Object.entries(ERRORS).map(([name, e]) => [name, e.code])) as {
    readonly [K in ErrorName]: (typeof ERRORS)[K]['code'];
  },
);

const BY_CODE = new Map<number, CatalogueEntry & { readonly name: ErrorName }>(
  (Object.entries(ERRORS) as [ErrorName, CatalogueEntry][]).map(([name, e]) => [e.code, { ...e, name }]),
);

/** Every catalogue code, in table order. */
export const ALL_CODES: readonly number[] = Object.values(ERRORS).map((e) => e.code);

export function isErrorCode(code: number): code is ErrorCode {
  return BY_CODE.has(code);
}

function entry(code: number): CatalogueEntry & { readonly name: ErrorName } {
  const e = BY_CODE.get(code);
  if (e === undefined) throw new RangeError(`${code} is not a catalogue error code`);
  return e;
}

export function errorName(code: number): ErrorName {
  return entry(code).name;
}

export function defaultMessage(code: number): string {
  return entry(code).message;
}

/** HTTP status for a code (0 -> 200; the create_order route answers 202 itself). */
export function httpStatusOf(code: number): number {
  return entry(code).http;
}

/** WebSocket close code when this error closes the connection, or null when it does not close it. */
export function wsCloseCodeOf(code: number): number | null {
  return entry(code).ws;
}

/** The error every layer uses: `code` from the catalogue, `msg` for the client developer, optional details. */
export class ApiError extends Error {
  readonly code: FailureCode;
  readonly msg: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: FailureCode, msg?: string, details?: Record<string, unknown>) {
    const m = msg ?? defaultMessage(code);
    super(m);
    this.name = 'ApiError';
    this.code = code;
    this.msg = m;
    this.details = details;
  }

  get httpStatus(): number {
    return httpStatusOf(this.code);
  }

  get wsCloseCode(): number | null {
    return wsCloseCodeOf(this.code);
  }

  /** The HTTP answer body: `{"code":..,"msg":..,"data":null}`. */
  toBody(): { code: number; msg: string; data: null } {
    return { code: this.code, msg: this.msg, data: null };
  }

  /** The WebSocket error frame: `{"type":"error","code":..,"msg":..}`. */
  toWsFrame(): { type: 'error'; code: number; msg: string } {
    return { type: 'error', code: this.code, msg: this.msg };
  }
}

export function isApiError(v: unknown): v is ApiError {
  return v instanceof ApiError;
}

/**
 * Core reject reason -> API code. POST_ONLY_WOULD_TAKE is 1003: what is wrong is the price (it crosses the book),
 * and changing the price is what fixes it. DUPLICATE_ORDER_ID cannot come from a client (the server assigns order
 * ids), so it is a server fault: 5000. The Record type makes the compiler demand an entry for every reason.
 */
const REJECT_CODES: Readonly<Record<RejectReason, FailureCode>> = {
  UNKNOWN_SYMBOL: 1001,
  UNKNOWN_ASSET: 1001,
  INVALID_ORDER: 1001,
  INVALID_PRICE: 1003,
  INVALID_QUANTITY: 1003,
  BELOW_MIN_QTY: 1003,
  ABOVE_MAX_QTY: 1003,
  BELOW_MIN_NOTIONAL: 1003,
  AMOUNT_OUT_OF_RANGE: 1003,
  POST_ONLY_WOULD_TAKE: 1003,
  INSUFFICIENT_BALANCE: 1002,
  DUPLICATE_CID: 1004,
  DUPLICATE_ORDER_ID: 5000,
};

export function rejectReasonToCode(reason: RejectReason): FailureCode {
  return REJECT_CODES[reason];
}

/** Any core result code -> API code. NOT_ORDER_OWNER is 4001: another user's order is never revealed to exist. */
export function resultCodeToCode(code: ResultCode): ErrorCode {
  if (code === 'OK') return 0;
  if (code === 'NOT_ORDER_OWNER') return 4001;
  return REJECT_CODES[code];
}

/** An ApiError for a core result code, with the reason in the message (e.g. "rejected: BELOW_MIN_QTY"). */
export function apiErrorOfResult(code: Exclude<ResultCode, 'OK'>): ApiError {
  const api = code === 'NOT_ORDER_OWNER' ? 4001 : REJECT_CODES[code];
  const msg = code === 'NOT_ORDER_OWNER' ? defaultMessage(4001) : `${defaultMessage(api)}: ${code}`;
  return new ApiError(api, msg, { reason: code });
}
