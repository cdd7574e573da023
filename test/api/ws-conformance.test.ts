// Real WebSocket traffic against the AsyncAPI message table: one real server, real sockets, and a session that
// makes the server send every message type it documents (RawClient checks every frame it receives against its
// schema; this file also checks every message it sends). Fails when a documented server message type was never
// seen, so a new message needs a schema, an example and a place in real traffic.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { WS_MESSAGES } from '../../src/api/ws-messages.js';
import { issueToken } from '../../src/auth/credentials.js';
import { Lab, TOKEN_SECRET } from '../http/harness.js';
import { limit } from '../http/api-helpers.js';
import { RawClient, wsUrl } from '../push/raw-client.js';
import { checkClientMessage, seenMessages } from '../support/api-conformance.js';

const lab = new Lab('sqlite');
const clients: RawClient[] = [];
after(async () => {
  for (const c of clients.splice(0)) c.dispose();
  await lab.cleanup();
});

const sentTypes = new Set<string>();

async function open(url: string): Promise<RawClient> {
  const c = await RawClient.connect(url);
  clients.push(c);
  return c;
}

/** Sends a client message after checking it against its own schema. */
function send(c: RawClient, m: Record<string, unknown>): number {
  assert.equal(checkClientMessage(m), null, `client message ${JSON.stringify(m)}`);
  sentTypes.add(m.type as string);
  const from = c.messages.length;
  c.send(m);
  return from;
}

test('a session that makes the server send every documented message type; every frame matches its schema', async (t) => {
  const s = await lab.start();
  const buyer = await s.fundedUser({ USDT: '10000' });
  const seller = await s.fundedUser({ BTC: '1' });

  // Anonymous: connected, pong, subscribed (+ depth.snapshot, ticker), error, unsubscribed.
  const anon = await open(wsUrl(s.url));
  assert.equal((await anon.nextOfType('connected')).user_id, null);
  let from = send(anon, { type: 'ping' });
  await anon.nextOfType('pong', from);
  for (const channel of ['trades', 'depth', 'ticker', 'kline']) {
    from = send(anon, {
      type: 'subscribe',
      channel,
      symbol: 'BTC_USDT',
      ...(channel === 'depth' ? { levels: 5 } : channel === 'kline' ? { interval: '1m' } : {}),
    });
    await anon.nextOfType('subscribed', from);
  }
  await anon.nextOfType('depth.snapshot');
  await anon.nextOfType('ticker');
  anon.send({ type: 'candles' });
  assert.equal((await anon.nextOfType('error')).code, 1001);

  // Private: ?token= and auth message; a trade gives order.update, trade, balance.update and the public feed.
  const sellerWs = await open(wsUrl(s.url, `token=${encodeURIComponent(seller.token)}`));
  assert.equal((await sellerWs.nextOfType('connected')).user_id, seller.userId);
  const buyerWs = await open(wsUrl(s.url));
  await buyerWs.nextOfType('connected');
  from = send(buyerWs, { type: 'auth', token: buyer.token });
  assert.equal((await buyerWs.nextOfType('auth.success', from)).user_id, buyer.userId);
  await s.place(seller, limit('SELL', '40000', '0.01'));
  await s.place(buyer, limit('BUY', '40000', '0.01'));
  for (const c of [buyerWs, sellerWs]) {
    await c.nextOfType('trade');
    await c.next((m) => m.type === 'order.update' && (m.data as { status: string }).status === 'FILLED', 'FILLED');
    await c.nextOfType('balance.update');
  }
  await anon.nextOfType('market.trade');
  await anon.nextOfType('depth.update');
  await anon.nextOfType('kline');

  // Order entry on the socket: order.place, order.batch_place, order.cancel, each answered by order.result.
  from = send(buyerWs, { type: 'order.place', id: 'p-1', params: limit('BUY', '100', '0.01', { cid: 'ws-1' }) });
  assert.equal((await buyerWs.nextOfType('order.result', from)).code, 0);
  from = send(buyerWs, {
    type: 'order.batch_place',
    id: 'b-1',
    params: { orders: [limit('BUY', '101', '0.01'), limit('BUY', '0', '0.01')] },
  });
  await buyerWs.next((m) => m.type === 'order.result' && m.id === 'b-1' && m.index === 1, 'batch result 1');
  from = send(buyerWs, { type: 'order.cancel', id: 'c-1', params: { cid: 'ws-1' } });
  assert.equal((await buyerWs.nextOfType('order.result', from)).code, 0);
  from = send(anon, { type: 'unsubscribe', channel: 'trades', symbol: 'BTC_USDT' });
  await anon.nextOfType('unsubscribed', from);

  // Resume from a seq the user never had: resync.
  const resumer = await open(wsUrl(s.url));
  from = send(resumer, { type: 'auth', token: buyer.token, resume_from: 999_999 });
  assert.equal((await resumer.nextOfType('resync', from)).reason, 'unknown_seq');

  // A short token: auth.expiring, then auth.error at expiry (close 4001).
  const short = await issueToken(buyer.userId, 2, TOKEN_SECRET, Date.now());
  const expiring = await open(wsUrl(s.url));
  from = send(expiring, { type: 'auth', token: short.token });
  await expiring.nextOfType('auth.success', from);
  await expiring.nextOfType('auth.expiring', from, 4000);
  assert.equal((await expiring.nextOfType('auth.error', from, 4000)).code, 2002);
  assert.equal((await expiring.waitClose()).code, 4001);

  const server = WS_MESSAGES.filter((m) => m.from === 'server').map((m) => m.type);
  const unseen = server.filter((type) => !seenMessages.has(type));
  assert.deepEqual(unseen, [], 'every documented server message type was received and validated');
  const client = WS_MESSAGES.filter((m) => m.from === 'client').map((m) => m.type);
  assert.deepEqual(
    client.filter((type) => !sentTypes.has(type)),
    [],
    'every client message type was sent',
  );
  const frames = [...seenMessages.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(`validated ${frames} frames of ${seenMessages.size} server message types against /asyncapi.json`);
});
