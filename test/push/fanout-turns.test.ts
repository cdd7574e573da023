// A big public fan-out does not hold the server's event loop (src/push/broadcaster.ts), against a real server and
// real sockets: one sweeping order makes 100 trades for 401 trades subscribers (40,100 sends). Before, they all went
// out in one synchronous loop, so the server read nothing else until the last one was written: a probe that sent a
// WebSocket ping when its first trade arrived got the pong only after all 100 trades. Now the server answers the ping
// while the fan-out is still going on, and every subscriber still gets every trade once, in seq order.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../http/harness.js';
import { type Msg, RawClient, wsUrl } from './raw-client.js';

const lab = new Lab('sqlite');
const clients: RawClient[] = [];
after(async () => {
  for (const c of clients) c.dispose();
  await lab.cleanup();
});

const TRADES = 100;
const SUBSCRIBERS = 400;

test('a fan-out of 100 trades to 401 subscribers lets the server answer a ping before it ends', async () => {
  const srv = await lab.start();
  const maker = await srv.fundedUser({ BTC: '10' });
  const taker = await srv.fundedUser({ USDT: '100000000' });
  for (let i = 0; i < TRADES; i++) {
    const price = (30_000 + i).toFixed(2);
    await srv.place(maker, { symbol: 'BTC_USDT', side: 'SELL', order_type: 'LIMIT', price, qty: '0.001' });
  }
  const subscribe = async () => {
    const c = await RawClient.connect(wsUrl(srv.url));
    clients.push(c);
    await c.request({ type: 'subscribe', channel: 'trades', symbol: 'BTC_USDT' });
    return c;
  };
  const subscribers: RawClient[] = [];
  for (let i = 0; i < SUBSCRIBERS; i += 50)
    subscribers.push(...(await Promise.all(Array.from({ length: 50 }, subscribe))));
  const probe = await subscribe(); // the last member: its trades are the last of each broadcast

  let tradesSeen = 0;
  let tradesAtPong: number | null = null;
  probe.ws.on('message', (d) => {
    if (!d.toString().includes('"market.trade"')) return;
    if (tradesSeen++ === 0) probe.ws.ping();
  });
  probe.ws.once('pong', () => (tradesAtPong = tradesSeen));

  const sweep = {
    symbol: 'BTC_USDT',
    side: 'BUY',
    order_type: 'LIMIT',
    price: '40000.00',
    qty: (TRADES / 1000).toFixed(3),
  };
  await srv.place(taker, sweep);
  const all = [...subscribers, probe];
  const trades = (c: RawClient) => c.messages.filter((m: Msg) => m.type === 'market.trade');
  for (const c of all) await c.until(() => trades(c).length >= TRADES, 'every trade', 30_000);
  await probe.until(() => tradesAtPong !== null, 'the pong', 5000);

  assert.ok(
    (tradesAtPong as unknown as number) < TRADES,
    `the pong came after ${tradesAtPong} of the probe's ${TRADES} trades: the fan-out held the server's loop`,
  );
  for (const c of all) {
    const seqs = trades(c).map((m) => m.seq as number);
    assert.equal(seqs.length, TRADES);
    assert.deepEqual(
      seqs,
      Array.from({ length: TRADES }, (_, i) => (seqs[0] as number) + i),
      'gap-free, in order',
    );
  }
  assert.deepEqual(lab.serverErrors(), []);
});
