// AccountSession: one signed-in user. Sign-in is an API key and secret (the page signs /auth/token itself with
// WebCrypto; the secret stays in this object's memory to renew the token and is never sent) or, when the server runs
// in development-auth mode, a user id. It keeps a PushClient with the user's credential (resuming from the last
// seq after a reconnect), a live log of private events with their seq, the connection state in words, and the
// balances, open orders and fills as the REST API answers them (reloaded after each private event).

import { ApiClientError } from '../../../src/client/errors.js';
import { RestClient } from '../../../src/client/rest.js';
import { PushClient } from '../../../src/client/ws-client.js';
import type { Balance, CreateOrderRequest, Order, PrivateEvent, UserTrade } from '../../../src/client/types.js';
import { eventSummary } from '../format.js';
import { issueToken } from '../sign.js';
import { wsUrl } from '../market/feed.js';
import { Store } from '../store.js';

const LOG_KEPT = 200;
/** History read at sign-in: pages of GET /events (1000 each) before the live stream takes over. */
const HISTORY_PAGES = 20;
const RELOAD_DELAY_MS = 100;

export interface LoggedEvent {
  seq: number;
  type: PrivateEvent['type'];
  text: string;
}

export interface AccountState {
  userId: number | null;
  /** connecting, connected, reconnecting (attempt n), resumed from seq N, resynced to seq N, closed... */
  connection: string;
  balances: Balance[];
  openOrders: Order[];
  fills: UserTrade[];
  events: LoggedEvent[];
  lastSeq: number;
  error: string | null;
}

const logged = (e: PrivateEvent): LoggedEvent => ({ seq: e.seq, type: e.type, text: eventSummary(e) });

export type SignIn = { kind: 'key'; apiKey: string; apiSecret: string } | { kind: 'dev'; userId: number };

/** `msg (code N)` of an API error, the message of anything else. */
export function errorText(e: unknown): string {
  if (e instanceof ApiClientError) return `${e.msg} (code ${e.code})`;
  return (e as Error).message;
}

export class AccountSession {
  readonly state = new Store<AccountState>({
    userId: null,
    connection: 'connecting',
    balances: [],
    openOrders: [],
    fills: [],
    events: [],
    lastSeq: 0,
    error: null,
  });
  private push: PushClient | null = null;
  rest: RestClient;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  /** The seq the client held when its connection dropped: what a resume continues from. */
  private droppedAt: number | null = null;
  /** Reloads started; only the latest one's answers are shown. */
  private reloads = 0;

  private constructor(
    readonly origin: string,
    private readonly how: SignIn,
  ) {
    this.rest = new RestClient({ baseUrl: origin });
  }

  /** Signs in (throws the server's message when refused), then connects the private stream and loads the state. */
  static async open(origin: string, how: SignIn): Promise<AccountSession> {
    const s = new AccountSession(origin, how);
    let token: string | undefined;
    if (how.kind === 'key') {
      const t = await issueToken(origin, how.apiKey, how.apiSecret);
      token = t.token;
      s.rest = new RestClient({ baseUrl: origin, token });
      s.state.update({ userId: t.userId });
    } else {
      s.rest = new RestClient({ baseUrl: origin, userId: how.userId });
      await s.rest.getBalances(); // refused at once when development auth is off
      s.state.update({ userId: how.userId });
    }
    const resumeFrom = await s.loadHistory();
    s.connect(token, resumeFrom);
    await s.reload();
    return s;
  }

  /**
   * The user's retained events from GET /events into the log (its newest LOG_KEPT); answers the last seq read, from
   * which the push stream resumes, so that history and live events join without a gap. Undefined when there is none.
   */
  private async loadHistory(): Promise<number | undefined> {
    let after = 0;
    let events: LoggedEvent[] = [];
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const r = await this.rest.listEvents(after, 1000);
      events = [...r.events.map(logged).reverse(), ...events].slice(0, LOG_KEPT);
      const last = r.events[r.events.length - 1];
      if (last === undefined) break;
      after = last.seq;
      if (r.events.length < 1000) break;
    }
    this.state.update({ events, lastSeq: after });
    return after > 0 ? after : undefined;
  }

  private connect(token: string | undefined, resumeFrom: number | undefined): void {
    const push = new PushClient({
      url: wsUrl(this.origin),
      heartbeatIntervalMs: 15_000,
      ...(resumeFrom !== undefined ? { resumeFrom } : {}),
      ...(token !== undefined ? { token } : { userId: (this.how as { userId: number }).userId }),
    });
    this.push = push;
    push.on('ready', () => {
      const resumed = this.droppedAt;
      this.droppedAt = null;
      const connection =
        resumed === null
          ? 'connected'
          : resumed > 0
            ? `resumed from seq ${resumed}`
            : 'reconnected (no event seen yet)';
      this.state.update({ connection });
      if (resumed !== null) this.scheduleReload();
    });
    push.on('close', () => {
      if (this.droppedAt === null) this.droppedAt = push.lastSeq;
    });
    push.on('reconnecting', (attempt) => this.state.update({ connection: `reconnecting (attempt ${attempt})` }));
    push.on('resync', (m) => {
      this.state.update({ connection: `resynced to seq ${m.latest_seq}`, lastSeq: m.latest_seq });
      this.scheduleReload();
    });
    push.on('private', (e) => {
      this.state.update({ events: [logged(e), ...this.state.value.events].slice(0, LOG_KEPT), lastSeq: e.seq });
      this.scheduleReload();
    });
    push.on('auth.expiring', () => void this.renewToken());
    push.on('auth.error', (m) => this.state.update({ connection: `authentication failed: ${m.msg}` }));
  }

  private async renewToken(): Promise<void> {
    if (this.how.kind !== 'key' || this.push === null) return;
    try {
      const t = await issueToken(this.origin, this.how.apiKey, this.how.apiSecret);
      this.rest = new RestClient({ baseUrl: this.origin, token: t.token });
      await this.push.authenticate(t.token);
    } catch (e) {
      this.state.update({ error: `token renewal failed: ${errorText(e)}` });
    }
  }

  private scheduleReload(): void {
    if (this.reloadTimer !== null) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      void this.reload();
    }, RELOAD_DELAY_MS);
  }

  /** Balances, open orders and the latest fills, from the REST API. */
  async reload(): Promise<void> {
    const mine = ++this.reloads;
    try {
      const [b, open, partial, fills] = await Promise.all([
        this.rest.getBalances(),
        this.rest.listOrders({ status: 'NEW', limit: 200 }),
        this.rest.listOrders({ status: 'PARTIALLY_FILLED', limit: 200 }),
        this.rest.listTrades({ limit: 50 }),
      ]);
      if (mine !== this.reloads) return; // a newer reload started meanwhile: its answers win
      const openOrders = [...open.orders, ...partial.orders].sort((x, y) => y.order_id - x.order_id);
      this.state.update({ balances: b.balances, openOrders, fills: fills.trades, error: null });
    } catch (e) {
      this.state.update({ error: errorText(e) });
    }
  }

  /** Places an order; answers the accepted order id, or throws with the server's message. */
  async place(req: CreateOrderRequest): Promise<number> {
    const r = await this.rest.createOrder(req);
    this.scheduleReload();
    return r.order_id;
  }

  async cancel(orderId: number): Promise<string> {
    const r = await this.rest.cancelOrder(orderId);
    this.scheduleReload();
    return r.order_status;
  }

  async close(): Promise<void> {
    if (this.reloadTimer !== null) clearTimeout(this.reloadTimer);
    await this.push?.close();
  }
}
