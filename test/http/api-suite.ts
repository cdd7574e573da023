// The HTTP API contract suite (api.md, errors.md), run against every store (sqlite.test.ts, postgres.test.ts):
// real servers on port 0, real sockets, exact statuses, codes, envelopes and numbers.
//
// The main server is shared by the tests of the first block, which run in order. Its books are shared too, so the
// tests keep to price bands that never cross by accident: resting BUYs below 1100, resting SELLs at 90000 and above,
// trades meant to happen between 30000 and 50000 (always filled completely). The seed scenario runs first, on
// empty books. Its tests live in api-market.ts, api-auth.ts, api-orders.ts and api-queries.ts, registered in that
// order; the blocks below start servers of their own.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN,
  type Credentials,
  Lab,
  type Res,
  type StoreKind,
  type TestServer,
  type TestUser,
  assertGapFree,
  expectError,
  expectOk,
  limitOrder,
  sleep,
  withoutTimes,
} from './harness.js';
import { BODY_LIMIT, type MainServer, type Obj, balance, counts, limit } from './api-helpers.js';
import { authTests } from './api-auth.js';
import { marketTests } from './api-market.js';
import { orderTests } from './api-orders.js';
import { queryTests } from './api-queries.js';
import { revokeTests } from './api-revoke.js';
import { throttleTests } from './api-throttle.js';
import { klineTests } from './api-klines.js';
import { documentedSuccesses, seenRequestBodies, seenResponses } from '../support/api-conformance.js';

