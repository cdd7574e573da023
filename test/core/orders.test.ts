// Every order type, time in force, cancel path, fee and self-trade mode of the
// core, with invariants checked after every command (the Harness does that).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, BTC, USDT, FEE_ACCOUNT, ETH_USDT } from '../support/fixtures.js';
import type { CoreEvent, OrderEvent, TradeEvent, BalanceEvent, DepthEvent } from '../../src/core/types.js';

const A = 1001;
const B = 1002;
const C = 1003;
const BTC1 = 100_000_000; // 1 BTC in units
const P30K = 3_000_000; // 30000.00

const orders = (ev: CoreEvent[]) => ev.filter((e): e is OrderEvent => e.kind === 'order');
const trades = (ev: CoreEvent[]) => ev.filter((e): e is TradeEvent => e.kind === 'trade');
const balances = (ev: CoreEvent[]) => ev.filter((e): e is BalanceEvent => e.kind === 'balance');
const depth = (ev: CoreEvent[]) => ev.filter((e): e is DepthEvent => e.kind === 'depth');
const statuses = (ev: CoreEvent[], orderId: number) =>
  orders(ev)
    .filter((e) => e.orderId === orderId)
    .map((e) => e.status);

function funded(over: ConstructorParameters<typeof Harness>[0] = {}): Harness {
  const h = new Harness(over);
  for (const u of [A, B, C]) {
    h.deposit(u, BTC, 10 * BTC1);
    h.deposit(u, USDT, 1_000_000_00);
  }
  return h;
}

describe('LIMIT GTC', () => {
  test('rests, freezes its cost and shows in depth', () => {
    const h = funded();
    const r = h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1 / 10 });
    assert.equal(r.code, 'OK');
    assert.deepEqual(statuses(r.events, r.orderId), ['NEW']);
    assert.deepEqual(h.bal(A, USDT), { avail: 1_000_000_00 - 3_000_00, frozen: 3_000_00 });
    assert.deepEqual(
      depth(r.events).map((d) => [d.side, d.price, d.qty]),
      [['BUY', P30K, BTC1 / 10]],
    );
    assert.deepEqual(h.engine.symbols[0]?.book.bids.depth(5), [[P30K, BTC1 / 10]]);
  });

  test('the seed scenario: 1002 sells 0.1 at 30000, 1001 buys 0.1 at 30000', () => {
    const h = funded();
    const sell = h.place({ userId: B, side: 'SELL', price: P30K, qty: BTC1 / 10 });
    const buy = h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1 / 10 });
    const [t] = trades(buy.events);
    assert.ok(t);
    assert.deepEqual(
      [t.price, t.qty, t.quoteQty, t.takerSide, t.makerOrderId, t.takerOrderId],
      [P30K, BTC1 / 10, 3_000_00, 'BUY', sell.orderId, buy.orderId],
    );
    assert.deepEqual(statuses(buy.events, buy.orderId), ['NEW', 'FILLED']);
    assert.deepEqual(statuses(buy.events, sell.orderId), ['FILLED']);
    assert.deepEqual(h.bal(A, BTC), { avail: 10 * BTC1 + BTC1 / 10, frozen: 0 });
    assert.deepEqual(h.bal(A, USDT), { avail: 1_000_000_00 - 3_000_00, frozen: 0 });
    assert.deepEqual(h.bal(B, BTC), { avail: 10 * BTC1 - BTC1 / 10, frozen: 0 });
    assert.deepEqual(h.bal(B, USDT), { avail: 1_000_000_00 + 3_000_00, frozen: 0 });
    assert.equal(h.engine.orders.size, 0);
    // Per user: trade, order.update, balance.update x2 for the fill.
    const forA = buy.events
      .filter((e) => e.kind !== 'depth' && (e.kind === 'trade' || e.userId === A))
      .map((e) => e.kind);
    assert.deepEqual(forA, ['order', 'balance', 'trade', 'order', 'balance', 'balance']);
  });

  test('price-time priority: better price first, then earlier arrival; trades at the maker price', () => {
    const h = funded();
    const s1 = h.place({ userId: B, side: 'SELL', price: 3_000_100, qty: BTC1 }); // 30001
    const s2 = h.place({ userId: C, side: 'SELL', price: P30K, qty: BTC1 });
    const s3 = h.place({ userId: B, side: 'SELL', price: P30K, qty: BTC1 });
    const r = h.place({ userId: A, side: 'BUY', price: 3_000_200, qty: 2 * BTC1 + BTC1 / 2 });
    assert.deepEqual(
      trades(r.events).map((t) => [t.makerOrderId, t.price, t.qty]),
      [
        [s2.orderId, P30K, BTC1],
        [s3.orderId, P30K, BTC1],
        [s1.orderId, 3_000_100, BTC1 / 2],
      ],
    );
    assert.deepEqual(statuses(r.events, r.orderId), ['NEW', 'PARTIALLY_FILLED', 'PARTIALLY_FILLED', 'FILLED']);
    assert.deepEqual(h.engine.symbols[0]?.book.asks.depth(5), [[3_000_100, BTC1 / 2]]);
    // A SELL taker gets the (higher) bid price of the maker.
    const bid = h.place({ userId: A, side: 'BUY', price: 2_999_900, qty: BTC1 });
    const sell = h.place({ userId: C, side: 'SELL', price: 2_999_000, qty: BTC1 / 2 });
    assert.deepEqual(
      trades(sell.events).map((t) => [t.makerOrderId, t.price]),
      [[bid.orderId, 2_999_900]],
    );
  });

  test('partial fill rests the remainder and keeps frozen = remaining lock', () => {
    const h = funded();
    h.place({ userId: B, side: 'SELL', price: P30K, qty: BTC1 / 4 });
    const r = h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1 });
    assert.deepEqual(statuses(r.events, r.orderId), ['NEW', 'PARTIALLY_FILLED']);
    assert.deepEqual(h.bal(A, USDT).frozen, 22_500_00);
    assert.equal(h.engine.orders.get(r.orderId)?.remaining, (BTC1 * 3) / 4);
  });
});

