// Error classes of the client: HTTP API errors, WebSocket `error` / `auth.error` frames, and protocol violations;
// and the server's error catalogue (errors.md) as named codes, so callers test `err.code === ErrorCode.X`.

/** Code used by ApiClientError when the answer carried no api.md envelope (a proxy's 502 page, empty body...). */
export const NO_ENVELOPE = -1;

/** The catalogue codes of errors.md by name (a test holds this table equal to the server's). */
export const ErrorCode = Object.freeze({
  MALFORMED: 1001,
  INSUFFICIENT_BALANCE: 1002,
  INVALID_AMOUNT: 1003,
  DUPLICATE_CID: 1004,
  MISSING_CREDENTIALS: 2001,
  BAD_CREDENTIALS: 2002,
  FORBIDDEN: 2003,
  ORDER_NOT_FOUND: 4001,
  ROUTE_NOT_FOUND: 4041,
  REQUEST_TIMEOUT: 4081,
  BODY_TOO_LARGE: 4131,
  URI_TOO_LONG: 4141,
  RATE_LIMITED: 4291,
  TOO_MANY_CONNECTIONS: 4292,
  HEADERS_TOO_LARGE: 4311,
  UNAVAILABLE: 5001,
  NOT_APPLIED: 5002,
  INTERNAL: 5000,
} as const);
export type ErrorCodeName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorCodeName];

const NAME_OF = new Map<number, ErrorCodeName>(
  (Object.entries(ErrorCode) as [ErrorCodeName, number][]).map(([name, code]) => [code, name]),
);

/** The catalogue name of a code (`2002` -> `BAD_CREDENTIALS`), or undefined for a code the client does not know. */
export function errorCodeName(code: number): ErrorCodeName | undefined {
  return NAME_OF.get(code);
}

/** An error carrying a catalogue code: ApiClientError (HTTP) or PushServerError (WebSocket). */
export function hasErrorCode(err: unknown, code: ErrorCodeValue): boolean {
  return (err instanceof ApiClientError || err instanceof PushServerError) && err.code === code;
}

/** An HTTP answer with a non-zero catalogue `code` (or no envelope at all: `code` NO_ENVELOPE). */
export class ApiClientError extends Error {
  override readonly name = 'ApiClientError';
  constructor(
    /** Catalogue code of api.md (1001, 2002, 4001, ...), or NO_ENVELOPE. */
    readonly code: number,
    /** The server's `msg`. */
    readonly msg: string,
    /** HTTP status. */
    readonly status: number,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: HTTP ${status}, code ${code}: ${msg}`);
  }

  /** The catalogue name (`INSUFFICIENT_BALANCE`...), undefined for NO_ENVELOPE or an unknown code. */
  get codeName(): ErrorCodeName | undefined {
    return errorCodeName(this.code);
  }
}

/** A WebSocket `{"type":"error"}` frame (the connection stays open) or an `auth.error` (it is then closed 4001). */
export class PushServerError extends Error {
  override readonly name: string = 'PushServerError';
  constructor(
    readonly code: number,
    readonly msg: string,
  ) {
    super(`server error ${code}: ${msg}`);
  }

  get codeName(): ErrorCodeName | undefined {
    return errorCodeName(this.code);
  }
}

/** Authentication refused: `auth.error`, close 4001, or the upgrade answered HTTP 401. The client stops. */
export class AuthFailedError extends PushServerError {
  override readonly name = 'AuthFailedError';
}

/** A frame the client cannot read (not JSON, no `type`, binary). */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}