export function apiSuite(kind: StoreKind): void {
  describe(`HTTP API over real sockets (${kind})`, () => {
    const lab = new Lab(kind);
    after(() => lab.cleanup());

    describe('main server (dev auth off, admin on, body limit 1024 B)', () => {
      const ctx = { kind } as MainServer;
      before(async () => {
        ctx.s = await lab.start({ bodyLimitBytes: BODY_LIMIT });
      });
      marketTests(ctx);
      authTests(ctx);
      orderTests(ctx);
      queryTests(ctx);
    });

    describe('dev auth on, orders limited to 3 per second', () => {
      let s: TestServer;
      before(async () => {
        s = await lab.start({ devAuth: true, rateLimits: { ordersPerSec: 3 } });
      });

      test('dev auth: X-User-ID is trusted (GET and POST); a bad X-User-ID is 2002; tokens still work', async () => {
        const u = await s.fundedUser({ USDT: '100' });
        const dev: Credentials = { kind: 'dev', userId: u.userId };
        assert.deepEqual(await s.ok('/api/v1/balances', dev), {
          balances: [balance('USDT', '100.00', '0.00', '100.00')],
        });
        const placed = expectOk<Obj>(await s.post('/api/v1/create_order', limit('BUY', '10', '1'), dev), 202);
        assert.equal((await s.ok<Obj>(`/api/v1/order/${placed.order_id as number}`, dev)).status, 'NEW');
        assert.deepEqual(await s.ok('/api/v1/balances', u.bearer), {
          balances: [balance('USDT', '90.00', '10.00', '100.00')],
        });
        for (const bad of ['abc', '0', '-5', '1.5']) {
          expectError(await s.get('/api/v1/balances', { kind: 'dev', userId: bad }), 401, 2002);
        }
        expectError(await s.request('POST', '/api/v1/auth/token', { as: dev }), 403, 2003);
        expectError(await s.get('/api/v1/balances'), 401, 2001);
      });

      test('4291: more create_order requests than the per-user rate; the bucket refills', async () => {
        const u = await s.fundedUser({ USDT: '1000' });
        const burst = await Promise.all(
          Array.from({ length: 10 }, () => s.post('/api/v1/create_order', limit('BUY', '10', '0.1'), u.bearer)),
        );
        const c = counts(burst);
        assert.ok((c['202/0'] ?? 0) >= 3, `at least the burst of 3 is accepted: ${JSON.stringify(c)}`);
        assert.ok((c['429/4291'] ?? 0) >= 1, `some are rate limited: ${JSON.stringify(c)}`);
        assert.equal((c['202/0'] ?? 0) + (c['429/4291'] ?? 0), 10, JSON.stringify(c));
        for (const r of burst) if (r.status === 429) expectError(r, 429, 4291);
        // Queries are another class: not limited by the order bucket.
        const orders = await s.ok<{ orders: Obj[] }>('/api/v1/orders', u.bearer);
        assert.equal(orders.orders.length, c['202/0']);
        // Another user has their own bucket.
        const v = await s.fundedUser({ USDT: '10' });
        expectOk(await s.post('/api/v1/create_order', limit('BUY', '1', '0.1'), v.bearer), 202);
        await sleep(1100);
        expectOk(await s.post('/api/v1/create_order', limit('BUY', '10', '0.1'), u.bearer), 202);
      });
    });

    describe('replay and revocation (issue 9)', () => revokeTests(lab));

    describe('failed-authentication throttling and the audit log (issue 9)', () => throttleTests(lab));

    describe('queue capacity 1', () => {
      test('5001: concurrent create_order beyond the queue answer 503, the others 202, none 500', async () => {
        const s = await lab.start({ queueCapacity: 1 });
        const users = [
          await s.fundedUser({ USDT: '1000' }),
          await s.fundedUser({ USDT: '1000' }),
          await s.fundedUser({ USDT: '1000' }),
        ];
        const all: Res[] = [];
        for (let round = 0; round < 5 && !all.some((r) => r.status === 503); round++) {
          all.push(
            ...(await Promise.all(
              Array.from({ length: 60 }, (_, i) =>
                s.post('/api/v1/create_order', limit('BUY', '10', '0.01'), (users[i % 3] as TestUser).bearer),
              ),
            )),
          );
        }
        const c = counts(all);
        assert.ok((c['503/5001'] ?? 0) >= 1, `some answer 503/5001: ${JSON.stringify(c)}`);
        assert.ok((c['202/0'] ?? 0) >= 1, `some are accepted: ${JSON.stringify(c)}`);
        assert.equal((c['503/5001'] ?? 0) + (c['202/0'] ?? 0), all.length, JSON.stringify(c));
        for (const r of all) if (r.status === 503) expectError(r, 503, 5001);
        // Exactly the accepted orders exist, with distinct ids; the refused ones froze nothing.
        const accepted = all.filter((r) => r.status === 202).map((r) => (r.body?.data as Obj).order_id as number);
        assert.equal(new Set(accepted).size, accepted.length);
        let listed = 0;
        for (const u of users) {
          const mine = (await s.ok<{ orders: Obj[] }>('/api/v1/orders?limit=1000', u.bearer)).orders;
          listed += mine.length;
          for (const o of mine) assert.ok(accepted.includes(o.order_id as number));
          const frozen = (mine.length * 0.1).toFixed(2);
          assert.deepEqual(await s.balances(u), [
            balance('USDT', (1000 - mine.length * 0.1).toFixed(2), frozen, '1000.00'),
          ]);
        }
        assert.equal(listed, accepted.length);
        const ready = await s.ok<Obj>('/readyz');
        assert.equal(ready.status, 'ready');
        const m = /^fillstream_engine_queue_full_total (\d+)$/m.exec(await s.metrics());
        assert.ok(m !== null && Number(m[1]) >= 1, 'queue_full_total counts the refusals');
        expectOk(await s.post('/api/v1/create_order', limit('BUY', '10', '0.01'), (users[0] as TestUser).bearer), 202);
      });
    });

    describe('no admin token configured', () => {
      test('2003: admin routes are disabled, whatever the request carries', async () => {
        const s = await lab.start({ admin: false });
        const body = { user_id: 1001, asset: 'BTC', qty: '1' };
        for (const [route, b] of [
          ['users', undefined],
          ['deposit', body],
          ['withdraw', body],
        ] as const) {
          expectError(await s.request('POST', `/api/v1/admin/${route}`, { body: b, as: ADMIN }), 403, 2003);
          expectError(await s.request('POST', `/api/v1/admin/${route}`, { body: b }), 403, 2003);
        }
        assert.deepEqual(await s.ok('/healthz'), { status: 'alive' });
      });
    });

    describe('restart persistence', () => {
      test('a graceful restart on the same database keeps orders, balances, events, books and ids', async () => {
        const db = await lab.database();
        const s1 = await lab.start({}, db);
        const a = await s1.fundedUser({ USDT: '1000' });
        const b = await s1.fundedUser({ BTC: '2' });
        const buy = await s1.place(a, limit('BUY', '100', '1', { cid: 'keep-me' }));
        await s1.place(b, limit('SELL', '100', '0.4'));
        const sell = await s1.place(b, limit('SELL', '95000', '0.5', { cid: 'ask' }));
        const before1 = {
          buy: await s1.order(a, buy),
          sell: await s1.order(b, sell),
          balancesA: await s1.balances(a),
          balancesB: await s1.balances(b),
          eventsA: await s1.events(a),
          eventsB: await s1.events(b),
          ordersA: await s1.ok('/api/v1/orders', a.bearer),
          tradesA: await s1.ok('/api/v1/trades', a.bearer),
          depth: await s1.ok<Obj>('/api/v1/depth?symbol=BTC_USDT'),
          marketTrades: await s1.ok('/api/v1/market/trades?symbol=BTC_USDT'),
        };
        assert.deepEqual(
          withoutTimes(before1.buy),
          limitOrder({
            order_id: buy,
            cid: 'keep-me',
            side: 'BUY',
            price: '100.00',
            qty: '1.000000',
            filled_qty: '0.400000',
            avg_price: '100.00',
            status: 'PARTIALLY_FILLED',
          }),
        );
        assert.deepEqual(before1.balancesA, [
          balance('BTC', '0.399600', '0.000000', '0.399600'),
          balance('USDT', '900.00', '60.00', '960.00'),
        ]);
        const maxOrderId = Math.max(buy, sell);
        await s1.close();

        const s2 = await lab.start({}, db);
        assert.equal((await s2.ok<Obj>('/readyz')).status, 'ready');
        assert.deepEqual(await s2.order(a, buy), before1.buy);
        assert.deepEqual(await s2.order(b, sell), before1.sell);
        assert.deepEqual(await s2.balances(a), before1.balancesA);
        assert.deepEqual(await s2.balances(b), before1.balancesB);
        assert.deepEqual(await s2.events(a), before1.eventsA);
        assert.deepEqual(await s2.events(b), before1.eventsB);
        assert.deepEqual(await s2.ok('/api/v1/orders', a.bearer), before1.ordersA);
        assert.deepEqual(await s2.ok('/api/v1/trades', a.bearer), before1.tradesA);
        assert.deepEqual(await s2.ok('/api/v1/market/trades?symbol=BTC_USDT'), before1.marketTrades);
        const depth = await s2.ok<Obj>('/api/v1/depth?symbol=BTC_USDT');
        assert.deepEqual([depth.bids, depth.asks], [before1.depth.bids, before1.depth.asks]);
        assert.deepEqual([depth.bids, depth.asks], [[['100.00', '0.600000']], [['95000.00', '0.500000']]]);
        // The API key (secret stored encrypted) and the token still work.
        expectOk(await s2.get('/api/v1/balances?after=restart', a.hmac));
        // The open order is still the user's: its cid is taken, it is matched and cancelled like before.
        expectError(
          await s2.post('/api/v1/create_order', limit('BUY', '10', '1', { cid: 'keep-me' }), a.bearer),
          409,
          1004,
        );
        const next = await s2.place(b, limit('SELL', '100', '0.1'));
        assert.ok(next > maxOrderId, `new order id ${next} must be above ${maxOrderId}`);
        const seen = new Set<number>();
        for (const u of [a, b]) {
          for (const o of (await s2.ok<{ orders: Obj[] }>('/api/v1/orders', u.bearer)).orders) {
            assert.ok(!seen.has(o.order_id as number), `order id ${String(o.order_id)} reused`);
            seen.add(o.order_id as number);
          }
        }
        const after1 = await s2.order(a, buy);
        assert.equal(after1.filled_qty, '0.500000');
        assert.equal(after1.status, 'PARTIALLY_FILLED');
        assert.equal(after1.created_at, before1.buy.created_at);
        const canceled = await s2.cancel(a, { order_id: buy });
        assert.deepEqual([canceled.order_id, canceled.order_status], [buy, 'CANCEL_PENDING']);
        assert.deepEqual(await s2.balances(a), [
          balance('BTC', '0.499500', '0.000000', '0.499500'),
          balance('USDT', '950.00', '0.00', '950.00'),
        ]);
        // Events continue the per-user seq across the restart.
        const eventsA = await s2.events(a);
        assertGapFree(eventsA);
        assert.deepEqual(eventsA.slice(0, before1.eventsA.length), before1.eventsA);
        assert.ok(eventsA.length > before1.eventsA.length);
        // New users continue the user ids.
        const c = await s2.createUser();
        assert.ok(c.userId > b.userId);
        await s2.close();
      });

      test('after a restart the ticker still knows the last price and the 24 h volume of persisted trades', async () => {
        const db = await lab.database();
        const s1 = await lab.start({}, db);
        const a = await s1.fundedUser({ USDT: '1000' });
        const b = await s1.fundedUser({ BTC: '1' });
        await s1.place(b, limit('SELL', '100', '0.3'));
        await s1.place(a, limit('BUY', '100', '0.3'));
        const before1 = withoutTimes(await s1.ok('/api/v1/ticker?symbol=BTC_USDT'));
        assert.deepEqual(before1, {
          symbol: 'BTC_USDT',
          last: '100.00',
          best_bid: null,
          best_ask: null,
          volume_24h: '0.300000',
          ts: 0,
        });
        await s1.close();
        const s2 = await lab.start({}, db);
        assert.deepEqual(withoutTimes(await s2.ok('/api/v1/ticker?symbol=BTC_USDT')), before1);
      });
    });

    klineTests(lab);

    test('no request of this suite was answered with a 500 / 5000', () => {
      assert.ok(lab.log.length > 100, `requests made: ${lab.log.length}`);
      assert.deepEqual(lab.serverErrors(), []);
    });

    test('every route answered its documented success, and every answer matched /openapi.json', async (t) => {
      // The API documents themselves, so that every route of the table is seen in this suite.
      const s = await lab.start();
      // And the console's page and one of its files (test/console/ drives them in a browser).
      for (const path of ['/openapi.json', '/asyncapi.json', '/docs', '/docs/assets/init.js', '/', '/console/app.js']) {
        assert.equal((await s.get(path)).status, 200, path);
      }
      const unseen = documentedSuccesses().filter((k) => !seenResponses.has(k));
      assert.deepEqual(unseen, [], 'documented successes never answered in this suite');
      const answers = [...seenResponses.values()].reduce((a, b) => a + b, 0);
      const routes = new Set([...seenResponses.keys()].map((k) => k.split(' ').slice(0, 2).join(' ')));
      t.diagnostic(
        `validated ${answers} answers against /openapi.json: ${seenResponses.size} (route, status) shapes on ` +
          `${routes.size - (routes.has('(no route)') ? 1 : 0)} routes; ${[...seenRequestBodies.values()].reduce((a, b) => a + b, 0)} ` +
          `accepted bodies of ${seenRequestBodies.size} request schemas`,
      );
    });
  });
}