describe('time in force', () => {
  test('IOC fills what it can and expires the rest, releasing its lock', () => {
    const h = funded();
    h.place({ userId: B, side: 'SELL', price: P30K, qty: BTC1 / 4 });
    const r = h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1, tif: 'IOC' });
    assert.deepEqual(statuses(r.events, r.orderId), ['NEW', 'PARTIALLY_FILLED', 'EXPIRED']);
    const last = balances(r.events).at(-1);
    assert.deepEqual([last?.reason, last?.delta], ['order_unfrozen', 22_500_00]);
    assert.deepEqual(h.bal(A, USDT), { avail: 1_000_000_00 - 7_500_00, frozen: 0 });
    assert.equal(h.engine.symbols[0]?.book.bids.size, 0);
  });

  test('FOK fills completely or expires untouched', () => {
    const h = funded();
    h.place({ userId: B, side: 'SELL', price: P30K, qty: BTC1 / 2 });
    h.place({ userId: C, side: 'SELL', price: 3_000_100, qty: BTC1 / 2 });
    const before = structuredClone(h.engine.symbols[0]?.book.asks.depth(10));
    const miss = h.place({ userId: A, side: 'BUY', price: 3_000_100, qty: BTC1 + 1, tif: 'FOK' });
    assert.equal(miss.code, 'OK');
    assert.deepEqual(
      miss.events.map((e) => e.kind),
      ['order'],
    );
    assert.deepEqual(statuses(miss.events, miss.orderId), ['EXPIRED']);
    assert.deepEqual(h.engine.symbols[0]?.book.asks.depth(10), before);
    assert.deepEqual(h.bal(A, USDT), { avail: 1_000_000_00, frozen: 0 });
    const priceTooLow = h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1, tif: 'FOK' });
    assert.deepEqual(statuses(priceTooLow.events, priceTooLow.orderId), ['EXPIRED']);
    const hit = h.place({ userId: A, side: 'BUY', price: 3_000_100, qty: BTC1, tif: 'FOK' });
    assert.deepEqual(statuses(hit.events, hit.orderId), ['NEW', 'PARTIALLY_FILLED', 'FILLED']);
    assert.equal(h.engine.symbols[0]?.book.asks.size, 0);
  });

  test('POST_ONLY rests when it would not take and is rejected when it would', () => {
    const h = funded();
    h.place({ userId: B, side: 'SELL', price: P30K, qty: BTC1 });
    const taking = h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1, tif: 'POST_ONLY' });
    assert.equal(taking.code, 'POST_ONLY_WOULD_TAKE');
    assert.deepEqual(
      orders(taking.events).map((e) => [e.status, e.rejectReason]),
      [['REJECTED', 'POST_ONLY_WOULD_TAKE']],
    );
    assert.deepEqual(h.bal(A, USDT), { avail: 1_000_000_00, frozen: 0 });
    const resting = h.place({ userId: A, side: 'BUY', price: 2_999_999, qty: BTC1, tif: 'POST_ONLY' });
    assert.equal(resting.code, 'OK');
    assert.ok(h.engine.orders.has(resting.orderId));
  });
});

