// Slow and greedy clients against real servers and raw sockets: a body or headers that trickle in are cut off
// with 408 / 4081, idle keep-alive connections are closed, and the connection caps (total, per source IP,
// anonymous WebSockets) refuse cleanly — HTTP 503 with 5001 in the envelope, WebSocket `error` 5001 then close
// 1013 — while /healthz and /readyz keep answering, and the server serves again once the greedy sockets go.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { Lab, type TestServer, expectError, expectOk } from '../http/harness.js';
import { RawClient, wsUrl } from '../push/raw-client.js';
import { closeAllRawSockets, get, rawRequest, rawSocket, readUntilClose } from '../support/raw-http.js';

const lab = new Lab('sqlite');
const clients: RawClient[] = [];
after(async () => {
  for (const c of clients.splice(0)) c.dispose();
  closeAllRawSockets();
  await lab.cleanup();
});

const portOf = (s: TestServer) => Number(new URL(s.url).port);

/** A POST whose headers are complete but whose body never finishes: the server holds it as a request. */
async function halfSentPost(s: TestServer, localAddress?: string): Promise<Socket> {
  const sock = await rawSocket(portOf(s), localAddress);
  sock.on('error', () => {});
  sock.write(
    'POST /api/v1/create_order HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"sym',
  );
  return sock;
}

/** Sends one byte every 100 ms until the socket closes (a client that trickles). */
function trickle(sock: Socket, byte: string): void {
  const t = setInterval(() => {
    if (sock.destroyed || !sock.writable) clearInterval(t);
    else sock.write(byte);
  }, 100);
  sock.once('close', () => clearInterval(t));
}

async function anonymousWs(s: TestServer, localAddress?: string): Promise<RawClient> {
  const c = await RawClient.connect(wsUrl(s.url), localAddress !== undefined ? { localAddress } : {});
  clients.push(c);
  return c;
}

async function expectWsRefused(s: TestServer, localAddress?: string): Promise<void> {
  const c = await anonymousWs(s, localAddress);
  const closed = await c.waitClose();
  assert.equal(closed.code, 1013, JSON.stringify(closed));
  const err = c.messages.find((m) => m.type === 'error');
  assert.equal(err?.code, 5001, JSON.stringify(c.messages));
}

describe('timeouts', () => {
  const opts = { flags: { http: { requestTimeoutMs: 1000, headersTimeoutMs: 500, keepAliveTimeoutMs: 500 } } };

  test('a body that trickles in is answered 408 / 4081 and closed', async () => {
    const s = await lab.start(opts);
    const sock = await halfSentPost(s);
    trickle(sock, ' ');
    const r = await readUntilClose(sock, 10_000);
    assert.ok(r.closed, `the server must close a request whose body never completes; got ${r.text.slice(0, 120)}`);
    assert.match(r.text, /^HTTP\/1\.1 408 /);
    assert.match(r.text, /"code":4081/);
  });

  test('headers that trickle in are answered 408 / 4081 and closed', async () => {
    const s = await lab.start(opts);
    const sock = await rawSocket(portOf(s));
    sock.write('GET /api/v1/symbols HTTP/1.1\r\nhost: x\r\nx-slow: ');
    trickle(sock, 'a');
    const r = await readUntilClose(sock, 10_000);
    assert.ok(r.closed, 'the server must close a request whose headers never complete');
    assert.match(r.text, /^HTTP\/1\.1 408 /);
    assert.match(r.text, /"code":4081/);
  });

  test('an idle keep-alive connection is closed after keepAliveTimeoutMs', async () => {
    const s = await lab.start(opts);
    const sock = await rawSocket(portOf(s));
    sock.write('GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: keep-alive\r\n\r\n');
    const r = await readUntilClose(sock, 10_000);
    assert.ok(r.closed, 'an idle kept-alive socket must be closed by the server');
    assert.match(r.text, /^HTTP\/1\.1 200 /);
  });
});

