// The engine's clock starts at the last persisted time: an order placed after a restart on a database whose
// newest command is stamped in the future (as if the wall clock went back) is stamped no earlier than that, so
// created_at keeps growing with order ids, which the stores' time filters rely on (read-sql.ts). Both stores.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/adapters/store/index.js';
import { Lab, type StoreKind, expectOk, postgresUrl } from './harness.js';

const AHEAD_MS = 3_600_000;

function clockSuite(kind: StoreKind): void {
  describe(`engine clock across restarts (${kind})`, () => {
    const lab = new Lab(kind);
    after(() => lab.cleanup());

    test('orders placed after a restart are stamped no earlier than the last persisted command', async () => {
      const db = await lab.database();
      const future = Date.now() + AHEAD_MS;
      const store = await openStore(db.url);
      try {
        // The newest command on record was stamped an hour ahead of this machine's clock.
        await store.applyBatch({
          orders: [],
          trades: [],
          balances: [],
          events: [],
          meta: { lastOrderId: 0, lastTradeId: 0 },
          journal: [{ seq: 1, ts: future, command: '{"type":"noop"}' }],
        });
      } finally {
        await store.close();
      }
      const s = await lab.start({}, db);
      const u = await s.fundedUser({ USDT: '1000' });
      const body = { symbol: 'BTC_USDT', side: 'BUY', order_type: 'LIMIT', price: '100.00', qty: '0.01' };
      const placed = expectOk<{ order_id: number; accepted_at: number }>(
        await s.post('/api/v1/create_order', body, u.bearer),
        202,
      );
      assert.ok(placed.accepted_at >= future, `accepted_at ${placed.accepted_at} < last persisted ${future}`);
      const o = await s.order(u, placed.order_id);
      assert.ok((o.created_at as number) >= future, `created_at ${String(o.created_at)} < ${future}`);
      // And a time filter from that instant finds it.
      const page = await s.ok<{ orders: Array<{ order_id: number }> }>(`/api/v1/orders?start_time=${future}`, u.bearer);
      assert.deepEqual(
        page.orders.map((x) => x.order_id),
        [placed.order_id],
      );
    });
  });
}

clockSuite('sqlite');
if (postgresUrl() === undefined) {
  console.log('engine clock postgres test SKIPPED (needs DATABASE_URL)');
  test('engine clock across restarts (postgres)', { skip: 'SKIPPED (needs DATABASE_URL)' }, () => {});
} else {
  clockSuite('postgres');
}
