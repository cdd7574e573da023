// PushClient: one auto-reconnecting, authenticated, resuming WebSocket to /ws (ws-protocol.md) with typed events.
//
// It owns: auth (message / URL / dev user_id), private-seq dedup and gap reports, resume and resync, backoff
// reconnects, heartbeat, public subscriptions with local depth books, order entry over the socket (ws-orders.ts),
// and promise helpers for tests. With a tokenProvider it also takes a fresh token for every (re)connect and
// re-authenticates the live socket on `auth.expiring`. Frames are checked by decodeServerMessage
// (wire-decoders.ts) before they are dispatched.

import WebSocket, { type RawData } from 'ws';
import { backoffDelay } from './backoff.js';
import type { LocalDepthBook } from './depth-book.js';
import { TypedEmitter } from './emitter.js';
import { ApiClientError, AuthFailedError, ProtocolError, PushServerError } from './errors.js';
import type { PushClientEvents, PushClientOptions, PushClientState } from './push-options.js';
import { type DepthOutcome, type Subscription, Subscriptions } from './subscriptions.js';
import type * as T from './types.js';
import { decodeServerMessage } from './wire-decoders.js';
import { WsOrderChannel } from './ws-orders.js';

const AUTH_FAILED_CLOSE = 4001;

export class PushClient extends TypedEmitter<PushClientEvents> {
  private readonly opts: PushClientOptions;
  private readonly subs = new Subscriptions();
  private ws: WebSocket | null = null;
  private _state: PushClientState = 'idle';
  private _userId: number | null = null;
  private _lastSeq: number;
  /** A seq position is known (events seen, resync, or resumeFrom): gaps are meaningful and resume is possible. */
  private hasPosition: boolean;
  private _authFailure: AuthFailedError | null = null;
  private stopped = false;
  /** Waiting for tokenProvider before opening a socket. */
  private fetchingToken = false;
  private attempt = 0;
  private opens = 0;
  /** Frames (and protocol pings/pongs) received on the current connection: the heartbeat's liveness signal. */
  private received = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly orders = new WsOrderChannel(
    (text) => this.sendText(text),
    () => this.defaultTimeoutMs,
  );

  constructor(opts: PushClientOptions) {
    super();
    this.opts = { ...opts };
    if (opts.timeoutMs !== undefined) this.defaultTimeoutMs = opts.timeoutMs;
    this._lastSeq = opts.resumeFrom ?? 0;
    this.hasPosition = opts.resumeFrom !== undefined;
    if (opts.autoConnect !== false) this.connect();
  }

  /** Highest private seq accepted (or resumed from / resynced to); 0 when none. */
  get lastSeq(): number {
    return this._lastSeq;
  }
  get userId(): number | null {
    return this._userId;
  }
  get state(): PushClientState {
    return this._state;
  }
  /** Connections opened so far (1 after the first, 2 after one reconnect...). */
  get connectionCount(): number {
    return this.opens;
  }
  get authFailure(): AuthFailedError | null {
    return this._authFailure;
  }
  get subscriptions(): Subscription[] {
    return this.subs.list();
  }
  /** The local book of a depth subscription. */
  book(symbol: string): LocalDepthBook | undefined {
    return this.subs.book(symbol);
  }

  /** Starts (or, after close() or an auth failure, restarts) connecting. */
  connect(): this {
    if (this.ws !== null || this.reconnectTimer !== null || this.fetchingToken) return this;
    this.stopped = false;
    this._authFailure = null;
    this.open();
    return this;
  }