describe('MARKET', () => {
  test('SELL by qty sweeps bids and expires the rest', () => {
    const h = funded();
    h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1 / 2 });
    h.place({ userId: A, side: 'BUY', price: 2_990_000, qty: BTC1 / 4 });
    const r = h.place({ userId: B, side: 'SELL', orderType: 'MARKET', qty: BTC1 });
    assert.deepEqual(
      trades(r.events).map((t) => [t.price, t.qty]),
      [
        [P30K, BTC1 / 2],
        [2_990_000, BTC1 / 4],
      ],
    );
    assert.deepEqual(statuses(r.events, r.orderId), ['NEW', 'PARTIALLY_FILLED', 'PARTIALLY_FILLED', 'EXPIRED']);
    assert.deepEqual(h.bal(B, BTC), { avail: 10 * BTC1 - (BTC1 * 3) / 4, frozen: 0 });
  });

  test('BUY by qty never spends more than avail', () => {
    const h = funded();
    h.deposit(2000, USDT, 4_000_00); // 4000 USDT
    h.place({ userId: B, side: 'SELL', price: P30K, qty: BTC1 });
    const r = h.place({ userId: 2000, side: 'BUY', orderType: 'MARKET', qty: BTC1 });
    // cost(30000.00, q) = floor(q * 0.03 USDT units): 13333366 units cost exactly 4000.00 (floor of 400000.98).
    assert.deepEqual(
      trades(r.events).map((t) => [t.qty, t.quoteQty]),
      [[13_333_366, 4_000_00]],
    );
    assert.deepEqual(statuses(r.events, r.orderId), ['NEW', 'PARTIALLY_FILLED', 'EXPIRED']);
    assert.deepEqual(h.bal(2000, USDT), { avail: 0, frozen: 0 });
    assert.deepEqual(h.bal(2000, BTC), { avail: 13_333_366, frozen: 0 });
  });

  test('BUY by quote_qty spends at most that much and is FILLED when the budget is used', () => {
    const h = funded();
    h.place({ userId: B, side: 'SELL', price: P30K, qty: BTC1 });
    const r = h.place({ userId: A, side: 'BUY', orderType: 'MARKET', quoteQty: 1_500_00 });
    assert.deepEqual(
      trades(r.events).map((t) => [t.qty, t.quoteQty]),
      [[5_000_033, 1_500_00]],
    );
    assert.deepEqual(statuses(r.events, r.orderId), ['NEW', 'PARTIALLY_FILLED', 'FILLED']);
    assert.deepEqual(h.bal(A, USDT), { avail: 1_000_000_00 - 1_500_00, frozen: 0 });
  });

  test('on an empty book expires at once and gives everything back', () => {
    const h = funded();
    const r = h.place({ userId: A, side: 'BUY', orderType: 'MARKET', qty: BTC1 });
    assert.deepEqual(statuses(r.events, r.orderId), ['NEW', 'EXPIRED']);
    assert.deepEqual(h.bal(A, USDT), { avail: 1_000_000_00, frozen: 0 });
  });
});

