// Helpers of the WebSocket order-entry tests: an authenticated raw socket of a test user, sending an order message
// and waiting for its order.result(s), and the private events the socket received for one order.

import type { TestServer, TestUser } from '../http/harness.js';
import { type Msg, RawClient, wsUrl } from './raw-client.js';

export type Obj = Record<string, unknown>;

export const limit = (side: 'BUY' | 'SELL', price: string, qty: string, extra: Obj = {}): Obj => ({
  symbol: 'BTC_USDT',
  side,
  order_type: 'LIMIT',
  price,
  qty,
  ...extra,
});

/** A socket authenticated as `u` with ?token= (answered `connected` with the user id), plus `query`. */
export async function socketOf(s: TestServer, u: TestUser, query = ''): Promise<RawClient> {
  const c = await RawClient.connect(wsUrl(s.url, `token=${encodeURIComponent(u.token)}${query}`));
  await c.nextOfType('connected');
  return c;
}

let nextId = 1;
export const freshId = (): string => `req-${nextId++}`;

export const isResult = (id: unknown, index?: number) => (m: Msg) =>
  m.type === 'order.result' && m['id'] === id && (index === undefined || m['index'] === index);

/** Sends a message and returns the first order.result for its id (from the messages after the send). */
export async function request(c: RawClient, msg: Obj, timeoutMs = 10_000): Promise<Msg> {
  const from = c.messages.length;
  c.send(msg);
  return c.next(isResult(msg['id'] ?? null), `order.result for ${JSON.stringify(msg).slice(0, 100)}`, from, timeoutMs);
}

export function place(c: RawClient, params: unknown, id: unknown = freshId()): Promise<Msg> {
  return request(c, { type: 'order.place', id, params });
}

export function cancel(c: RawClient, params: unknown, id: unknown = freshId()): Promise<Msg> {
  return request(c, { type: 'order.cancel', id, params });
}

/** Sends an order.batch_place and waits for one result per order; returns them by index. */
export async function batch(c: RawClient, orders: unknown[], id = freshId()): Promise<Msg[]> {
  const from = c.messages.length;
  c.send({ type: 'order.batch_place', id, params: { orders } });
  const mine = () => c.messages.slice(from).filter(isResult(id));
  await c.until(() => mine().length >= orders.length, `${orders.length} results of batch ${id}`, 10_000);
  return mine().sort((a, b) => (a['index'] as number) - (b['index'] as number));
}

/** The data of a message (an order.result or a private event). */
export const dataOf = (m: Msg): Obj => (m['data'] ?? {}) as Obj;