  /** Deliberate close: no reconnect; pending waits are rejected. Resolves once the socket is closed. */
  close(code = 1000, reason = ''): Promise<void> {
    this.stop(new Error('client closed'));
    const ws = this.ws;
    if (ws === null || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once('close', () => resolve());
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(code, reason);
    });
  }

  /** Sends any object as JSON (tests may send invalid messages). False when not connected. */
  send(msg: T.ClientMessage | Record<string, unknown>): boolean {
    return this.sendText(JSON.stringify(msg));
  }

  /** Sends a raw text frame. False when not connected. */
  sendText(text: string): boolean {
    if (this.ws === null || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(text);
    return true;
  }

  ping(): boolean {
    return this.send({ type: 'ping' });
  }

  /**
   * order.place on this socket: resolves with the create_order answer once committed (the order's events were
   * received first); rejects with OrderRejectedError (the API code), or OrderOutcomeUnknownError when the socket
   * closed first (look the order up by its cid).
   */
  async placeOrder(order: T.CreateOrderRequest): Promise<T.CreateOrderResult> {
    const [p] = this.orders.request('order.place', order, 1);
    return (await (p as Promise<T.OrderResultMessage>)).data as T.CreateOrderResult;
  }

  /** order.cancel on this socket (by order_id or cid); settles like placeOrder. */
  async cancelOrder(req: T.CancelOrderRequest): Promise<T.CancelOrderResult> {
    const [p] = this.orders.request('order.cancel', req, 1);
    return (await (p as Promise<T.OrderResultMessage>)).data as T.CancelOrderResult;
  }

  /** order.batch_place (1..20 orders): one outcome per order, in order, each settled like placeOrder's. */
  batchPlaceOrders(orders: T.CreateOrderRequest[]): Promise<PromiseSettledResult<T.CreateOrderResult>[]> {
    const ps = this.orders.request('order.batch_place', { orders }, orders.length);
    return Promise.allSettled(ps.map(async (p) => (await p).data as T.CreateOrderResult));
  }

  /** Subscribes now (or on the next ready connection) and after every reconnect; resolves on `subscribed`. */
  subscribe(channel: T.Channel, symbol: string, levels?: number, timeoutMs?: number): Promise<T.SubscribedMessage> {
    const msgs = this.subs.add(levels === undefined ? { channel, symbol } : { channel, symbol, levels });
    const p = this.waitFor(
      (m): m is T.SubscribedMessage => m.type === 'subscribed' && m.channel === channel && m.symbol === symbol,
      timeoutMs,
    );
    p.catch(() => undefined); // the caller may not await it; a timeout must not be an unhandled rejection
    if (this._state === 'ready') for (const m of msgs) this.send(m);
    return p;
  }

  unsubscribe(channel: T.Channel, symbol: string): void {
    const msg = this.subs.remove(channel, symbol);
    if (this._state === 'ready') this.send(msg);
  }

  /** Sends a new token on this connection (e.g. after `auth.expiring`); resolves on its `auth.success`. */
  authenticate(token: string, timeoutMs?: number): Promise<number> {
    this.opts.token = token;
    const p = this.nextEvent('authenticated', timeoutMs).then(([id]) => id);
    p.catch(() => undefined);
    this.send({ type: 'auth', token });
    return p;
  }

  /** Resolves with the user id once authenticated (at once if already); rejects on auth failure, close or timeout. */
  whenAuthenticated(timeoutMs?: number): Promise<number> {
    if (this._authFailure !== null) return Promise.reject(this._authFailure);
    if (this._state === 'ready' && this._userId !== null) return Promise.resolve(this._userId);
    return this.nextEvent('authenticated', timeoutMs).then(([id]) => id);
  }

  /** Like whenAuthenticated, but an anonymous connection counts too (null). */
  whenReady(timeoutMs?: number): Promise<number | null> {
    if (this._authFailure !== null) return Promise.reject(this._authFailure);
    if (this._state === 'ready') return Promise.resolve(this._userId);
    return this.nextEvent('ready', timeoutMs).then(([id]) => id);
  }

  /** The next received message matching `predicate` (messages from now on). */
  waitFor<M extends T.ServerMessage>(predicate: (m: T.ServerMessage) => m is M, timeoutMs?: number): Promise<M>;
  waitFor(predicate: (m: T.ServerMessage) => boolean, timeoutMs?: number): Promise<T.ServerMessage>;
  waitFor(predicate: (m: T.ServerMessage) => boolean, timeoutMs?: number): Promise<T.ServerMessage> {
    return this.nextEvent('message', timeoutMs, predicate).then(([m]) => m);
  }

  /** The next received message of this type. */
  waitForType<K extends T.ServerMessageType>(
    type: K,
    timeoutMs?: number,
  ): Promise<Extract<T.ServerMessage, { type: K }>> {
    return this.waitFor((m): m is Extract<T.ServerMessage, { type: K }> => m.type === type, timeoutMs);
  }

  // ---- connection ----

  /** Opens a socket, first asking tokenProvider (when there is one) for a token. */
  private open(): void {
    const provider = this.opts.tokenProvider;
    if (provider === undefined) return this.openSocket();
    this._state = 'connecting';
    this.fetchingToken = true;
    provider('connect').then(
      (token) => {
        this.fetchingToken = false;
        if (this.stopped) return;
        this.opts.token = token;
        this.openSocket();
      },
      (err: unknown) => {
        this.fetchingToken = false;
        if (!this.stopped) this.onTokenFailure(err);
      },
    );
  }

  /** tokenProvider failed: refused credentials stop the client, anything else is retried after a backoff. */
  private onTokenFailure(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    if (e instanceof ApiClientError && (e.code === 2001 || e.code === 2002 || e.code === 2003)) {
      this._authFailure = new AuthFailedError(e.code, `token request refused: ${e.msg}`);
      this.emit('error', this._authFailure);
      return this.stop(this._authFailure);
    }
    this.emit('error', e);
    this.scheduleReconnect();
  }

  /** `auth.expiring` with a tokenProvider: a new token, sent as `auth` on this socket. */
  private refreshToken(): void {
    const provider = this.opts.tokenProvider;
    if (provider === undefined) return;
    provider('expiring')
      .then(async (token) => {
        if (this.stopped) return;
        const success = this.waitForType('auth.success');
        success.catch(() => undefined); // awaited below, unless authenticate fails first
        await this.authenticate(token);
        this.emit('token.refreshed', (await success).expires_at ?? null);
      })
      .catch((err: unknown) => {
        if (!this.stopped) this.emit('error', err instanceof Error ? err : new Error(String(err)));
      });
  }

  private openSocket(): void {
    this._state = 'connecting';
    const ws = new WebSocket(this.connectUrl(), this.opts.wsOptions);
    this.ws = ws;
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data, isBinary) => this.onFrame(ws, data, isBinary));
    ws.on('ping', () => this.alive(ws));
    ws.on('pong', () => this.alive(ws));
    ws.on('error', (err) => this.onSocketError(ws, err));
    ws.on('close', (code, reason) => this.onSocketClose(ws, code, reason.toString()));
  }

  private resumePosition(): number | undefined {
    return this.opts.resume !== false && this.hasPosition ? this._lastSeq : undefined;
  }

  private tokenInMessage(): boolean {
    return this.opts.token !== undefined && this.opts.authMode !== 'url';
  }

  private connectUrl(): string {
    const u = new URL(this.opts.url);
    const resume = this.resumePosition();
    const q = u.searchParams;
    if (this.opts.token !== undefined) {
      if (this.opts.authMode === 'url') q.set('token', this.opts.token);
    } else if (this.opts.userId !== undefined) {
      q.set('user_id', String(this.opts.userId));
    }
    if (resume !== undefined && !this.tokenInMessage() && (q.has('token') || q.has('user_id'))) {
      q.set('resume_from', String(resume));
    }
    return u.toString();
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.opens++;
    this.alive(ws);
    this.startHeartbeat(ws);
    this._state = 'authenticating';
    this.emit('open');
    if (this.tokenInMessage()) {
      const auth: T.AuthMessage = { type: 'auth', token: this.opts.token as string };
      const resume = this.resumePosition();
      if (resume !== undefined) auth.resume_from = resume;
      this.send(auth);
    }
  }

  private alive(ws: WebSocket): void {
    if (ws === this.ws) this.received++;
  }

  private startHeartbeat(ws: WebSocket): void {
    const every = this.opts.heartbeatIntervalMs ?? 30_000;
    if (every <= 0) return;
    let seen = this.received;
    let silentTicks = 0;
    this.heartbeatTimer = setInterval(() => {
      if (ws !== this.ws) return;
      // Nothing at all (no answer to our pings, no server protocol ping) for two whole periods: a dead peer
      // (half-open TCP). Drop it and reconnect. Counted in ticks, so a late timer never looks like silence.
      silentTicks = this.received === seen ? silentTicks + 1 : 0;
      seen = this.received;
      if (silentTicks >= 2) ws.terminate();
      else this.ping();
    }, every);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private onSocketError(ws: WebSocket, err: Error): void {
    if (ws !== this.ws || this.stopped) return;
    // The upgrade refused with HTTP 401: a bad URL token (or user_id while dev auth is off). Do not retry.
    const m = /Unexpected server response: (\d+)/.exec(err.message);
    if (m !== null && m[1] === '401') {
      this._authFailure = new AuthFailedError(2002, 'the WebSocket upgrade was refused with HTTP 401');
      this.emit('error', this._authFailure);
      return;
    }
    this.emit('error', err);
  }

  private onSocketClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.stopHeartbeat();
    this.subs.invalidateBooks();
    this.orders.failAll(`the connection closed (${code}) before the order's result`);
    let stopWith: Error | null = null;
    if (!this.stopped) {
      if (code === AUTH_FAILED_CLOSE && this._authFailure === null) {
        this._authFailure = new AuthFailedError(2002, reason !== '' ? reason : 'authentication failed (close 4001)');
      }
      if (this._authFailure !== null) stopWith = this._authFailure;
      else if (this.opts.reconnect === false) stopWith = new Error(`connection closed (${code})`);
      this.stopped = stopWith !== null;
      this._state = this.stopped ? 'closed' : 'reconnecting';
    }
    // 'close' first, so that waits on it resolve before stop() rejects the others.
    this.emit('close', code, reason);
    if (stopWith !== null && this.stopped) this.stop(stopWith);
    else if (!this.stopped && this.ws === null && this.reconnectTimer === null) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const r = this.opts.reconnect;
    const delay = backoffDelay(this.attempt, typeof r === 'object' ? r : {}, this.opts.random);
    this.attempt++;
    this._state = 'reconnecting';
    this.emit('reconnecting', this.attempt, delay);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.open();
    }, delay);
  }

  /** No more reconnects; pending waits fail with `err`. */
  private stop(err: Error): void {
    this.stopped = true;
    this._state = 'closed';
    this.stopHeartbeat();
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.orders.failAll(err.message);
    this.rejectWaiters(err);
  }

  private markReady(userId: number | null): void {
    const again = this._state === 'ready';
    this._userId = userId;
    this._state = 'ready';
    this.attempt = 0;
    if (!again) for (const m of this.subs.subscribeMessages()) this.send(m);
    if (userId !== null) this.emit('authenticated', userId);
    if (!again) this.emit('ready', userId);
  }

  // ---- frames ----

  private onFrame(ws: WebSocket, data: RawData | string, isBinary: boolean): void {
    if (ws !== this.ws) return;
    this.alive(ws);
    if (isBinary) return void this.emit('error', new ProtocolError('binary frame received'));
    const text = frameText(data);
    let msg: T.ServerMessage;
    try {
      msg = decodeServerMessage(JSON.parse(text) as unknown);
    } catch (e) {
      const err = e instanceof ProtocolError ? e : new ProtocolError(`unreadable frame: ${(e as Error).message}`);
      return void this.emit('error', err);
    }
    this.emit('message', msg);
    this.dispatch(msg);
  }

  private dispatch(msg: T.ServerMessage): void {
    switch (msg.type) {
      case 'order.result':
        return this.orders.onResult(msg);
      case 'connected':
        // With a token still to send, this is the anonymous stage before `auth`: wait for auth.success.
        if (!this.tokenInMessage()) this.markReady(msg.user_id);
        return;
      case 'auth.success':
        return this.markReady(msg.user_id);
      case 'auth.error':
        this._authFailure = new AuthFailedError(msg.code, msg.msg);
        this.emit('auth.error', msg);
        return void this.emit('error', this._authFailure);
      case 'auth.expiring':
        this.refreshToken();
        return void this.emit('auth.expiring', msg);
      case 'pong':
        return void this.emit('pong', msg);
      case 'subscribed':
        return void this.emit('subscribed', msg);
      case 'unsubscribed':
        return void this.emit('unsubscribed', msg);
      case 'error':
        return void this.emit('error', new PushServerError(msg.code, msg.msg));
      case 'resync':
        this._lastSeq = msg.latest_seq;
        this.hasPosition = true;
        return void this.emit('resync', msg);
      case 'order.update':
      case 'trade':
      case 'balance.update':
        return this.onPrivate(msg);
      case 'market.trade':
        return void this.emit('market.trade', msg);
      case 'ticker':
        return void this.emit('ticker', msg);
      case 'depth.snapshot':
        this.emit('depth.snapshot', msg);
        return this.onDepth(msg.symbol, this.subs.onSnapshot(msg));
      case 'depth.update':
        this.emit('depth.update', msg);
        return this.onDepth(msg.symbol, this.subs.onUpdate(msg));
    }
  }

  private onPrivate(msg: T.PrivateEvent): void {
    if (!Number.isSafeInteger(msg.seq)) {
      return void this.emit('error', new ProtocolError(`${msg.type} without an integer seq`));
    }
    if (this.hasPosition && msg.seq <= this._lastSeq) return void this.emit('duplicate', msg);
    if (this.hasPosition && msg.seq > this._lastSeq + 1)
      this.emit('gap', { expected: this._lastSeq + 1, got: msg.seq });
    this._lastSeq = msg.seq;
    this.hasPosition = true;
    if (msg.type === 'order.update') this.emit('order.update', msg);
    else if (msg.type === 'trade') this.emit('trade', msg);
    else this.emit('balance.update', msg);
    this.emit('private', msg);
  }

  private onDepth(symbol: string, o: DepthOutcome): void {
    if (o.kind === 'applied') this.emit('depth', symbol, o.book);
    else if (o.kind === 'gap') {
      this.emit('depth.gap', symbol, o.expected, o.got);
      for (const m of this.subs.resubscribeMessages(symbol) ?? []) this.send(m);
    }
  }
}

/** A text frame as a string: `ws` delivers Buffers; a browser stand-in of `ws` (browser-ws.ts) strings. */
function frameText(data: RawData | string): string {
  if (typeof data === 'string') return data;
  const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  return buf.toString('utf8');
}