describe('cancel', () => {
  test('by order id and by cid release the remaining lock; owner only; ended orders are no-ops', () => {
    const h = funded();
    const r1 = h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1 });
    const r2 = h.place({ userId: A, side: 'SELL', price: 3_100_000, qty: BTC1, cid: 'my-1' });
    const notMine = h.cancel(B, r1.orderId);
    assert.equal(notMine.code, 'NOT_ORDER_OWNER');
    assert.deepEqual(notMine.events, []);
    assert.equal(h.cancel(B, null, 'my-1').code, 'OK'); // B has no such cid: nothing happens
    assert.ok(h.engine.orders.has(r2.orderId));

    const c1 = h.cancel(A, r1.orderId);
    assert.deepEqual(statuses(c1.events, r1.orderId), ['CANCELED']);
    assert.deepEqual(
      balances(c1.events).map((b) => [b.reason, b.delta]),
      [['order_unfrozen', 30_000_00]],
    );
    assert.deepEqual(
      depth(c1.events).map((d) => [d.side, d.price, d.qty]),
      [['BUY', P30K, 0]],
    );
    const c2 = h.cancel(A, null, 'my-1');
    assert.deepEqual(statuses(c2.events, r2.orderId), ['CANCELED']);
    assert.deepEqual(h.bal(A, BTC), { avail: 10 * BTC1, frozen: 0 });
    assert.deepEqual(h.bal(A, USDT), { avail: 1_000_000_00, frozen: 0 });

    const again = h.cancel(A, r1.orderId);
    assert.deepEqual([again.code, again.events], ['OK', []]);
    assert.deepEqual([h.cancel(A, 999_999).code, h.cancel(A, null, 'nope').code], ['OK', 'OK']);
    assert.equal(h.cancel(A, null, null).code, 'INVALID_ORDER');
  });

  test('a cid is unique among open orders and reusable once the order ends', () => {
    const h = funded();
    const first = h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1, cid: 'x' });
    const dup = h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1, cid: 'x' });
    assert.equal(dup.code, 'DUPLICATE_CID');
    assert.equal(h.place({ userId: B, side: 'BUY', price: P30K, qty: BTC1, cid: 'x' }).code, 'OK'); // other user
    h.cancel(A, first.orderId);
    assert.equal(h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1, cid: 'x' }).code, 'OK');
  });
});

describe('fees', () => {
  test('maker and taker fees in the received asset go to the fee account', () => {
    const h = funded({ makerFeeRate: 100_000, takerFeeRate: 200_000 }); // 0.1%, 0.2%
    h.place({ userId: B, side: 'SELL', price: P30K, qty: BTC1 }); // maker receives USDT
    const r = h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1 }); // taker receives BTC
    const [t] = trades(r.events);
    assert.equal(t?.makerFee, 30_00); // 0.1% of 30000.00 USDT
    assert.equal(t?.takerFee, 200_000); // 0.2% of 1 BTC
    assert.deepEqual(h.bal(A, BTC).avail, 10 * BTC1 + BTC1 - 200_000);
    assert.deepEqual(h.bal(B, USDT).avail, 1_000_000_00 + 30_000_00 - 30_00);
    assert.deepEqual(h.bal(FEE_ACCOUNT, BTC), { avail: 200_000, frozen: 0 });
    assert.deepEqual(h.bal(FEE_ACCOUNT, USDT), { avail: 30_00, frozen: 0 });
    assert.deepEqual(
      balances(r.events)
        .filter((b) => b.userId === FEE_ACCOUNT)
        .map((b) => [b.assetId, b.delta, b.reason]),
      [
        [BTC, 200_000, 'fee'],
        [USDT, 30_00, 'fee'],
      ],
    );
  });

  test('fees floor to the unit', () => {
    const h = funded({ takerFeeRate: 100_000 });
    h.place({ userId: B, side: 'SELL', price: P30K, qty: 999 });
    const r = h.place({ userId: A, side: 'BUY', price: P30K, qty: 999 });
    assert.equal(trades(r.events)[0]?.takerFee, 0); // floor(999 * 0.001)
  });
});

