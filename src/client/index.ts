// Public API of the client library: REST client, push (WebSocket) client, local depth book, wire types, errors.

export * from './types.js';
export { ApiClientError, AuthFailedError, NO_ENVELOPE, ProtocolError, PushServerError } from './errors.js';
export { RestClient, type RestClientOptions, type RawResponse, queryString } from './rest.js';
export { LocalDepthBook, DepthGapError, type DepthTop } from './depth-book.js';
export { PushClient } from './ws-client.js';
export type { PushClientEvents, PushClientOptions, PushClientState, SeqGap } from './push-options.js';
export { type Subscription } from './subscriptions.js';
export { type BackoffOptions, DEFAULT_BACKOFF, backoffDelay } from './backoff.js';
export { type ScaledDecimal, compareDecimal, isZeroDecimal, parseDecimal } from './decimal.js';
export { TypedEmitter, type EventMap, type Listener } from './emitter.js';
