// The gateway runs its reads on reader threads, never on its event loop's thread: every read of every read route
// (and of authentication and the WebSocket resume) is answered by a reader thread, counted per thread id, while
// the gateway answers from the main thread; the readers (and SQLite's checkpoint thread) run at a lower CPU
// priority. Real server and sockets, both stores.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import WebSocket from 'ws';
import { GatewayStore, READER_NICE } from '../../src/adapters/store/read-pool.js';
import { CHECKPOINTER_NICE } from '../../src/adapters/store/sqlite-checkpointer.js';
import { Lab, type StoreKind, expectOk, postgresUrl } from './harness.js';
import { limit } from './api-helpers.js';

function readerSuite(kind: StoreKind): void {
  describe(`gateway reads on reader threads (${kind})`, () => {
    const lab = new Lab(kind);
    after(() => lab.cleanup());

    test('every read runs on a reader thread, each route making exactly its reads there', async () => {
      const s = await lab.start();
      const store = s.srv.ctx.store;
      assert.ok(store instanceof GatewayStore, `the gateway store is a ${store.constructor.name}`);
      assert.equal(store.kind, kind === 'sqlite' ? 'sqlite' : 'postgres');
      const readers = store.pool.threadIds;
      assert.equal(readers.length, 2);
      assert.ok(!readers.includes(threadId), 'reader threads are not the gateway thread');

      const seller = await s.fundedUser({ BTC: '1' });
      const buyer = await s.fundedUser({ USDT: '100000' });
      const sold = await s.place(seller, limit('SELL', '30000.00', '0.01'));
      await s.place(buyer, limit('BUY', '30000.00', '0.01'));

      const served = (): number => [...store.pool.served.values()].reduce((a, b) => a + b, 0);
      const reads = async (what: string, expected: number, run: () => Promise<unknown>): Promise<void> => {
        const before = served();
        await run();
        assert.equal(served() - before, expected, `${what}: reads answered by reader threads`);
      };
      await reads('GET /orders', 1, () => s.ok('/api/v1/orders', seller.bearer));
      await reads('GET /order/:id', 1, () => s.order(seller, sold));
      await reads('GET /trades (a page, and whether more exist)', 2, () => s.ok('/api/v1/trades', seller.bearer));
      await reads('GET /balances', 1, () => s.balances(seller));
      await reads('GET /events (events, oldest seq)', 2, () => s.events(seller));
      await reads('GET /market/trades', 1, () => s.ok('/api/v1/market/trades?symbol=BTC_USDT'));
      await reads('GET /readyz', 1, () => s.ok('/readyz'));
      await reads('an API-key request (key lookup, balances)', 2, () => s.ok('/api/v1/balances', seller.hmac));
      await reads('cancel of an ended order (its status)', 1, async () =>
        expectOk(await s.post('/api/v1/cancel_order', { order_id: sold }, seller.bearer)),
      );
      const logged = (await s.events(seller)).map((e) => e.seq);
      assert.ok(logged.length >= 3, `${logged.length} events`);
      await reads('WebSocket resume (oldest, latest, one page)', 3, async () => {
        const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws`);
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        const seqs: number[] = [];
        const done = new Promise<void>((resolve) => {
          ws.on('message', (d) => {
            const m = JSON.parse(d.toString()) as { seq?: number };
            if (m.seq !== undefined) seqs.push(m.seq);
            if (seqs.length === logged.length) resolve();
          });
        });
        ws.send(JSON.stringify({ type: 'auth', token: seller.token, resume_from: 0 }));
        await done;
        ws.close();
        assert.deepEqual(seqs, logged);
      });
      // On Linux the reader threads run at a lower priority (nice 10) than the rest of the server, and so does the
      // SQLite engine's checkpoint thread (sqlite-checkpointer.ts).
      if (process.platform === 'linux') {
        const nice = readdirSync('/proc/self/task').map((t) => {
          const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
        });
        const checkpointers = kind === 'sqlite' ? 1 : 0;
        assert.equal(CHECKPOINTER_NICE, READER_NICE);
        assert.equal(
          nice.filter((n) => n === READER_NICE).length,
          readers.length + checkpointers,
          `thread nice values ${nice}`,
        );
        assert.equal(nice[0], 0, 'the main thread keeps its priority');
      }
      // Only the reader threads ever answered.
      assert.deepEqual(
        [...store.pool.served.keys()].filter((t) => !readers.includes(t)),
        [],
      );
    });
  });
}

readerSuite('sqlite');
if (postgresUrl() === undefined) {
  console.log('reader threads postgres test SKIPPED (needs DATABASE_URL)');
  test('gateway reads on reader threads (postgres)', { skip: 'SKIPPED (needs DATABASE_URL)' }, () => {});
} else {
  readerSuite('postgres');
}
