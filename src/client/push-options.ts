// Options and typed events of PushClient.

import type { ClientOptions } from 'ws';
import type { BackoffOptions } from './backoff.js';
import type { LocalDepthBook } from './depth-book.js';
import type * as T from './types.js';

export interface PushClientOptions {
  /** `ws://host:port/ws`. */
  url: string;
  /** Bearer token (signed token or API key credential); takes precedence over userId. */
  token?: string;
  /**
   * Fetches a token (e.g. TokenSource.provider): before every (re)connect ('connect'; the answer replaces `token`)
   * and on `auth.expiring` ('expiring'; sent as a new `auth` on the live socket). A failure is emitted as `error`;
   * one with code 2001/2002/2003 stops the client (authFailure), any other is retried on the reconnect backoff.
   */
  tokenProvider?: (reason: 'connect' | 'expiring') => Promise<string>;
  /** Development-auth mode only: sent as `?user_id=`. */
  userId?: number;
  /** Token as the first message (default) or in the URL. */
  authMode?: 'message' | 'url';
  /** Ask for a replay from the last seen seq when (re)connecting; default true. */
  resume?: boolean;
  /** Seq already seen elsewhere (e.g. loaded over HTTP): the first connection resumes from it. */
  resumeFrom?: number;
  /** false: never reconnect; default backoff 100 ms doubling to 5 s. */
  reconnect?: boolean | BackoffOptions;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** Client `ping` period; a connection silent for two periods is dropped (and reconnected). 0: off. Default 30 s. */
  heartbeatIntervalMs?: number;
  /** Default timeout of whenAuthenticated / whenReady / subscribe / waitFor; default 10 s. */
  timeoutMs?: number;
  /** Connect from the constructor; default true (events are emitted asynchronously, so `on` right after is fine). */
  autoConnect?: boolean;
  /** Passed to the `ws` WebSocket (handshakeTimeout, maxPayload, headers...). */
  wsOptions?: ClientOptions;
}

/** Missing private seqs: `expected` up to `got - 1`. */
export interface SeqGap {
  expected: number;
  got: number;
}

export interface PushClientEvents {
  open: [];
  /** Connection usable: authenticated (user id) or anonymous (null); subscriptions were (re)sent. */
  ready: [userId: number | null];
  authenticated: [userId: number];
  /** Every frame received, before any processing (duplicates included). */
  message: [msg: T.ServerMessage];
  'order.update': [msg: T.OrderUpdateMessage];
  trade: [msg: T.TradeMessage];
  'balance.update': [msg: T.BalanceUpdateMessage];
  /** Every accepted private event (the three above). */
  private: [msg: T.PrivateEvent];
  /** A private event with seq <= lastSeq: dropped. */
  duplicate: [msg: T.PrivateEvent];
  /** Private seqs were skipped; the event that revealed it is still delivered. */
  gap: [gap: SeqGap];
  resync: [msg: T.ResyncMessage];
  'market.trade': [msg: T.MarketTradeMessage];
  'depth.snapshot': [msg: T.DepthSnapshotMessage];
  'depth.update': [msg: T.DepthUpdateMessage];
  /** The tracked book of a depth subscription changed. */
  depth: [symbol: string, book: LocalDepthBook];
  /** A depth update did not follow the book's seq; the client resubscribes. */
  'depth.gap': [symbol: string, expected: number | null, got: number];
  ticker: [msg: T.TickerMessage];
  subscribed: [msg: T.SubscribedMessage];
  unsubscribed: [msg: T.UnsubscribedMessage];
  pong: [msg: T.PongMessage];
  'auth.expiring': [msg: T.AuthExpiringMessage];
  /** The socket was re-authenticated with a token from tokenProvider after `auth.expiring`. */
  'token.refreshed': [expiresAt: number | null];
  'auth.error': [msg: T.AuthErrorMessage];
  /** Socket errors, `error` frames (PushServerError), auth failures, unreadable frames. Unlistened: dropped. */
  error: [err: Error];
  close: [code: number, reason: string];
  reconnecting: [attempt: number, delayMs: number];
}

export type PushClientState = 'idle' | 'connecting' | 'authenticating' | 'ready' | 'reconnecting' | 'closed';
