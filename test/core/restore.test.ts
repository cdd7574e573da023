// Recovery: an engine rebuilt from persisted balances and open orders (what
// the store keeps) continues a command stream exactly like the original.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/core/engine.js';
import { checkInvariants } from '../../src/core/invariants.js';
import type { Command } from '../../src/core/types.js';
import { config, BTC, USDT } from '../support/fixtures.js';

function stream(n: number, seed: number): Command[] {
  let x = seed;
  const rnd = () => (x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const cmds: Command[] = [];
  for (let u = 10; u < 20; u++) {
    cmds.push({ type: 'deposit', ts: 1, userId: u, assetId: BTC, amount: 50 * 100_000_000 });
    cmds.push({ type: 'deposit', ts: 1, userId: u, assetId: USDT, amount: 5_000_000_00 });
  }
  for (let i = 0; i < n; i++) {
    const userId = 10 + Math.floor(rnd() * 10);
    if (rnd() < 0.25) {
      cmds.push({ type: 'cancel', ts: 2 + i, userId, orderId: 1 + Math.floor(rnd() * (i + 1)), cid: null });
      continue;
    }
    const side = rnd() < 0.5 ? 'BUY' : 'SELL';
    const price = 3_000_000 + Math.floor(rnd() * 200) - (side === 'BUY' ? 120 : 80);
    const tif = rnd() < 0.1 ? 'IOC' : 'GTC';
    const cid = rnd() < 0.3 ? `c${i}` : null;
    const qty = (1 + Math.floor(rnd() * 50)) * 1_000_000;
    cmds.push({
      type: 'place',
      ts: 2 + i,
      orderId: i + 1,
      userId,
      symbolId: 0,
      side,
      orderType: 'LIMIT',
      tif,
      price,
      qty,
      quoteQty: 0,
      cid,
    });
  }
  return cmds;
}

const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

test('restore from balances + open orders continues identically', () => {
  const cfg = config({ makerFeeRate: 50_000, takerFeeRate: 100_000 });
  const cmds = stream(6_000, 7);
  const cut = 4_000;
  const original = new Engine(cfg);
  for (const c of cmds.slice(0, cut)) original.process(c);

  const restored = new Engine(cfg);
  for (const acc of original.accounts.values()) {
    for (let a = 0; a < acc.avail.length; a++) {
      if (original.assets[a] !== undefined)
        restored.restoreBalance(acc.userId, a, acc.avail[a] ?? 0, acc.frozen[a] ?? 0);
    }
  }
  for (const o of original.orders.values()) {
    assert.ok(o.orderType === 'LIMIT' && (o.tif === 'GTC' || o.tif === 'POST_ONLY'));
    restored.restoreOrder({ ...o, orderId: o.id, orderType: 'LIMIT', tif: o.tif, filledQty: o.filled });
  }
  restored.nextTradeId = original.nextTradeId;
  assert.ok(original.orders.size > 50, 'the cut should leave a real book');
  assert.deepEqual(checkInvariants(restored), []);
  assert.deepEqual(restored.supply, original.supply);

  for (const c of cmds.slice(cut)) {
    assert.equal(json(restored.process(c)), json(original.process(c)));
  }
  assert.deepEqual(checkInvariants(restored), []);
});