describe('self-trade prevention', () => {
  function selfCross(stp: 'NONE' | 'EXPIRE_TAKER' | 'EXPIRE_MAKER' | 'EXPIRE_BOTH') {
    const h = funded({ stp });
    const own = h.place({ userId: A, side: 'SELL', price: P30K, qty: BTC1 });
    const other = h.place({ userId: B, side: 'SELL', price: P30K, qty: BTC1 });
    const taker = h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1 / 2 });
    return { h, own, other, taker };
  }

  test('NONE lets a user trade with itself, with one balance event per asset', () => {
    const { taker, own } = selfCross('NONE');
    assert.deepEqual(
      trades(taker.events).map((t) => t.makerOrderId),
      [own.orderId],
    );
    const fillBalances = balances(taker.events).filter((b) => b.reason === 'trade_settled');
    assert.deepEqual(
      fillBalances.map((b) => [b.assetId, b.delta]),
      [
        [BTC, BTC1 / 2],
        [USDT, 15_000_00],
      ],
    );
  });

  test('EXPIRE_TAKER expires the taker and leaves the maker', () => {
    const { h, taker, own } = selfCross('EXPIRE_TAKER');
    assert.deepEqual(trades(taker.events), []);
    assert.deepEqual(statuses(taker.events, taker.orderId), ['NEW', 'EXPIRED']);
    assert.ok(h.engine.orders.has(own.orderId));
  });

  test('EXPIRE_MAKER expires the own maker and keeps matching', () => {
    const { h, taker, own, other } = selfCross('EXPIRE_MAKER');
    assert.deepEqual(statuses(taker.events, own.orderId), ['EXPIRED']);
    assert.deepEqual(
      trades(taker.events).map((t) => t.makerOrderId),
      [other.orderId],
    );
    assert.deepEqual(statuses(taker.events, taker.orderId), ['NEW', 'FILLED']);
    assert.equal(h.engine.orders.has(own.orderId), false);
    assert.deepEqual(h.bal(A, BTC), { avail: 10 * BTC1 + BTC1 / 2, frozen: 0 });
  });

  test('EXPIRE_BOTH expires both, even a GTC taker does not rest', () => {
    const { h, taker, own } = selfCross('EXPIRE_BOTH');
    assert.deepEqual(statuses(taker.events, own.orderId), ['EXPIRED']);
    assert.deepEqual(statuses(taker.events, taker.orderId), ['NEW', 'EXPIRED']);
    assert.deepEqual(trades(taker.events), []);
    assert.equal(h.engine.symbols[0]?.book.bids.size, 0);
  });
});

describe('reject reasons', () => {
  const cases: Array<[string, Partial<Parameters<Harness['place']>[0]>, string]> = [
    ['unknown symbol', { symbolId: 42, price: P30K, qty: BTC1 }, 'UNKNOWN_SYMBOL'],
    ['zero price', { price: 0, qty: BTC1 }, 'INVALID_PRICE'],
    ['negative price', { price: -1, qty: BTC1 }, 'INVALID_PRICE'],
    ['zero qty', { price: P30K, qty: 0 }, 'INVALID_QUANTITY'],
    ['limit with quote qty', { price: P30K, qty: BTC1, quoteQty: 5 }, 'INVALID_QUANTITY'],
    ['market with both', { orderType: 'MARKET', qty: BTC1, quoteQty: 5 }, 'INVALID_QUANTITY'],
    ['market with neither', { orderType: 'MARKET' }, 'INVALID_QUANTITY'],
    ['market FOK', { orderType: 'MARKET', qty: BTC1, tif: 'FOK' }, 'INVALID_ORDER'],
    ['bad tif', { price: P30K, qty: BTC1, tif: 'GTX' as 'GTC' }, 'INVALID_ORDER'],
    ['bad side', { price: P30K, qty: BTC1, side: 'HOLD' as 'BUY' }, 'INVALID_ORDER'],
    ['bad type', { price: P30K, qty: BTC1, orderType: 'STOP' as 'LIMIT' }, 'INVALID_ORDER'],
    ['below min qty', { price: P30K, qty: 999 }, 'BELOW_MIN_QTY'],
    ['above max qty', { price: P30K, qty: 1_000 * BTC1 + 1 }, 'ABOVE_MAX_QTY'],
    ['below min notional', { price: 100, qty: 10_000 }, 'BELOW_MIN_NOTIONAL'],
    ['cost beyond int64', { price: 9_000_000_000_000_000_000n, qty: 900 * BTC1 }, 'AMOUNT_OUT_OF_RANGE'],
    ['insufficient balance', { price: P30K, qty: 100 * BTC1 }, 'INSUFFICIENT_BALANCE'],
  ];
  for (const [name, over, reason] of cases) {
    test(name, () => {
      const h = funded({ minQty: 1_000, maxQty: 1_000 * BTC1, minNotional: 10_00 });
      const before = structuredClone([h.bal(A, USDT), h.bal(A, BTC)]);
      const r = h.place({ userId: A, side: 'BUY', ...over });
      assert.equal(r.code, reason);
      assert.deepEqual(
        orders(r.events).map((e) => [e.status, e.rejectReason]),
        [['REJECTED', reason]],
      );
      assert.equal(r.events.length, 1);
      assert.deepEqual([h.bal(A, USDT), h.bal(A, BTC)], before);
    });
  }

  test('duplicate open order id: refused without an event', () => {
    const h = funded();
    h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1, orderId: 77 });
    const r = h.place({ userId: B, side: 'BUY', price: P30K, qty: BTC1, orderId: 77 });
    assert.deepEqual([r.code, r.events], ['DUPLICATE_ORDER_ID', []]);
  });

  test('a user without any account is refused for balance', () => {
    const h = funded();
    assert.equal(h.place({ userId: 5555, side: 'SELL', price: P30K, qty: BTC1 }).code, 'INSUFFICIENT_BALANCE');
    assert.equal(h.engine.accounts.has(5555), false);
  });

  test('avail exactly equal to the cost is enough', () => {
    const h = new Harness();
    h.deposit(A, USDT, 3_000_00);
    assert.equal(h.place({ userId: A, side: 'BUY', price: P30K, qty: BTC1 / 10 }).code, 'OK');
    assert.deepEqual(h.bal(A, USDT), { avail: 0, frozen: 3_000_00 });
  });
});

