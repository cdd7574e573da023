// The Store contract suite: the same tests run against every adapter (sqlite.test.ts, postgres.test.ts).

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { INT64_MAX, INT64_MIN, norm } from '../../src/core/int64.js';
import type { Kline, Store, UserTrade } from '../../src/adapters/store/store.js';
import {
  ALICE,
  BOB,
  CAROL,
  balance,
  batch,
  chunk,
  event,
  eventLine,
  events,
  logged,
  order,
  sideOf,
  sortBalances,
  trade,
} from './fixtures.js';

export interface StoreHandle {
  /** A migrated, empty store. */
  readonly store: Store;
  /** Opens the same database again (another connection / pool), migrated. */
  reopen(): Promise<Store>;
}

export type StoreFactory = () => Promise<StoreHandle>;

export function storeSuite(name: string, factory: StoreFactory): void {
  const opened: Store[] = [];
  after(async () => {
    for (const s of opened) await s.close().catch(() => undefined);
  });
  async function fresh(): Promise<{ store: Store; reopen: () => Promise<Store> }> {
    const h = await factory();
    opened.push(h.store);
    const reopen = async () => {
      const s = await h.reopen();
      opened.push(s);
      return s;
    };
    return { store: h.store, reopen };
  }

  describe(name, () => {
    test('an empty store recovers to nothing', async () => {
      const { store } = await fresh();
      const r = await store.recover();
      assert.deepEqual(r.meta, { lastOrderId: 0, lastTradeId: 0 });
      assert.deepEqual([r.balances, r.openOrders, [...r.lastSeqByUser], r.lastUserId], [[], [], [], 0]);
      await store.ping();
    });

    test('latestEventSeq gives the newest seq of a user, 0 when none', async () => {
      const { store } = await fresh();
      assert.equal(await store.latestEventSeq(ALICE), 0);
      await store.applyBatch(batch({ events: [...events(ALICE, 1, 3), ...events(BOB, 1, 1)] }));
      assert.equal(await store.latestEventSeq(ALICE), 3);
      assert.equal(await store.latestEventSeq(BOB), 1);
    });

    test('the command journal is written with its batch, read back in order, and atomic', async () => {
      const { store } = await fresh();
      assert.equal((await store.recover()).lastJournalSeq, 0);
      const entries = [1, 2, 3].map((seq) => ({ seq, ts: 500 + seq, command: `{"type":"deposit","n":${seq}}` }));
      await store.applyBatch(batch({ journal: entries.slice(0, 2) }));
      await store.applyBatch(batch({ journal: entries.slice(2) }));
      assert.deepEqual(await store.readJournal(0, 10), entries);
      assert.deepEqual(await store.readJournal(1, 1), [entries[1]]);
      assert.equal((await store.recover()).lastJournalSeq, 3);
      // A batch that fails (duplicate journal seq) leaves none of its rows.
      await assert.rejects(
        store.applyBatch(batch({ orders: [order({ orderId: 9 })], journal: [{ seq: 3, ts: 1, command: '{}' }] })),
      );
      assert.equal(await store.getOrder(ALICE, 9), null);
      assert.equal((await store.readJournal(0, 10)).length, 3);
    });

    test('recover().lastTs is the latest time of any journal entry, event row, order or trade', async () => {
      const { store } = await fresh();
      assert.equal((await store.recover()).lastTs, 0);
      await store.applyBatch(
        batch({ orders: [order({ orderId: 1, createdAt: 700 })], journal: [{ seq: 1, ts: 600, command: '{}' }] }),
      );
      assert.equal((await store.recover()).lastTs, 700);
      await store.applyBatch(batch({ trades: [trade({ tradeId: 1, ts: 900 })], events: [event(ALICE, 1, 800)] }));
      assert.equal((await store.recover()).lastTs, 900);
      await store.applyBatch(batch({ events: [event(ALICE, 2, 950)], journal: [{ seq: 2, ts: 990, command: '{}' }] }));
      assert.equal((await store.recover()).lastTs, 990);
    });

    test('market seqs are written with their batch (upserted per symbol) and the market epoch row alone', async () => {
      const { store, reopen } = await fresh();
      assert.deepEqual(await store.marketSeqState(), { epoch: 0, running: false, seqs: [] });
      await store.setMarketEpoch(1, true);
      await store.applyBatch(
        batch({
          marketSeqs: [
            { symbolId: 2, depthSeq: 5, tradeSeq: 3 },
            { symbolId: 1, depthSeq: 1, tradeSeq: 0 },
          ],
        }),
      );
      await store.applyBatch(batch({ marketSeqs: [{ symbolId: 2, depthSeq: 2 ** 53 - 1, tradeSeq: 9 }] }));
      await store.applyBatch(batch({}));
      await store.setMarketEpoch(1, false);
      const again = await reopen();
      assert.deepEqual(await again.marketSeqState(), {
        epoch: 1,
        running: false,
        seqs: [
          { symbolId: 1, depthSeq: 1, tradeSeq: 0 },
          { symbolId: 2, depthSeq: 2 ** 53 - 1, tradeSeq: 9 },
        ],
      });
      // A batch that fails leaves its seqs unwritten too.
      await store.applyBatch(batch({ journal: [{ seq: 1, ts: 1, command: '{}' }] }));
      await assert.rejects(
        store.applyBatch(
          batch({
            journal: [{ seq: 1, ts: 1, command: '{}' }],
            marketSeqs: [{ symbolId: 1, depthSeq: 77, tradeSeq: 7 }],
          }),
        ),
      );
      assert.deepEqual((await store.marketSeqState()).seqs[0], { symbolId: 1, depthSeq: 1, tradeSeq: 0 });
      await store.setMarketEpoch(2, true);
      assert.deepEqual({ ...(await store.marketSeqState()), seqs: [] }, { epoch: 2, running: true, seqs: [] });
    });

    test('migrate twice is harmless and keeps the data', async () => {
      const { store } = await fresh();
      await store.migrate();
      await store.applyBatch(batch({ orders: [order({ orderId: 1 })], meta: { lastOrderId: 1, lastTradeId: 0 } }));
      const before = await store.recover();
      await store.migrate();
      await store.migrate();
      assert.deepEqual(await store.recover(), before);
      assert.equal(before.openOrders.length, 1);
    });

    test('applyBatch then recover gives exactly balances, open orders, meta, seqs and last user', async () => {
      const { store } = await fresh();
      const o1 = order({ orderId: 1, lock: 1000 });
      const o2 = order({ orderId: 2, userId: BOB, side: 'SELL', status: 'PARTIALLY_FILLED', filledQty: 4, lock: 6 });
      const o6 = order({ orderId: 6, cid: 'my-6', tif: 'POST_ONLY', lock: 500 });
      const ended = [
        order({ orderId: 3, status: 'FILLED', filledQty: 10, filledQuote: 1000, filledNotional: 1000, lock: 0 }),
        order({ orderId: 4, status: 'CANCELED', lock: 0 }),
        order({ orderId: 5, status: 'REJECTED', rejectReason: 'INSUFFICIENT_BALANCE', lock: 0 }),
        order({ orderId: 7, orderType: 'MARKET', tif: 'IOC', price: 0, quoteQty: 50, status: 'EXPIRED', lock: 0 }),
      ];
      const balances = [balance(BOB, 2, 7, 3), balance(ALICE, 1, 100, 1500), balance(ALICE, 2, 0, 0)];
      const u1 = await store.createUser(1);
      const u2 = await store.createUser(2);
      await store.applyBatch(
        batch({
          orders: [o6, ended[0]!, o1, ended[2]!, o2, ended[1]!, ended[3]!],
          balances,
          events: [...events(ALICE, 1, 3), ...events(BOB, 1, 2)],
          meta: { lastOrderId: 7, lastTradeId: 3 },
        }),
      );
      const r = await store.recover();
      assert.deepEqual(r.meta, { lastOrderId: 7, lastTradeId: 3 });
      assert.deepEqual(sortBalances(r.balances), sortBalances(balances));
      assert.deepEqual(r.openOrders, [o1, o2, o6]);
      assert.deepEqual(
        new Map(r.lastSeqByUser),
        new Map([
          [ALICE, 3],
          [BOB, 2],
        ]),
      );
      assert.equal(r.lastUserId, u2.userId);
      assert.ok(u2.userId > u1.userId);
      assert.deepEqual(await store.getOrder(ALICE, 5), ended[2]);
    });

    test('an order upserted across batches (and twice in one batch) keeps its latest state', async () => {
      const { store } = await fresh();
      const meta = { lastOrderId: 1, lastTradeId: 0 };
      await store.applyBatch(batch({ orders: [order({ orderId: 1 })], balances: [balance(ALICE, 1, 5)], meta }));
      const partial = order({ orderId: 1, status: 'PARTIALLY_FILLED', filledQty: 4, lock: 600, updatedAt: 2000 });
      await store.applyBatch(batch({ orders: [partial], meta }));
      assert.deepEqual((await store.recover()).openOrders, [partial]);
      const filled = order({ orderId: 1, status: 'FILLED', filledQty: 10, lock: 0, updatedAt: 3000 });
      const b = [balance(ALICE, 1, 6), balance(ALICE, 1, 7, 1)];
      await store.applyBatch(batch({ orders: [partial, filled], balances: b, meta }));
      assert.deepEqual(await store.getOrder(ALICE, 1), filled);
      assert.deepEqual((await store.recover()).openOrders, []);
      assert.deepEqual(await store.getBalances(ALICE), [balance(ALICE, 1, 7, 1)]);
      // The creation time is the first one written.
      await store.applyBatch(batch({ orders: [{ ...filled, createdAt: 99_999 }], meta }));
      assert.equal((await store.getOrder(ALICE, 1))?.createdAt, filled.createdAt);
    });

    test('a batch that fails mid-way leaves nothing of itself', async () => {
      const { store } = await fresh();
      await store.applyBatch(
        batch({
          orders: [order({ orderId: 1 }), order({ orderId: 2, userId: BOB })],
          trades: [trade({ tradeId: 1 })],
          balances: [balance(ALICE, 1, 100, 1000), balance(BOB, 1, 50)],
          events: events(ALICE, 1, 2),
          meta: { lastOrderId: 2, lastTradeId: 1 },
        }),
      );
      const before = await store.recover();
      const failing = [
        // A duplicate (user_id, seq) of an event already stored, written last.
        batch({
          orders: [order({ orderId: 1, status: 'CANCELED', lock: 0 }), order({ orderId: 3 })],
          trades: [trade({ tradeId: 2 })],
          balances: [balance(ALICE, 1, 1100, 0), balance(CAROL, 1, 1)],
          events: [event(ALICE, 3), event(ALICE, 2)],
          meta: { lastOrderId: 3, lastTradeId: 2 },
        }),
        // A duplicate inside the batch itself.
        batch({ orders: [order({ orderId: 4 })], events: [event(BOB, 1), event(BOB, 1)], meta: before.meta }),
        // A trade id already used.
        batch({ orders: [order({ orderId: 5 })], trades: [trade({ tradeId: 1 })], meta: before.meta }),
        // An amount beyond int64.
        batch({ balances: [balance(ALICE, 1, INT64_MAX + 1n)], meta: { lastOrderId: 9, lastTradeId: 9 } }),
      ];
      for (const b of failing) {
        await assert.rejects(store.applyBatch(b));
        assert.deepEqual(await store.recover(), before);
        for (const id of [3, 4, 5]) assert.equal(await store.getOrder(ALICE, id), null);
        assert.equal((await store.getOrder(ALICE, 1))?.status, 'NEW');
        assert.deepEqual(
          (await store.marketTrades(1, 10)).map((t) => t.tradeId),
          [1],
        );
        assert.deepEqual(await store.getBalances(CAROL), []);
        assert.deepEqual(
          (await store.listEvents(ALICE, 0, 10)).map((e) => e.seq),
          [1, 2],
        );
      }
      // The store is still usable afterwards.
      await store.applyBatch(batch({ events: [event(ALICE, 3)], meta: before.meta }));
      assert.equal((await store.recover()).lastSeqByUser.get(ALICE), 3);
    });

    test('int64 extremes round-trip exactly, in canonical form', async () => {
      const { store } = await fresh();
      const above = norm(2n ** 53n + 1n); // first integer a double cannot hold
      assert.equal(typeof above, 'bigint');
      const o = order({
        orderId: 1,
        price: INT64_MAX,
        qty: above,
        quoteQty: norm(2n ** 53n),
        filledQty: Number.MAX_SAFE_INTEGER,
        filledQuote: 9007199254740993n,
        filledNotional: INT64_MAX - 1n,
        lock: 2n ** 62n + 7n,
      });
      const t = trade({ tradeId: 1, price: INT64_MAX, qty: above, quoteQty: INT64_MAX, makerFee: above, takerFee: 0 });
      const b = [balance(ALICE, 1, INT64_MAX, above), balance(ALICE, 2, Number.MAX_SAFE_INTEGER, INT64_MIN)];
      await store.applyBatch(
        batch({ orders: [o], trades: [t], balances: b, meta: { lastOrderId: 1, lastTradeId: 1 } }),
      );
      assert.deepEqual(await store.getOrder(ALICE, 1), o);
      assert.deepEqual((await store.recover()).openOrders, [o]);
      assert.deepEqual(sortBalances((await store.recover()).balances), b);
      assert.deepEqual(await store.getBalances(ALICE), b);
      assert.deepEqual(await store.marketTrades(1, 1), [t]);
      assert.deepEqual(await store.listTrades({ userId: ALICE, limit: 5 }), [sideOf(t, 'TAKER')]);
      const back = (await store.getOrder(ALICE, 1))!;
      assert.equal(typeof back.filledQty, 'number');
      assert.equal(back.price, 9223372036854775807n);
    });

    test('getOrder answers only the owner', async () => {
      const { store } = await fresh();
      const o = order({ orderId: 1, userId: BOB });
      await store.applyBatch(batch({ orders: [o], meta: { lastOrderId: 1, lastTradeId: 0 } }));
      assert.deepEqual(await store.getOrder(BOB, 1), o);
      assert.equal(await store.getOrder(ALICE, 1), null);
      assert.equal(await store.getOrder(BOB, 2), null);
    });

    test('listOrders: newest first, filters, cursor pages without gaps or duplicates', async () => {
      const { store } = await fresh();
      const statuses = ['NEW', 'FILLED', 'CANCELED'] as const;
      const orders = Array.from({ length: 30 }, (_, i) =>
        order({ orderId: i + 1, userId: i % 5 === 4 ? BOB : ALICE, symbolId: 1 + (i % 2), status: statuses[i % 3] }),
      );
      await store.applyBatch(batch({ orders, meta: { lastOrderId: 30, lastTradeId: 0 } }));
      const mine = orders.filter((o) => o.userId === ALICE).reverse();
      assert.deepEqual(await store.listOrders({ userId: ALICE, limit: 100 }), mine);
      for (const limit of [1, 4, 7, 24]) {
        const seen: number[] = [];
        let cursor: number | undefined;
        for (;;) {
          const page = await store.listOrders({ userId: ALICE, limit, cursor });
          assert.ok(page.length <= limit);
          seen.push(...page.map((o) => o.orderId));
          if (page.length < limit) break;
          cursor = page[page.length - 1]!.orderId;
        }
        assert.deepEqual(
          seen,
          mine.map((o) => o.orderId),
          `limit ${limit}`,
        );
      }
      const ids = async (q: Partial<Parameters<Store['listOrders']>[0]>) =>
        (await store.listOrders({ userId: ALICE, limit: 100, ...q })).map((o) => o.orderId);
      const expect = (f: (o: (typeof orders)[number]) => boolean) => mine.filter(f).map((o) => o.orderId);
      assert.deepEqual(
        await ids({ symbolId: 2 }),
        expect((o) => o.symbolId === 2),
      );
      assert.deepEqual(
        await ids({ status: 'FILLED' }),
        expect((o) => o.status === 'FILLED'),
      );
      assert.deepEqual(
        await ids({ symbolId: 1, status: 'NEW' }),
        expect((o) => o.symbolId === 1 && o.status === 'NEW'),
      );
      assert.deepEqual(await ids({ startTime: 1005, endTime: 1012 }), [11, 9, 8, 7, 6]);
      assert.deepEqual(await ids({ startTime: 1028 }), [29, 28]);
      assert.deepEqual(await ids({ endTime: 1003 }), [2, 1]);
      assert.deepEqual(await ids({ cursor: 8, limit: 3 }), [7, 6, 4]);
      assert.deepEqual(await ids({ status: 'EXPIRED' }), []);
    });

    test('listTrades: each fill from the user side; a self-trade appears once per side', async () => {
      const { store } = await fresh();
      const t1 = trade({ tradeId: 1, makerUserId: BOB, makerOrderId: 1, takerUserId: ALICE, takerOrderId: 2 });
      const t2 = trade({ tradeId: 2, takerSide: 'SELL', makerUserId: ALICE, makerOrderId: 3, takerUserId: ALICE });
      const t2b = { ...t2, takerOrderId: 4, makerFee: 5, takerFee: 6 };
      const t3 = trade({ tradeId: 3, symbolId: 2, makerUserId: ALICE, makerOrderId: 5, takerUserId: BOB });
      await store.applyBatch(batch({ trades: [t1, t2b, t3], meta: { lastOrderId: 5, lastTradeId: 3 } }));
      const all = [sideOf(t3, 'MAKER'), sideOf(t2b, 'MAKER'), sideOf(t2b, 'TAKER'), sideOf(t1, 'TAKER')];
      assert.deepEqual(await store.listTrades({ userId: ALICE, limit: 10 }), all);
      assert.deepEqual(all[1]?.side, 'BUY');
      assert.deepEqual(await store.listTrades({ userId: BOB, limit: 10 }), [sideOf(t3, 'TAKER'), sideOf(t1, 'MAKER')]);
      assert.deepEqual(await store.listTrades({ userId: ALICE, symbolId: 2, limit: 10 }), [all[0]]);
      assert.deepEqual(await store.listTrades({ userId: ALICE, orderId: 4, limit: 10 }), [all[2]]);
      assert.deepEqual(await store.listTrades({ userId: ALICE, orderId: 3, limit: 10 }), [all[1]]);
      assert.deepEqual(await store.listTrades({ userId: ALICE, orderId: 1, limit: 10 }), []);
      assert.deepEqual(await store.listTrades({ userId: ALICE, startTime: t2.ts, limit: 10 }), all.slice(0, 3));
      assert.deepEqual(await store.listTrades({ userId: ALICE, cursor: 3, limit: 10 }), all.slice(1));
      assert.deepEqual(await store.listTrades({ userId: CAROL, limit: 10 }), []);
    });

    test('listTrades cursor pages never split a self-trade and have no gaps or duplicates', async () => {
      const { store } = await fresh();
      const trades = Array.from({ length: 40 }, (_, i) =>
        trade({
          tradeId: i + 1,
          symbolId: 1 + (i % 2),
          makerUserId: i % 3 === 0 ? ALICE : BOB,
          takerUserId: i % 4 === 0 ? BOB : ALICE,
        }),
      );
      await store.applyBatch(batch({ trades, meta: { lastOrderId: 0, lastTradeId: 40 } }));
      const full = await store.listTrades({ userId: ALICE, limit: 1000 });
      const key = (t: UserTrade) => `${t.tradeId}/${t.role}`;
      assert.ok(full.filter((t) => t.makerUserId === t.takerUserId).length > 10);
      for (const limit of [1, 2, 3, 5, 8]) {
        const seen: UserTrade[] = [];
        let cursor: number | undefined;
        for (;;) {
          const page = await store.listTrades({ userId: ALICE, limit, cursor });
          if (page.length === 0) break;
          assert.ok(page.length <= Math.max(limit, 2), `page of ${page.length} for limit ${limit}`);
          seen.push(...page);
          cursor = page[page.length - 1]!.tradeId;
        }
        assert.deepEqual(seen.map(key), full.map(key), `limit ${limit}`);
      }
    });

    test('marketTrades: newest first, one symbol, limited', async () => {
      const { store } = await fresh();
      const trades = Array.from({ length: 9 }, (_, i) => trade({ tradeId: i + 1, symbolId: 1 + (i % 3) }));
      await store.applyBatch(batch({ trades, meta: { lastOrderId: 0, lastTradeId: 9 } }));
      assert.deepEqual(await store.marketTrades(2, 10), [trades[7], trades[4], trades[1]]);
      assert.deepEqual(await store.marketTrades(1, 2), [trades[6], trades[3]]);
      assert.deepEqual(await store.marketTrades(7, 10), []);
    });

    test('klines: upserted with their batch (int64 extremes exact), ranges oldest first, replace, tradesAfter', async () => {
      const { store, reopen } = await fresh();
      const k = (openTime: number, p: Partial<Kline> = {}): Kline => ({
        symbolId: 1,
        intervalMs: 60_000,
        openTime,
        open: 10,
        high: 12,
        low: 9,
        close: 11,
        volume: 5,
        quoteVolume: 50,
        tradeCount: 2,
        firstTradeId: 1,
        lastTradeId: 2,
        ...p,
      });
      const big = k(180_000, { high: INT64_MAX, low: 1, volume: norm(INT64_MAX - 7n), quoteVolume: INT64_MAX });
      const trades = [trade({ tradeId: 1 }), trade({ tradeId: 2 }), trade({ tradeId: 3, symbolId: 2 })];
      // One batch may carry two states of one candle (the last one counts) and candles of several streams.
      await store.applyBatch(
        batch({
          trades,
          meta: { lastOrderId: 0, lastTradeId: 3 },
          klines: [k(0, { tradeCount: 1 }), k(0), k(60_000), big, k(0, { intervalMs: 1000 }), k(0, { symbolId: 2 })],
        }),
      );
      const q = (x: Partial<Parameters<Store['klines']>[0]> = {}) =>
        store.klines({ symbolId: 1, intervalMs: 60_000, limit: 500, ...x });
      assert.deepEqual(await q(), [k(0), k(60_000), big]);
      assert.deepEqual(await q({ limit: 2 }), [k(60_000), big], 'the newest limit, oldest first');
      assert.deepEqual(await q({ startTime: 1, limit: 1 }), [k(60_000)], 'the oldest limit from start');
      assert.deepEqual(await q({ startTime: 60_000, endTime: 60_000 }), [k(60_000)], 'both ends inclusive');
      assert.deepEqual(await q({ endTime: 179_999 }), [k(0), k(60_000)]);
      assert.deepEqual(await q({ intervalMs: 1000 }), [k(0, { intervalMs: 1000 })]);
      assert.deepEqual(await q({ symbolId: 3 }), []);
      // A later batch updates the open candle in place.
      await store.applyBatch(batch({ meta: { lastOrderId: 0, lastTradeId: 3 }, klines: [k(60_000, { close: 13 })] }));
      assert.deepEqual(await q({ startTime: 60_000, limit: 1 }), [k(60_000, { close: 13 })]);
      const again = await reopen();
      assert.deepEqual(await again.klines({ symbolId: 1, intervalMs: 60_000, limit: 1 }), [big]);
      await store.replaceKlines(1, 60_000, [k(120_000)]);
      assert.deepEqual(await q(), [k(120_000)]);
      assert.deepEqual(await q({ intervalMs: 1000 }), [k(0, { intervalMs: 1000 })], 'other streams kept');
      await store.replaceKlines(1, 60_000, []);
      assert.deepEqual(await q(), []);
      assert.deepEqual(await store.tradesAfter(1, 0, 10), trades.slice(0, 2));
      assert.deepEqual(await store.tradesAfter(1, 1, 10), trades.slice(1, 2));
      assert.deepEqual(await store.tradesAfter(1, 0, 1), trades.slice(0, 1));
      assert.deepEqual(await store.tradesAfter(2, 0, 10), trades.slice(2));
    });

    test('getBalances: one user, by asset', async () => {
      const { store } = await fresh();
      const mine = [balance(ALICE, 1, 5, 1), balance(ALICE, 3, 0, 9), balance(ALICE, 2, 7)];
      await store.applyBatch(
        batch({ balances: [...mine, balance(BOB, 1, 1)], meta: { lastOrderId: 0, lastTradeId: 0 } }),
      );
      assert.deepEqual(await store.getBalances(ALICE), [mine[0], mine[2], mine[1]]);
      assert.deepEqual(await store.getBalances(CAROL), []);
    });

    test('events: after N ascending with limit, oldest seq, pruning keeps the newest per user', async () => {
      const { store } = await fresh();
      const meta = { lastOrderId: 0, lastTradeId: 0 };
      const mine = events(ALICE, 1, 10, (seq) => 1_000 * seq);
      await store.applyBatch(batch({ events: [...mine, ...events(BOB, 1, 2, () => 500)], meta }));
      assert.deepEqual(await store.listEvents(ALICE, 0, 3), logged(mine.slice(0, 3)));
      assert.deepEqual(await store.listEvents(ALICE, 7, 100), logged(mine.slice(7)));
      assert.deepEqual(await store.listEvents(ALICE, 10, 100), []);
      assert.deepEqual(await store.listEvents(CAROL, 0, 100), []);
      assert.equal(await store.oldestEventSeq(ALICE), 1);
      assert.equal(await store.oldestEventSeq(CAROL), null);
      // Deletes ts < 4500 (alice 1..4, bob 1 — bob's newest, seq 2, stays).
      assert.equal(await store.pruneEvents(4_500), 5);
      assert.equal(await store.oldestEventSeq(ALICE), 5);
      assert.deepEqual(await store.listEvents(ALICE, 0, 2), logged(mine.slice(4, 6)));
      assert.equal(await store.oldestEventSeq(BOB), 2);
      assert.equal(await store.pruneEvents(1e12), 5); // everything but each user's newest
      const r = await store.recover();
      assert.deepEqual(
        new Map(r.lastSeqByUser),
        new Map([
          [ALICE, 10],
          [BOB, 2],
        ]),
      );
      assert.equal(await store.oldestEventSeq(ALICE), 10);
      assert.equal(await store.pruneEvents(1e12), 0);
    });

    test('pruning in steps: each looks at a bounded window in ts order, keeps every newest row, and goes on', async () => {
      const { store } = await fresh();
      const rows = [
        ...[1, 2, 3, 4, 5, 6].map((seq) => event(ALICE, seq, seq * 1_000)),
        event(BOB, 1, 1_500),
        event(CAROL, 1, 2_500),
        event(CAROL, 2, 3_500),
      ];
      await store.applyBatch(batch({ events: rows }));
      // Older than 5500, by ts: A1 B1 A2 | C1 A3 C2 | A4 A5 — B1 and C2 are their users' newest rows.
      const first = await store.pruneEventsStep(5_500, null, 3);
      assert.deepEqual(first, { events: 2, next: { ts: 2_000, userId: ALICE, lastSeq: 2 } });
      const second = await store.pruneEventsStep(5_500, first.next, 3);
      assert.deepEqual(second, { events: 2, next: { ts: 3_500, userId: CAROL, lastSeq: 2 } });
      const third = await store.pruneEventsStep(5_500, second.next, 3);
      assert.deepEqual(third, { events: 2, next: null });
      assert.deepEqual(
        [await store.oldestEventSeq(ALICE), await store.oldestEventSeq(BOB), await store.oldestEventSeq(CAROL)],
        [6, 1, 2],
      );
      assert.deepEqual(
        [await store.latestEventSeq(ALICE), await store.latestEventSeq(BOB), await store.latestEventSeq(CAROL)],
        [6, 1, 2],
      );
      // A new pass from the start finds nothing more to delete, in one step past the kept rows.
      assert.deepEqual(await store.pruneEventsStep(1e12, null, 10), { events: 0, next: null });
      assert.equal(await store.pruneEvents(1e12), 0);
      // Once Bob has a newer row, his old one goes.
      await store.applyBatch(batch({ events: [event(BOB, 2, 7_000)] }));
      assert.equal(await store.pruneEvents(1e12), 1);
      assert.equal(await store.oldestEventSeq(BOB), 2);
    });

    test('event rows of many events: reads cut across rows, pruning is per row, a damaged row is refused', async () => {
      const { store } = await fresh();
      const meta = { lastOrderId: 0, lastTradeId: 0 };
      await store.applyBatch(batch({ events: [chunk(ALICE, 1, 5, 1_000), chunk(BOB, 1, 1, 1_000)], meta }));
      await store.applyBatch(batch({ events: [chunk(ALICE, 6, 3, 2_000)], meta }));
      assert.deepEqual(
        (await store.listEvents(ALICE, 3, 4)).map((e) => [e.seq, e.line, e.ts]),
        [
          [4, eventLine(4), 1_000],
          [5, eventLine(5), 1_000],
          [6, eventLine(6), 2_000],
          [7, eventLine(7), 2_000],
        ],
      );
      assert.deepEqual(
        (await store.listEvents(ALICE, 0, 100)).map((e) => e.seq),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
      assert.equal(await store.latestEventSeq(ALICE), 8);
      assert.equal(await store.oldestEventSeq(ALICE), 1);
      assert.equal((await store.recover()).lastSeqByUser.get(ALICE), 8);
      // Row ts 1000 < 1500: Alice's first row (5 events) goes; Bob's only row is his newest and stays.
      assert.equal(await store.pruneEvents(1_500), 5);
      assert.equal(await store.oldestEventSeq(ALICE), 6);
      assert.deepEqual(await store.listEvents(ALICE, 0, 100), logged([chunk(ALICE, 6, 3, 2_000)]));
      assert.deepEqual(await store.listEvents(BOB, 0, 100), logged([chunk(BOB, 1, 1, 1_000)]));
      // A row whose body does not hold last - first + 1 lines is a damaged log: reading it throws.
      const bad = { userId: CAROL, firstSeq: 1, lastSeq: 3, ts: 1, body: 'only one line' };
      await store.applyBatch(batch({ events: [bad], meta }));
      await assert.rejects(store.listEvents(CAROL, 0, 10), /holds 1 lines/);
    });

    test('users: ids start at 1001, increase and survive reopen; api keys', async () => {
      const { store, reopen } = await fresh();
      const a = await store.createUser(111);
      const b = await store.createUser(222);
      assert.deepEqual(
        [a, b],
        [
          { userId: 1001, createdAt: 111 },
          { userId: 1002, createdAt: 222 },
        ],
      );
      assert.equal(await store.userExists(1002), true);
      assert.equal(await store.userExists(1003), false);
      assert.equal(await store.anyApiKey(), null, 'no key stored yet');
      const key = { apiKey: 'ak_1', userId: b.userId, secretEnc: 'v1:iv:ct:tag', createdAt: 333, revoked: false };
      await store.addApiKey(key);
      await store.addApiKey({ ...key, apiKey: 'ak_2', revoked: true });
      await assert.rejects(store.addApiKey(key), 'a duplicate api key is refused');
      assert.deepEqual(await store.findApiKey('ak_1'), key);
      assert.deepEqual(await store.findApiKey('ak_2'), { ...key, apiKey: 'ak_2', revoked: true });
      assert.equal(await store.findApiKey('nope'), null);
      assert.deepEqual(await store.anyApiKey(), key, 'the oldest key (same created_at: by api_key)');
      await store.close();
      const again = await reopen();
      const c = await again.createUser(444);
      assert.equal(c.userId, 1003);
      assert.equal((await again.recover()).lastUserId, 1003);
      assert.deepEqual(await again.findApiKey('ak_1'), key);
    });

    test("revocation: list a user's keys, revoke a key, revoke a user and its keys; kept across reopen", async () => {
      const { store, reopen } = await fresh();
      const a = await store.createUser(1);
      const b = await store.createUser(2);
      const key = (apiKey: string, userId: number, createdAt: number) => ({
        apiKey,
        userId,
        secretEnc: `v1:${apiKey}`,
        createdAt,
        revoked: false,
      });
      await store.addApiKey(key('ak_a2', a.userId, 20));
      await store.addApiKey(key('ak_a1', a.userId, 10));
      await store.addApiKey(key('ak_b1', b.userId, 30));
      await store.addApiKey(key('ak_b2', b.userId, 40));
      assert.deepEqual(await store.listRevoked(), { userIds: [], apiKeys: [] });
      assert.deepEqual(await store.listApiKeys(a.userId), [key('ak_a1', a.userId, 10), key('ak_a2', a.userId, 20)]);
      assert.deepEqual(await store.listApiKeys(999_999), []);

      assert.equal(await store.revokeApiKey('ak_a2'), true);
      assert.equal(await store.revokeApiKey('ak_a2'), true, 'again: still found');
      assert.equal(await store.revokeApiKey('ak_nope'), false);
      assert.equal((await store.findApiKey('ak_a2'))?.revoked, true);
      assert.equal((await store.findApiKey('ak_a1'))?.revoked, false);

      await store.revokeApiKey('ak_b1');
      assert.equal(await store.revokeUser(b.userId), 1, 'only ak_b2 was still live');
      assert.equal(await store.revokeUser(b.userId), 0);
      assert.deepEqual(
        (await store.listApiKeys(b.userId)).map((k) => [k.apiKey, k.revoked]),
        [
          ['ak_b1', true],
          ['ak_b2', true],
        ],
      );
      const expected = { userIds: [b.userId], apiKeys: ['ak_a2', 'ak_b1', 'ak_b2'] };
      assert.deepEqual(await store.listRevoked(), expected);
      assert.equal(await store.userExists(b.userId), true, 'a revoked user still exists (its history stays)');
      await store.close();
      const again = await reopen();
      assert.deepEqual(await again.listRevoked(), expected);
      assert.equal((await again.findApiKey('ak_a1'))?.revoked, false);
    });

    test('data survives closing and reopening', async () => {
      const { store, reopen } = await fresh();
      const o = order({ orderId: 1, price: INT64_MAX });
      const t = trade({ tradeId: 1 });
      await store.applyBatch(
        batch({
          orders: [o],
          trades: [t],
          balances: [balance(ALICE, 1, 2n ** 60n)],
          events: events(ALICE, 1, 3),
          meta: { lastOrderId: 1, lastTradeId: 1 },
        }),
      );
      const before = await store.recover();
      await store.close();
      const again = await reopen();
      assert.deepEqual(await again.recover(), before);
      assert.deepEqual(await again.getOrder(ALICE, 1), o);
      assert.deepEqual(await again.marketTrades(1, 5), [t]);
      assert.deepEqual(await again.listEvents(ALICE, 0, 5), logged(events(ALICE, 1, 3)));
    });

    test('a batch of thousands of rows is written whole', async () => {
      const { store } = await fresh();
      const n = 3000;
      const orders = Array.from({ length: n }, (_, i) => order({ orderId: i + 1, userId: 2000 + (i % 100) }));
      const trades = Array.from({ length: n / 2 }, (_, i) => trade({ tradeId: i + 1 }));
      const balances = Array.from({ length: n }, (_, i) => balance(2000 + (i % 1000), i % 3, i, i * 2));
      const evs = Array.from({ length: 100 }, (_, u) => events(2000 + u, 1, 50)).flat();
      await store.applyBatch(
        batch({ orders, trades, balances, events: evs, meta: { lastOrderId: n, lastTradeId: n / 2 } }),
      );
      const r = await store.recover();
      assert.equal(r.openOrders.length, n);
      assert.equal(r.balances.length, n);
      assert.equal(r.lastSeqByUser.size, 100);
      assert.equal(r.lastSeqByUser.get(2099), 50);
      assert.equal((await store.marketTrades(1, 10_000)).length, n / 2);
    });

    test('ping answers, close is final and idempotent', async () => {
      const { store } = await fresh();
      await store.ping();
      assert.ok(store.kind === 'sqlite' || store.kind === 'postgres');
      await store.close();
      await store.close();
      await assert.rejects(store.ping());
    });
  });
}
