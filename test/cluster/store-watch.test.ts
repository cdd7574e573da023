// A cluster gateway's database watch (src/cluster/store-watch.ts) on real PostgreSQL (DATABASE_URL): a ping whose
// answer came back while the gateway's event loop was held up by other work (a fan-out of trades to thousands of
// sockets holds it for seconds) is an answer, not a lost database; a link that never answers is still caught. The
// defect this holds: bench:cluster's gateways refused orders (5001, "database lost") in fan-out rounds while the
// database was fine, because a single wall-clock timer fired before the answer waiting in the socket was read.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PostgresStore } from '../../src/adapters/store/postgres-store.js';
import { StoreWatch } from '../../src/cluster/store-watch.js';
import { databaseViaProxy } from './tcp-proxy.js';

const url = process.env.DATABASE_URL;

/** Holds this process's event loop, as a long synchronous fan-out does. */
function holdLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* busy */
  }
}

function quietLog(): { warned: string[]; info(): void; warn(o: object, m: string): void } {
  const warned: string[] = [];
  return { warned, info: () => undefined, warn: (_o, m) => void warned.push(m) };
}

if (!url) {
  console.log('store watch tests SKIPPED (needs DATABASE_URL)');
  test('store watch', { skip: 'SKIPPED (needs DATABASE_URL)' }, () => {});
} else {
  const schema = `fs_test_${randomBytes(5).toString('hex')}_watch`;
  let store: PostgresStore;
  before(async () => {
    store = new PostgresStore(url, { schema, max: 2 });
    await store.ping();
  });
  after(async () => {
    await store?.close();
  });

  test('a ping answered while the event loop was held past the timeout keeps the database ready', async () => {
    const log = quietLog();
    const watch = new StoreWatch({ ping: () => store.ping(), intervalMs: 500, timeoutMs: 300, log });
    for (let i = 0; i < 3; i++) {
      const checked = watch.check();
      holdLoop(900); // three times the timeout, wall clock
      await checked;
      assert.equal(watch.problem, null, `round ${i}: ${watch.problem}`);
    }
    assert.deepEqual(log.warned, []);
  });

  test('a link that holds the answer back is still a lost database, after about the timeout', async () => {
    const { proxy, url: viaProxy } = await databaseViaProxy(url);
    const held = new PostgresStore(viaProxy, { schema, max: 1 });
    try {
      await held.ping();
      const log = quietLog();
      const watch = new StoreWatch({ ping: () => held.ping(), intervalMs: 500, timeoutMs: 300, log });
      const cut = proxy.cutAfter('SELECT 1', 1500); // the server answers; the proxy keeps the answer
      const t0 = performance.now();
      await watch.check();
      const took = performance.now() - t0;
      assert.match(watch.problem ?? '', /database lost \(no answer in 300 ms\)/);
      assert.ok(took >= 290 && took < 1500, `caught after ${took} ms`);
      assert.deepEqual(log.warned, ['database lost: orders refused until it is back']);
      await cut;
      // The link is back (a new connection): the next round trip makes it ready again, by itself.
      await watch.check();
      assert.equal(watch.problem, null);
    } finally {
      await held.close().catch(() => undefined);
      await proxy.close();
    }
  });
}