describe('deposits and withdrawals', () => {
  test('deposit adds to avail, withdrawal never below zero, supply stays within int64', () => {
    const h = new Harness();
    const d = h.deposit(A, BTC, BTC1);
    assert.deepEqual(
      balances(d.events).map((b) => [b.reason, b.delta, b.avail]),
      [['deposit', BTC1, BTC1]],
    );
    assert.equal(h.withdraw(A, BTC, BTC1 + 1).code, 'INSUFFICIENT_BALANCE');
    const w = h.withdraw(A, BTC, BTC1 / 2);
    assert.deepEqual(
      balances(w.events).map((b) => [b.reason, b.delta, b.avail]),
      [['withdrawal', -BTC1 / 2, BTC1 / 2]],
    );
    assert.equal(h.withdraw(9999, BTC, 1).code, 'INSUFFICIENT_BALANCE');
    assert.equal(h.deposit(A, 9, 1).code, 'UNKNOWN_ASSET');
    assert.equal(h.deposit(A, BTC, 0).code, 'INVALID_QUANTITY');
    assert.equal(h.deposit(A, BTC, -5).code, 'INVALID_QUANTITY');
    assert.equal(h.deposit(B, BTC, 9_223_372_036_804_775_807n).code, 'OK'); // supply now exactly INT64_MAX
    assert.equal(h.deposit(C, BTC, 1).code, 'AMOUNT_OUT_OF_RANGE');
    assert.equal(h.bal(B, BTC).avail, 9_223_372_036_804_775_807n);
  });

  test('huge balances trade exactly on the bigint path', () => {
    const h = new Harness({ priceDecimals: 2 });
    h.deposit(A, USDT, 9_000_000_000_000_000_000n);
    h.deposit(B, BTC, 9_000_000_000_000_000_000n);
    h.place({ userId: B, side: 'SELL', price: 1_000_000_00, qty: 5_000_000_000_000_000_000n, symbolId: 0 });
    const r = h.place({ userId: A, side: 'BUY', price: 1_000_000_00, qty: 5_000_000_000_000_000n });
    // cost = 1e8 * 5e15 * 10^2 / 10^10 = 5e15 units of USDT
    assert.equal(trades(r.events)[0]?.quoteQty, 5_000_000_000_000_000);
    assert.equal(h.bal(B, BTC).frozen, 5_000_000_000_000_000_000n - 5_000_000_000_000_000n);
  });
});

test('ETH_USDT is an independent book', () => {
  const h = new Harness();
  h.deposit(A, 2, BTC1);
  const r = h.place({ userId: A, side: 'SELL', price: 200_000, qty: BTC1, symbolId: ETH_USDT });
  assert.equal(r.code, 'OK');
  assert.equal(h.engine.symbols[ETH_USDT]?.book.asks.size, 1);
  assert.equal(h.engine.symbols[0]?.book.asks.size, 0);
});
