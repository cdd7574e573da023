// Clients that keep a cluster busy while engines die, shared by test/cluster/failover-load.test.ts and
// bench/failover.ts: order entry over HTTP and over the WebSocket (order.place / order.cancel), every answer recorded
// by cid in a ledger (acknowledged, outcome unknown, refused by code), and each user's private stream followed over
// /ws with resume_from, moving between gateways, checking seq by seq that nothing is missing or repeated.

import WebSocket from 'ws';
import { post, type Json } from './cluster-lab.js';

export interface Answer {
  readonly code: number;
  readonly data: Json | null;
  /** The refusal's message, when there is one. */
  readonly msg?: string;
}

/** Every order request and its answer. An "unknown" outcome is a 5001 or a lost connection (placed once or never). */
export class Ledger {
  /** cid -> order id, for every acknowledged placement. */
  readonly acked = new Map<string, number>();
  /** Acknowledged placements with when they were sent and answered (ms since epoch). */
  readonly ackTimes: Array<{ cid: string; sentAt: number; ackedAt: number }> = [];
  readonly unknown = new Set<string>();
  /** Answers other than 0, by code ("net" for a transport failure), placements and cancels apart. */
  readonly placeErrors = new Map<string, number>();
  readonly cancelErrors = new Map<string, number>();
  cancels = 0;

  place(cid: string, sentAt: number, a: Answer | null): void {
    const ackedAt = Date.now();
    if (a?.code === 0) {
      this.acked.set(cid, a.data?.order_id as number);
      this.ackTimes.push({ cid, sentAt, ackedAt });
      return;
    }
    const code = a === null ? 'net' : String(a.code);
    this.placeErrors.set(code, (this.placeErrors.get(code) ?? 0) + 1);
    if (a === null || a.code === 5001) this.unknown.add(cid);
  }

  cancel(a: Answer | null): void {
    if (a?.code === 0) this.cancels++;
    else {
      const code = a === null ? 'net' : String(a.code);
      this.cancelErrors.set(code, (this.cancelErrors.get(code) ?? 0) + 1);
    }
  }

  /** The first acknowledgement of an order sent at or after `t` (ms), or null. */
  firstAckSentAfter(t: number): number | null {
    let first: number | null = null;
    for (const a of this.ackTimes) if (a.sentAt >= t && (first === null || a.ackedAt < first)) first = a.ackedAt;
    return first;
  }
}

/** Order entry on one authenticated socket: one order.result per request id. */
export class WsOrders {
  private nextId = 1;
  private readonly waiting = new Map<number, (a: Answer | null) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as {
        type: string;
        id?: number;
        code?: number;
        data?: Json | null;
        msg?: string;
      };
      if (m.type !== 'order.result' || typeof m.id !== 'number') return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.({ code: m.code as number, data: m.data ?? null, ...(m.msg === undefined ? {} : { msg: m.msg }) });
    });
    ws.on('close', () => {
      for (const w of this.waiting.values()) w(null);
      this.waiting.clear();
    });
    ws.on('error', () => undefined);
  }

  static async open(base: string, token: string): Promise<WsOrders> {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${token}`);
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    return new WsOrders(ws);
  }

  request(type: 'order.place' | 'order.cancel', params: Json): Promise<Answer | null> {
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ type, id, params }));
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/** HTTP or WebSocket order entry for one user (HTTP alternates between the gateways). */
export interface OrderEntry {
  place(body: Json): Promise<Answer | null>;
  cancel(orderId: number): Promise<Answer | null>;
}

export function httpEntry(bases: readonly string[], token: string): OrderEntry {
  let turn = 0;
  const auth = { authorization: `Bearer ${token}` };
  const call = (path: string, body: Json) =>
    post(bases[turn++ % bases.length] as string, path, auth, body).catch(() => null);
  return {
    place: (body) => call('/api/v1/create_order', body),
    cancel: (orderId) => call('/api/v1/cancel_order', { order_id: orderId }),
  };
}

export function wsEntry(ws: WsOrders): OrderEntry {
  return {
    place: (body) => ws.request('order.place', body),
    cancel: (orderId) => ws.request('order.cancel', { order_id: orderId }),
  };
}

const PRIVATE = new Set(['order.update', 'trade', 'balance.update']);

/**
 * One user's private stream over /ws from seq 1: on a close it reconnects (to the other gateway when moved) with
 * resume_from = the last seq it got. Every frame must carry the next seq; anything else is recorded as a problem.
 */
export class StreamFollower {
  readonly frames: string[] = [];
  readonly problems: string[] = [];
  resumes = 0;
  private ws: WebSocket | null = null;
  private stopped = false;

  constructor(
    private readonly bases: readonly string[],
    private readonly token: string,
    private at: number,
  ) {}

  get lastSeq(): number {
    return this.frames.length;
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    const from = this.lastSeq;
    const base = this.bases[this.at % this.bases.length] as string;
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${this.token}&resume_from=${from}`);
    this.ws = ws;
    ws.on('message', (d) => {
      const text = d.toString();
      const m = JSON.parse(text) as { type: string; seq?: number };
      if (m.type === 'connected' || m.type === 'order.result') return;
      if (!PRIVATE.has(m.type)) this.problems.push(`unexpected frame ${text}`);
      else if (m.seq !== this.lastSeq + 1) this.problems.push(`seq ${m.seq} after ${this.lastSeq}`);
      else this.frames.push(text);
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (this.stopped || this.ws !== ws) return;
      this.resumes++;
      setTimeout(() => this.start(), 50);
    });
  }

  /** Drops the connection; the follower resumes on the next gateway. */
  move(): void {
    this.at++;
    this.ws?.terminate();
  }

  stop(): void {
    this.stopped = true;
    this.ws?.terminate();
  }
}

/** GET /api/v1/events from seq 1 to the end, page by page: each event's exact text. */
export async function eventLog(base: string, token: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const r = await fetch(`${base}/api/v1/events?after=${out.length}&limit=1000`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await r.json()) as { code: number; data: { events: unknown[]; resync: boolean } };
    if (body.code !== 0 || body.data.resync) throw new Error(`GET /events: ${JSON.stringify(body).slice(0, 200)}`);
    for (const e of body.data.events) out.push(JSON.stringify(e));
    if (body.data.events.length < 1000) return out;
  }
}

/** GET /api/v1/orders, every page: cid -> order ids (a cid listed twice would show two ids). */
export async function listedOrders(base: string, token: string): Promise<Map<string, number[]>> {
  const byCid = new Map<string, number[]>();
  let cursor: number | null = null;
  for (;;) {
    const q: string = cursor === null ? '' : `&cursor=${cursor}`;
    const r = await fetch(`${base}/api/v1/orders?limit=1000${q}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await r.json()) as { code: number; data: { orders: Json[]; next_cursor: number | null } };
    if (body.code !== 0) throw new Error(`GET /orders: ${JSON.stringify(body).slice(0, 200)}`);
    for (const o of body.data.orders) {
      const cid = o.cid as string;
      byCid.set(cid, [...(byCid.get(cid) ?? []), o.order_id as number]);
    }
    cursor = body.data.next_cursor;
    if (cursor === null) return byCid;
  }
}
