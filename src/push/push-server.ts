// The WebSocket endpoint /ws (ws-protocol.md): upgrade and authentication
// (token in the first message or the URL, dev ?user_id=), heartbeat, client
// messages with their limits, per-user connection sets, private events from
// committed outbox rows only (in seq order, to every connection of the owner;
// rendered to JSON once per event, and only for users with a connection),
// resume from storage without gap or duplicate, and graceful shutdown.
// Credentials (issue 9): a token is refused when revoked; a revocation closes the connections it concerns at once
// (auth.error 2002, then 4001): all of a revoked user's, and for a revoked key only those authenticated with a
// token that key minted (exactly the connections whose credential HTTP would now refuse). Failed token auth
// (first message or ?token=) is audited and counts towards the per-address ban (push-auth.ts); a banned address
// gets 4291 (upgrade: HTTP 429; first message: auth.error 4291, close 1008) before its token is checked.
// Order messages go to order-requests.ts (order entry shared with HTTP).

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { Config, MarketIndex } from '../config.js';
import type { EventChunk, Store } from '../adapters/store/store.js';
import { renderPrivateEvent } from '../wire/format.js';
import type { EnginePort } from '../pipeline/engine-port.js';
import type { MarketData } from '../pipeline/market-data.js';
import { devUserId } from '../auth/credentials.js';
import { type AuthThrottle, clientKey } from '../auth/throttle.js';
import type { Metrics } from '../metrics.js';
import type { Revocation, Revocations } from '../auth/revocations.js';
import { ApiError } from '../errors.js';
import { setLongTimeout } from '../long-timeout.js';
import { parseStrictJson } from '../wire/strict-json.js';
import { Broadcaster } from './broadcaster.js';
import { CLOSE, Connection } from './connection.js';
import { PushAuth } from './push-auth.js';
import { OrderRequests } from './order-requests.js';
import type { OrderEntryContext } from '../orders/order-entry.js';
import {
  CHANNELS,
  type Channel,
  DEPTH_LEVELS_DEFAULT,
  DEPTH_LEVELS_MAX,
  DEPTH_SIZES,
  type FeedStats,
  PublicFeed,
  depthSize,
} from './public-feed.js';
import { KlineFeed } from './kline-feed.js';
import { KLINE_INTERVALS, KLINE_INTERVAL_NAMES, isKlineInterval } from '../pipeline/candles.js';

const REPLAY_PAGE = 1000;
const SLOW_GRACE_MS = 30_000;
/** auth.expiring goes out this long before expiry (or at half the remaining time if shorter). */
const EXPIRING_NOTICE_MS = 60_000;

export interface PushDeps {
  readonly config: Config;
  readonly market: MarketIndex;
  readonly store: Store;
  readonly engine: EnginePort;
  readonly marketData: MarketData;
  readonly metrics: Metrics;
  readonly tokenSecret: string;
  readonly log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  readonly revocations: Revocations;
  readonly throttle: AuthThrottle;
  /** Order entry (order.place, order.cancel, order.batch_place): the gateway's, shared with HTTP. */
  readonly orders: OrderEntryContext;
}

type Identity = { userId: number; expiresAt: number | null; keyId?: string | undefined };

export class PushServer {
  private readonly wss: WebSocketServer;
  private readonly byUser = new Map<number, Set<Connection>>();
  private readonly conns = new Set<Connection>();
  /** Open connections that have not authenticated (capped by ws.maxAnonymousConnections). */
  private readonly anonymous = new Set<Connection>();
  private readonly feed: PublicFeed;
  private readonly klines: KlineFeed;
  /** Public broadcasts, a bounded number of sends per event-loop turn (broadcaster.ts). */
  private readonly out = new Broadcaster();
  private readonly heartbeat: NodeJS.Timeout;
  private nextId = 1;
  private accepting = true;
  /** Peer address (throttling key) of each socket, for first-message auth. */
  private readonly ipOf = new WeakMap<WebSocket, string>();
  private readonly auth: PushAuth;
  private readonly orderRequests: OrderRequests;

