// Error classes of the client: HTTP API errors, WebSocket `error` / `auth.error` frames, and protocol violations.

/** Code used by ApiClientError when the answer carried no api.md envelope (a proxy's 502 page, empty body...). */
export const NO_ENVELOPE = -1;

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
}

/** Authentication refused: `auth.error`, close 4001, or the upgrade answered HTTP 401. The client stops. */
export class AuthFailedError extends PushServerError {
  override readonly name = 'AuthFailedError';
}

/** A frame the client cannot read (not JSON, no `type`, binary). */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}
