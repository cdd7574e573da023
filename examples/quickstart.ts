// Quickstart: node dist/examples/quickstart.js <http://host:port> <api_key> <api_secret> (Ctrl-C to stop).
import { PushClient, RestClient, TokenSource } from '@fillstream/client';

const [baseUrl = 'http://127.0.0.1:8080', apiKey = '', apiSecret = ''] = process.argv.slice(2);
const rest = new RestClient({ baseUrl, apiKey: { apiKey, apiSecret } });
const tokens = new TokenSource({ rest, apiKey: { apiKey, apiSecret } });
const push = new PushClient({ url: baseUrl.replace(/^http/, 'ws') + '/ws', tokenProvider: tokens.provider });
push.on('private', (m) => console.log('push', JSON.stringify(m)));
push.on('market.trade', (m) => console.log('push', JSON.stringify(m)));
await push.subscribe('trades', 'BTC_USDT');
const order = { symbol: 'BTC_USDT', side: 'BUY', order_type: 'LIMIT', price: '30000.00', qty: '0.001' } as const;
console.log('placed', JSON.stringify(await rest.createOrder(order)));
