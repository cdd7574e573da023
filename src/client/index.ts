// Public API of the client library: REST client, push (WebSocket) client, local depth book, wire types and their
// runtime decoders, request signing, token renewal, errors with the catalogue codes.

export * from './types.js';
export {
  ApiClientError,
  AuthFailedError,
  ErrorCode,
  type ErrorCodeName,
  type ErrorCodeValue,
  NO_ENVELOPE,
  ProtocolError,
  PushServerError,
  errorCodeName,
  hasErrorCode,
} from './errors.js';
export { RestClient, type RestClientOptions, type RawResponse, queryString } from './rest.js';
export { LocalDepthBook, DepthGapError, type DepthTop } from './depth-book.js';
export { PushClient } from './ws-client.js';
export type { PushClientEvents, PushClientOptions, PushClientState, SeqGap } from './push-options.js';
export { type Subscription } from './subscriptions.js';
export { type BackoffOptions, DEFAULT_BACKOFF, backoffDelay } from './backoff.js';
export { type ScaledDecimal, compareDecimal, isZeroDecimal, parseDecimal } from './decimal.js';
export { TypedEmitter, type EventMap, type Listener } from './emitter.js';
export { type ApiKeyCredentials, type SignatureHeaders, signRequest, signatureHeaders } from './signing.js';
export { TokenSource, type TokenSourceOptions } from './token-source.js';
export { type Decoder } from './decode.js';
export { RestDecoders, SERVER_MESSAGE_DECODERS, decodeServerMessage } from './wire-decoders.js';