  constructor(private readonly d: PushDeps) {
    this.auth = new PushAuth(d);
    this.orderRequests = new OrderRequests({
      ctx: d.orders,
      metrics: d.metrics,
      maxInFlight: d.config.ws.maxOrdersInFlight,
      log: d.log,
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: d.config.ws.maxFrameBytes });
    this.feed = new PublicFeed(d.market, d.marketData, (type, bytes, n) => this.count(type, bytes, n), this.out);
    this.klines = new KlineFeed(
      d.market,
      d.marketData.klines,
      (type, bytes, n) => this.count(type, bytes, n),
      this.out,
    );
    d.engine.on('committed', (m) => this.deliver(m.events, m.committedAt));
    d.engine.on('gap', () => this.refill());
    d.revocations.onRevoke((r) => this.closeRevoked(r));
    this.heartbeat = setInterval(() => this.beat(), d.config.ws.pingIntervalMs);
    this.heartbeat.unref();
  }

  private count(type: string, bytes: number, recipients: number): void {
    this.d.metrics.pushes.inc({ type }, recipients);
    this.d.metrics.pushBytes.inc(bytes * recipients);
  }

  private refuse(socket: Duplex, status: number, text: string): void {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  /** The HTTP server's 'upgrade' handler. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return this.refuse(socket, 404, 'Not Found');
    if (!this.accepting) return this.refuse(socket, 503, 'Service Unavailable');
    let identity: Identity | null = null;
    const token = url.searchParams.get('token');
    const ip = clientKey(req.socket.remoteAddress);
    // The same rule as HTTP's X-User-ID: outside development mode ?user_id= is refused even beside a good token.
    const devUser = devUserId(url.searchParams.get('user_id') ?? undefined, this.d.config.devAuth, '?user_id=');
    if (devUser instanceof ApiError) return this.refuse(socket, 401, 'Unauthorized');
    if (token !== null) {
      if (this.auth.banned(ip) !== null) return this.refuse(socket, 429, 'Too Many Requests');
      const claims = await this.auth.verify(token, ip, 'GET');
      if (claims instanceof ApiError) return this.refuse(socket, 401, 'Unauthorized');
      // Two identities that disagree: neither is trusted.
      if (devUser !== null && devUser !== claims.userId) return this.refuse(socket, 401, 'Unauthorized');
      identity = claims;
    } else if (devUser !== null) {
      identity = { userId: devUser, expiresAt: null };
    }
    const resume = parseResume(url.searchParams.get('resume_from'));
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.ipOf.set(ws, ip);
      this.open(ws, identity, resume);
    });
  }

  /**
   * A connection the gateway refused (connection caps): the handshake completes so the client reads why (an
   * `error` frame with 5001) and the close code 1013 (try again later), as the protocol promises.
   */
  refuseUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, msg: string): void {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/ws') return this.refuse(socket, 404, 'Not Found');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      ws.send(JSON.stringify(new ApiError(5001, msg).toWsFrame()));
      ws.close(CLOSE.tryAgain, 'connection limit');
      setTimeout(() => ws.terminate(), 2000).unref();
    });
  }

  private open(ws: WebSocket, identity: Identity | null, resume: number | null | 'bad'): void {
    const now = Date.now();
    const c = new Connection(this.nextId++, ws, this.d.config.ws, (x) => this.slow(x), now);
    this.conns.add(c);
    this.d.metrics.wsConnections.set(this.conns.size);
    ws.on('message', (data, isBinary) => void this.onMessage(c, data, isBinary));
    ws.on('pong', () => {
      c.lastPongAt = Date.now();
      c.unansweredPings = 0;
    });
    ws.on('close', () => this.drop(c));
    ws.on('error', () => this.drop(c));
    if (identity === null && this.anonymous.size >= this.d.config.ws.maxAnonymousConnections) {
      this.d.metrics.connectionsRefused.inc({ reason: 'anonymous_full' });
      const max = this.d.config.ws.maxAnonymousConnections;
      c.sendJson(
        new ApiError(
          5001,
          `too many anonymous connections (max ${max}): authenticate with ?token=, or retry later`,
        ).toWsFrame(),
      );
      c.close(CLOSE.tryAgain, 'too many anonymous connections');
      this.drop(c);
      return;
    }
    if (identity !== null) {
      if (!this.bind(c, identity)) return;
      c.sendJson({ type: 'connected', user_id: identity.userId });
      if (resume === 'bad') c.sendJson(new ApiError(1001, 'resume_from must be a non-negative integer').toWsFrame());
      else if (resume !== null) void this.resume(c, resume);
    } else {
      this.anonymous.add(c);
      c.sendJson({ type: 'connected', user_id: null });
      c.authTimer = setTimeout(() => {
        if (c.userId === null && c.subscriptions.size === 0) c.close(CLOSE.authTimeout, 'authentication timeout');
      }, this.d.config.ws.authTimeoutMs);
    }
  }

  /** Attaches a connection to its user (cap per user) and arms the expiry timers. */
  private bind(c: Connection, id: Identity): boolean {
    if (this.d.revocations.isRevoked(id.userId, id.keyId)) {
      // Revoked while its token was being verified.
      c.sendJson({ type: 'auth.error', code: 2002, msg: 'credentials revoked' });
      c.close(CLOSE.authFailed, 'credentials revoked');
      return false;
    }
    if (c.userId !== null && c.userId !== id.userId) {
      c.sendJson(new ApiError(2002, 'a connection cannot change user').toWsFrame());
      c.close(CLOSE.authFailed, 'user change refused');
      return false;
    }
    if (c.userId === null) {
      const set = this.byUser.get(id.userId) ?? new Set<Connection>();
      if (set.size >= this.d.config.ws.maxConnectionsPerUser) {
        const err = new ApiError(
          4292,
          `too many connections for this user (max ${this.d.config.ws.maxConnectionsPerUser})`,
        );
        c.sendJson(err.toWsFrame());
        c.close(err.wsCloseCode as number, 'too many connections');
        return false;
      }
      this.anonymous.delete(c);
      set.add(c);
      this.byUser.set(id.userId, set);
      c.userId = id.userId;
      this.d.metrics.wsUsers.set(this.byUser.size);
      if (c.authTimer !== null) clearTimeout(c.authTimer);
      c.authTimer = null;
    }
    c.expiresAt = id.expiresAt;
    c.keyId = id.keyId ?? null;
    c.expiryTimer?.clear();
    c.expiringTimer?.clear();
    c.expiryTimer = c.expiringTimer = null;
    if (id.expiresAt !== null) {
      const left = id.expiresAt - Date.now();
      const notice = Math.max(0, left - Math.min(EXPIRING_NOTICE_MS, left / 2));
      c.expiringTimer = setLongTimeout(() => c.sendJson({ type: 'auth.expiring', expires_at: id.expiresAt }), notice);
      c.expiryTimer = setLongTimeout(() => {
        c.sendJson({ type: 'auth.error', code: 2002, msg: 'token expired' });
        c.close(CLOSE.authFailed, 'token expired');
      }, left);
    }
    return true;
  }

  private async onMessage(c: Connection, data: RawData, isBinary: boolean): Promise<void> {
    const verdict = c.countMessage(Date.now(), this.d.config.ws.messagesPerSec);
    if (verdict === 'close') return c.close(CLOSE.policy, 'message rate limit exceeded');
    if (verdict === 'limited') {
      c.sendJson(new ApiError(4291, `more than ${this.d.config.ws.messagesPerSec} messages per second`).toWsFrame());
      return;
    }
    if (verdict === 'drop') return;
    const err = (msg: string) => void c.sendJson(new ApiError(1001, msg).toWsFrame());
    if (isBinary) return err('binary frames are not supported: send JSON text');
    const parsed = parseStrictJson(data.toString());
    if (!parsed.ok) return err(parsed.msg);
    if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value))
      return err('a message must be a JSON object');
    const m = parsed.value as Record<string, unknown>;
    switch (m['type']) {
      case 'ping':
        c.sendJson({ type: 'pong', ts: Date.now() });
        return;
      case 'auth':
        return this.onAuth(c, m);
      case 'order.place':
      case 'order.cancel':
      case 'order.batch_place':
        return this.orderRequests.handle(c, m);
      case 'subscribe':
      case 'unsubscribe': {
        const channel = m['channel'];
        const symbol = typeof m['symbol'] === 'string' ? this.d.market.symbolByName(m['symbol']) : undefined;
        if (typeof channel !== 'string' || !(CHANNELS.includes(channel as Channel) || channel === 'kline')) {
          return err(`unknown channel ${JSON.stringify(channel)}: use one of ${[...CHANNELS, 'kline'].join(', ')}`);
        }
        if (symbol === undefined) return err(`unknown symbol ${JSON.stringify(m['symbol'])}`);
        if (channel === 'kline') return this.onKline(c, m, symbol.id, symbol.name);
        const asked = m['levels'] ?? (m['type'] === 'subscribe' ? DEPTH_LEVELS_DEFAULT : null);
        if (
          asked !== null &&
          (!Number.isSafeInteger(asked) || (asked as number) < 1 || (asked as number) > DEPTH_LEVELS_MAX)
        ) {
          return err(`levels must be an integer 1..${DEPTH_LEVELS_MAX} (served at ${DEPTH_SIZES.join(', ')})`);
        }
        // Depth is served at fixed sizes: other values round up to the next one (the `subscribed` answer says which).
        const levels = asked === null ? null : depthSize(asked as number);
        if (m['type'] === 'subscribe') {
          const size = levels ?? DEPTH_LEVELS_DEFAULT;
          const max = this.d.config.ws.maxSubscriptions;
          // Subscribing again to what this connection already has is not a new subscription.
          if (!c.subscriptions.has(this.feed.key(channel as Channel, symbol.id, size)) && c.subscriptions.size >= max) {
            return err(`too many subscriptions on this connection (max ${max}): unsubscribe from one first`);
          }
          this.feed.subscribe(c, channel as Channel, symbol.id, size);
        } else {
          this.feed.unsubscribe(c, channel as Channel, symbol.id, levels);
          c.sendJson({ type: 'unsubscribed', channel, symbol: symbol.name });
        }
        return;
      }
      default:
        return err(m['type'] === undefined ? 'missing "type"' : `unknown type ${JSON.stringify(m['type'])}`);
    }
  }

  /** subscribe / unsubscribe on `kline`: `interval` is required to subscribe, optional to unsubscribe (all). */
  private onKline(c: Connection, m: Record<string, unknown>, symbolId: number, symbol: string): void {
    const interval = m['interval'];
    const subscribing = m['type'] === 'subscribe';
    if (!isKlineInterval(interval) && (subscribing || interval !== undefined)) {
      const what =
        interval === undefined ? 'kline needs an "interval"' : `unknown interval ${JSON.stringify(interval)}`;
      c.sendJson(new ApiError(1001, `${what}: use one of ${KLINE_INTERVAL_NAMES.join(', ')}`).toWsFrame());
      return;
    }
    const name = isKlineInterval(interval) ? interval : null;
    const ms = name === null ? null : KLINE_INTERVALS[name];
    if (!subscribing) {
      this.klines.unsubscribe(c, symbolId, name, ms);
      c.sendJson({ type: 'unsubscribed', channel: 'kline', symbol, ...(name === null ? {} : { interval: name }) });
      return;
    }
    if (name === null || ms === null) return;
    const max = this.d.config.ws.maxSubscriptions;
    if (!c.subscriptions.has(this.klines.key(symbolId, name)) && c.subscriptions.size >= max) {
      c.sendJson(
        new ApiError(
          1001,
          `too many subscriptions on this connection (max ${max}): unsubscribe from one first`,
        ).toWsFrame(),
      );
      return;
    }
    this.klines.subscribe(c, symbolId, name, ms);
  }

  private async onAuth(c: Connection, m: Record<string, unknown>): Promise<void> {
    const token = m['token'];
    if (typeof token !== 'string') {
      c.sendJson(new ApiError(1001, 'auth needs a "token" string').toWsFrame());
      return;
    }
    const ip = this.ipOf.get(c.ws) ?? 'unknown';
    const banned = this.auth.banned(ip);
    if (banned !== null) {
      c.sendJson({ type: 'auth.error', code: banned.code, msg: banned.msg });
      c.close(CLOSE.policy, 'too many failed authentications');
      return;
    }
    const claims = await this.auth.verify(token, ip, 'auth', c.id);
    if (claims instanceof ApiError) {
      c.sendJson({ type: 'auth.error', code: claims.code, msg: claims.msg });
      c.close(CLOSE.authFailed, 'authentication failed');
      return;
    }
    const resume = m['resume_from'] === undefined ? null : parseResume(String(m['resume_from']));
    const first = c.userId === null;
    if (!this.bind(c, claims)) return;
    c.sendJson({ type: 'auth.success', user_id: claims.userId, expires_at: claims.expiresAt });
    if (resume === 'bad') c.sendJson(new ApiError(1001, 'resume_from must be a non-negative integer').toWsFrame());
    else if (resume !== null && first) await this.resume(c, resume);
  }

  /** Closes (auth.error 2002, then 4001) the connections a revocation concerns: see the top of this file. */
  private closeRevoked(r: Revocation): void {
    const set = this.byUser.get(r.userId);
    if (set === undefined) return;
    for (const c of [...set]) {
      if (r.keyId !== null && c.keyId !== r.keyId) continue;
      c.sendJson({ type: 'auth.error', code: 2002, msg: r.keyId === null ? 'user revoked' : 'API key revoked' });
      c.close(CLOSE.authFailed, 'credentials revoked');
    }
  }

  /** Replays seq > from out of storage, then lets the live events that arrived meanwhile through. */
  private async resume(c: Connection, from: number): Promise<void> {
    const userId = c.userId as number;
    this.d.metrics.resumes.inc();
    c.pending = [];
    c.lastSentSeq = from;
    try {
      const oldest = await this.d.store.oldestEventSeq(userId);
      const latest = await this.d.store.latestEventSeq(userId);
      if (from > latest || (oldest !== null && from + 1 < oldest)) {
        // Unknown future seq, or history already pruned: the client reloads over HTTP and continues from latest.
        c.sendJson({ type: 'resync', reason: from > latest ? 'unknown_seq' : 'history_expired', latest_seq: latest });
        c.lastSentSeq = latest;
      } else {
        for (;;) {
          const page = await this.d.store.listEvents(userId, c.lastSentSeq, REPLAY_PAGE);
          if (page.length > 0 && (page[0] as { seq: number }).seq > c.lastSentSeq + 1) {
            // Retention pruned what was still to replay while this resume ran: same answer as before it started.
            const now = await this.d.store.latestEventSeq(userId);
            c.sendJson({ type: 'resync', reason: 'history_expired', latest_seq: now });
            c.lastSentSeq = now;
            break;
          }
          for (const e of page) {
            if (e.seq !== c.lastSentSeq + 1) continue;
            if (c.send(renderPrivateEvent(e.line, e.seq, this.d.market).text)) c.lastSentSeq = e.seq;
          }
          if (page.length < REPLAY_PAGE || c.closed) break;
        }
      }
    } catch (e) {
      this.d.log.error({ err: e, userId }, 'resume failed');
      c.sendJson(new ApiError(5001, 'history is not available right now; reconnect and resume').toWsFrame());
      c.close(CLOSE.tryAgain, 'resume failed');
      return;
    }
    const waiting = c.pending;
    c.pending = null;
    for (const e of waiting) this.sendPrivate(c, e.seq, e.payload, e.committedAt);
    // Order results that completed during the replay: after their events, which are now all sent.
    const results = c.heldResults.splice(0);
    for (const r of results) c.send(r);
  }

  private sendPrivate(c: Connection, seq: number, payload: string, committedAt: number): void {
    if (seq <= c.lastSentSeq) return;
    if (c.lastSentSeq !== 0 && seq !== c.lastSentSeq + 1) {
      // A hole can only mean this connection missed events (e.g. it subscribed mid-batch): make it resume.
      c.sendJson({ type: 'resync', reason: 'gap', latest_seq: c.lastSentSeq });
    }
    if (c.send(payload)) {
      c.lastSentSeq = seq;
      this.d.metrics.pushLatency.observe(Math.max(0, Date.now() - committedAt) / 1000);
    }
  }

  /** Committed private events, in seq order per user, to every connection of their owner. */
  /**
   * Batches may have been missed (engine-port.ts 'gap'): every connection that has seen events reads what it
   * missed from the log (live events queue meanwhile), as a resume from its last seq does.
   */
  private refill(): void {
    for (const c of this.conns) {
      if (c.userId !== null && c.pending === null && c.lastSentSeq > 0 && !c.closed) void this.resume(c, c.lastSentSeq);
    }
  }

  private deliver(chunks: readonly EventChunk[], committedAt: number): void {
    for (const chunk of chunks) {
      const set = this.byUser.get(chunk.userId);
      if (set === undefined) continue; // nobody to tell: the events stay in the log, unrendered
      const lines = chunk.body.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const seq = chunk.firstSeq + i;
        const e = renderPrivateEvent(lines[i] as string, seq, this.d.market);
        for (const c of set) {
          if (c.pending !== null) c.pending.push({ seq, payload: e.text, committedAt });
          else if (c.lastSentSeq === 0 || seq > c.lastSentSeq) {
            // A live-only connection starts at the first event it sees.
            if (c.lastSentSeq === 0) c.lastSentSeq = seq - 1;
            this.sendPrivate(c, seq, e.text, committedAt);
          }
        }
        this.count(e.type, Buffer.byteLength(e.text), set.size);
      }
    }
  }

  /**
   * Nothing more is queued for a slow reader; its close frame (1013) waits behind the bounded backlog, so a
   * reader that wakes up sees why, and one that never does is cut off after SLOW_GRACE_MS.
   */
  private slow(c: Connection): void {
    this.d.metrics.slowConsumerCloses.inc();
    c.close(CLOSE.tryAgain, 'slow consumer: reconnect and resume', SLOW_GRACE_MS);
    this.drop(c);
  }

  /**
   * A peer that answered none of the last two pings (two intervals) is terminated. Counted in beats, not in time
   * since its last pong: after this process's event loop was held up past two intervals (a fan-out of many trades
   * to thousands of sockets), the pongs its peers sent meanwhile are still unread, and a wall-clock rule dropped
   * every live connection of a busy gateway at once.
   */
  private beat(): void {
    for (const c of this.conns) {
      if (c.unansweredPings >= 2) {
        c.closed = true;
        c.ws.terminate();
        this.drop(c);
      } else if (!c.closed) {
        c.ws.ping();
        c.unansweredPings++;
      }
    }
  }

  private drop(c: Connection): void {
    if (!this.conns.delete(c)) return;
    this.anonymous.delete(c);
    c.closed = true;
    c.clearTimers();
    this.klines.remove(c);
    this.feed.remove(c);
    if (c.userId !== null) {
      const set = this.byUser.get(c.userId);
      set?.delete(c);
      if (set !== undefined && set.size === 0) this.byUser.delete(c.userId);
    }
    this.d.metrics.wsConnections.set(this.conns.size);
    this.d.metrics.wsUsers.set(this.byUser.size);
  }

  get connections(): number {
    return this.conns.size;
  }

  /** The public feed's depth work counters (tests and benchmarks). */
  get feedStats(): Readonly<FeedStats> {
    return this.feed.stats;
  }

  stopAccepting(): void {
    this.accepting = false;
  }

  /** Closes every connection with 1001 once their queued messages are written (bounded wait). */
  async close(): Promise<void> {
    this.accepting = false;
    clearInterval(this.heartbeat);
    const all = [...this.conns];
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && (!this.out.idle || all.some((c) => !c.closed && c.ws.bufferedAmount > 0))) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(
      all.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.ws.readyState === c.ws.CLOSED) return resolve();
            c.ws.once('close', () => resolve());
            c.close(CLOSE.goingAway, 'server shutting down');
            setTimeout(resolve, 2500).unref();
          }),
      ),
    );
    this.wss.close();
  }
}

function parseResume(text: string | null): number | null | 'bad' {
  if (text === null) return null;
  if (!/^[0-9]{1,15}$/.test(text)) return 'bad';
  return Number(text);
}
