// Numbers of the WebSocket protocol that its documents state and its server enforces: the depth sizes served,
// the order-entry batch size and the request id's length. One source for both (api/ws-messages.ts documents them,
// push/ enforces them).

/** The sizes a depth subscription is served at; any other `levels` 1..500 is rounded up to the next one. */
export const DEPTH_SIZES: readonly number[] = [5, 10, 20, 50, 100, 500];
export const DEPTH_LEVELS_MAX = 500;

/** Orders one order.batch_place may hold. */
export const BATCH_MAX = 20;
/** Longest string request id (characters). */
export const REQUEST_ID_MAX = 64;
