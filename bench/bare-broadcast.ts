// Baseline for bench:push's fan-out: a bare `ws` server that, once `expect`
// clients are connected, broadcasts one pre-serialized trade message to all of
// them as fast as their sockets drain, for `seconds`, then exits.

import { WebSocketServer } from 'ws';

const [portArg, expectArg, secondsArg] = process.argv.slice(2);
const expect = Number(expectArg);
const seconds = Number(secondsArg);
const wss = new WebSocketServer({ port: Number(portArg), host: '0.0.0.0', perMessageDeflate: false });
const msg = JSON.stringify({
  type: 'market.trade',
  symbol: 'BTC_USDT',
  seq: 1,
  data: { trade_id: 1, price: '30000.00', qty: '0.001000', taker_side: 'BUY', traded_at: 0 },
});
wss.on('listening', () => process.stdout.write('ready\n'));
wss.on('connection', (ws) => {
  ws.on('error', () => undefined);
  if (wss.clients.size === expect) void blast();
});

async function blast(): Promise<void> {
  await new Promise((r) => setTimeout(r, 500));
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    for (const c of wss.clients) if (c.bufferedAmount < 65536) c.send(msg);
    await new Promise((r) => setImmediate(r));
  }
  for (const c of wss.clients) c.terminate();
  wss.close();
  process.exit(0);
}
