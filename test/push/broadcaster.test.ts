// The broadcaster (src/push/broadcaster.ts) over real sockets: at most N sends per event-loop turn, every message
// in order for each member, a member that joins gets only what was made after it joined, one that leaves gets nothing
// more, and a queue that stays long (thousands of broadcasts behind) keeps every message and its order while it
// drops the slots already sent.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { Broadcaster, type Members } from '../../src/push/broadcaster.js';
import { Connection } from '../../src/push/connection.js';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
const clients: WebSocket[] = [];
after(() => {
  for (const c of clients) c.terminate();
  wss.close();
});

const LIMITS = { maxBacklogBytes: 1 << 30, maxBacklogMessages: 1 << 30, coalesceWrites: false };

/** A server-side Connection and the client socket's received numbers. */
async function pair(id: number): Promise<{ conn: Connection; got: number[]; client: WebSocket }> {
  if (wss.address() === null) await once(wss, 'listening');
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(url);
  clients.push(client);
  const got: number[] = [];
  client.on('message', (d) => got.push((JSON.parse(d.toString()) as { i: number }).i));
  await once(client, 'open');
  const [ws] = await accepted;
  return { conn: new Connection(id, ws, LIMITS, () => assert.fail('no reader here is slow'), Date.now()), got, client };
}

const msg = (i: number) => Buffer.from(JSON.stringify({ type: 'x', i }));

test('sends per turn are bounded, order holds, joins and leaves are exact, a long queue loses nothing', async () => {
  const a = await pair(1);
  const b = await pair(2);
  const c = await pair(3);
  const out = new Broadcaster(3);
  const members: Members = new Map();
  out.join(members, a.conn);
  out.join(members, c.conn);

  for (let i = 0; i < 5000; i++) out.broadcast(members, msg(i));
  // In this turn only 3 sends happened (to a, c, a); the rest waits.
  assert.ok(out.waiting >= 4998, `waiting ${out.waiting}`);
  // Other work gets its turn while the queue is still draining.
  let idleWhenOthersRan: boolean | null = null;
  setImmediate(() => (idleWhenOthersRan = out.idle));

  out.join(members, b.conn); // joins after 0..4999 were made: gets none of them
  for (let i = 5000; i < 5010; i++) out.broadcast(members, msg(i));
  members.delete(c.conn); // leaves: gets nothing more, whatever is still queued

  const until = async (ok: () => boolean) => {
    const end = Date.now() + 30_000;
    while (!ok()) {
      assert.ok(Date.now() < end, 'timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await until(() => out.idle && a.got.length === 5010 && b.got.length === 10);
  await new Promise((r) => setTimeout(r, 100));

  assert.deepEqual(
    a.got,
    Array.from({ length: 5010 }, (_, i) => i),
  );
  assert.deepEqual(
    b.got,
    Array.from({ length: 10 }, (_, i) => 5000 + i),
  );
  // c got what went out before it left: a prefix, in order, and far from everything.
  assert.deepEqual(
    c.got,
    Array.from({ length: c.got.length }, (_, i) => i),
  );
  assert.ok(c.got.length < 5000, `c got ${c.got.length}`);
  assert.equal(idleWhenOthersRan, false, 'a callback queued after the broadcasts ran only once all were sent');
});