describe('connection caps', () => {
  test('past limits.maxConnections: 503 / 5001 and WebSocket 1013, /healthz and /readyz still answer', async () => {
    const s = await lab.start({
      flags: { limits: { maxConnections: 20 }, http: { requestTimeoutMs: 60_000, headersTimeoutMs: 60_000 } },
    });
    const port = portOf(s);
    const held = await Promise.all(Array.from({ length: 20 }, () => halfSentPost(s)));
    await new Promise((r) => setTimeout(r, 200));
    const refused = await rawRequest(port, get('/api/v1/symbols'));
    assert.equal(refused.status, 503, refused.body);
    assert.equal(refused.json?.code, 5001, refused.body);
    assert.match(refused.json?.msg ?? '', /connection limit/);
    assert.equal(refused.headers['connection'], 'close');
    const health = await rawRequest(port, get('/healthz'));
    assert.equal(health.status, 200, health.body);
    assert.equal(health.json?.code, 0);
    assert.equal((await rawRequest(port, get('/readyz'))).status, 200);
    await expectWsRefused(s);
    for (const h of held) h.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expectOk(await s.get('/api/v1/symbols'));
    assert.match(await s.metrics(), /fillstream_connections_refused_total\{reason="server_full"\} [1-9]/);
  });

  test('past limits.maxConnectionsPerIp: that address is refused, another is served', async () => {
    const s = await lab.start({
      flags: { limits: { maxConnectionsPerIp: 5 }, http: { requestTimeoutMs: 60_000, headersTimeoutMs: 60_000 } },
    });
    const port = portOf(s);
    const held = await Promise.all(Array.from({ length: 5 }, () => halfSentPost(s, '127.0.0.2')));
    await new Promise((r) => setTimeout(r, 200));
    const refused = await rawRequest(port, get('/api/v1/symbols'), '127.0.0.2');
    assert.equal(refused.status, 503, refused.body);
    assert.equal(refused.json?.code, 5001);
    assert.match(refused.json?.msg ?? '', /your address/);
    assert.equal((await rawRequest(port, get('/healthz'), '127.0.0.2')).status, 200, '/healthz still answers');
    await expectWsRefused(s, '127.0.0.2');
    const other = await rawRequest(port, get('/api/v1/symbols'), '127.0.0.3');
    assert.equal(other.status, 200, other.body);
    for (const h of held) h.destroy();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await rawRequest(port, get('/api/v1/symbols'), '127.0.0.2')).status, 200);
  });

  test('past ws.maxAnonymousConnections: anonymous sockets get 5001 + 1013, authenticated ones are admitted', async () => {
    const s = await lab.start({ flags: { ws: { maxAnonymousConnections: 3 } } });
    const u = await s.fundedUser({ USDT: '100' });
    const anon = [await anonymousWs(s), await anonymousWs(s), await anonymousWs(s)];
    for (const a of anon) await a.nextOfType('connected');
    await expectWsRefused(s);
    // A token in the URL is not anonymous.
    const authed = await RawClient.connect(wsUrl(s.url, `token=${encodeURIComponent(u.token)}`));
    clients.push(authed);
    assert.equal((await authed.nextOfType('connected')).user_id, u.userId);
    // One anonymous connection authenticates: its place is free for a new anonymous one.
    (anon[0] as RawClient).send({ type: 'auth', token: u.token });
    await (anon[0] as RawClient).nextOfType('auth.success');
    const fourth = await anonymousWs(s);
    assert.equal((await fourth.nextOfType('connected')).user_id, null);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(fourth.closed, null, 'admitted');
    assert.match(await s.metrics(), /fillstream_connections_refused_total\{reason="anonymous_full"\} 1/);
  });

  test('a refused request is in the envelope and never reaches a route', async () => {
    const s = await lab.start({
      flags: {
        limits: { maxConnections: 2 },
        http: { requestTimeoutMs: 60_000, headersTimeoutMs: 60_000, keepAliveTimeoutMs: 100 },
      },
    });
    const u = await s.fundedUser({ USDT: '1000' });
    await new Promise((r) => setTimeout(r, 300)); // the kept-alive sockets of those requests are gone
    const held = [await halfSentPost(s), await halfSentPost(s)];
    await new Promise((r) => setTimeout(r, 100));
    const body = '{"symbol":"BTC_USDT","side":"BUY","order_type":"LIMIT","price":"100.00","qty":"0.01"}';
    const refused = await rawRequest(
      portOf(s),
      `POST /api/v1/create_order HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${u.token}\r\n` +
        `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    );
    assert.equal(refused.status, 503);
    assert.deepEqual(Object.keys(refused.json ?? {}), ['code', 'msg', 'data']);
    for (const h of held) h.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const orders = await s.ok<{ orders: unknown[] }>('/api/v1/orders', u.bearer);
    assert.deepEqual(orders.orders, [], 'nothing was placed by the refused request');
    expectError(await s.get('/api/v1/nothing'), 404, 4041);
  });
});
