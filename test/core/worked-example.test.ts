// The worked example on BTC_USDT, to the unit: lock, spend, price
// improvement refunds and the rounding dust returned when the order is FILLED.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, BTC, USDT } from '../support/fixtures.js';
import { checkInvariants } from '../../src/core/invariants.js';
import { BalanceEvent, OrderEvent } from '../../src/core/types.js';

test('BUY 0.333333 @ 84000.55 filled by 0.2 @ 84000.00 and 0.133333 @ 84000.10', () => {
  const h = new Harness();
  const buyer = 1001;
  const s1 = 1002;
  const s2 = 1003;
  h.deposit(buyer, USDT, 10_000_000_00);
  h.deposit(s1, BTC, 100_000_000);
  h.deposit(s2, BTC, 100_000_000);
  h.place({ userId: s1, side: 'SELL', price: 8_400_000, qty: 20_000_000 });
  h.place({ userId: s2, side: 'SELL', price: 8_400_010, qty: 13_333_300 });

  const r = h.place({ userId: buyer, side: 'BUY', price: 8_400_055, qty: 33_333_300 });
  assert.equal(r.code, 'OK');
  assert.deepEqual(checkInvariants(h.engine), []);

  const buyerQuote = r.events.filter(
    (e): e is BalanceEvent => e.kind === 'balance' && e.userId === buyer && e.assetId === USDT,
  );
  // Freeze of 2800015 units (28000.15 USDT).
  assert.equal(buyerQuote[0]?.reason, 'order_frozen');
  assert.equal(buyerQuote[0]?.delta, -2_800_015);
  // First fill: spends 1680000, 11 back at once.
  assert.equal(buyerQuote[1]?.reason, 'trade_settled');
  assert.equal(buyerQuote[1]?.delta, 11);
  assert.equal(buyerQuote[1]?.frozen, 2_800_015 - 1_680_000 - 11);
  // Second fill: spends 1119998, 5 back, and FILLED returns the last 1 unit of dust.
  assert.equal(buyerQuote[2]?.delta, 5 + 1);
  assert.equal(buyerQuote[2]?.frozen, 0);
  assert.equal(buyerQuote.length, 3);

  const statuses = r.events
    .filter((e): e is OrderEvent => e.kind === 'order' && e.userId === buyer)
    .map((e) => e.status);
  assert.deepEqual(statuses, ['NEW', 'PARTIALLY_FILLED', 'FILLED']);

  assert.deepEqual(h.bal(buyer, USDT), { avail: 10_000_000_00 - 1_680_000 - 1_119_998, frozen: 0 });
  assert.deepEqual(h.bal(buyer, BTC), { avail: 33_333_300, frozen: 0 });
  assert.deepEqual(h.bal(s1, USDT), { avail: 1_680_000, frozen: 0 });
  assert.deepEqual(h.bal(s2, USDT), { avail: 1_119_998, frozen: 0 });
});
