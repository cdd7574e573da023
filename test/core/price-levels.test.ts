// The ordered level structure of a book side (src/core/price-levels.ts) and its
// bitset (tick-bits.ts) against plain models: random adds and deletes at prices
// near a drifting centre, far away, tiny and beyond 2^53, with small window
// limits so that growth, moves, the tree fallback and migration into the window
// all happen; after every step best, size and lookups agree with the model and
// the structure's own check passes, and the whole best-first order is compared
// regularly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type Int, norm } from '../../src/core/int64.js';
import { PriceLevels } from '../../src/core/price-levels.js';
import { TickBits } from '../../src/core/tick-bits.js';

class Lv {
  constructor(readonly price: Int) {}
}

type Op =
  | { k: 'add'; where: 'near' | 'drift' | 'far' | 'tiny' | 'huge'; off: number; big: bigint }
  | { k: 'del'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('add' as const),
      where: fc.constantFrom('near', 'near', 'drift', 'drift', 'far', 'tiny', 'huge') as fc.Arbitrary<
        'near' | 'drift' | 'far' | 'tiny' | 'huge'
      >,
      off: fc.integer({ min: -300, max: 300 }),
      big: fc.bigInt({ min: 1n << 53n, max: (1n << 63n) - 1n }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('del' as const), pick: fc.nat() }) },
);

function run(highBest: boolean, ops: Op[], window: { first: number; max: number; page: number }) {
  const levels = new PriceLevels<Lv>(highBest, window);
  const model = new Map<bigint, Lv>();
  let centre = 1_000_000;
  const seen = { window: 0, tree: 0, builds: 0 };
  const better = (a: bigint, b: bigint) => (highBest ? a > b : a < b);
  const bestFirst = () => [...model.keys()].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  ops.forEach((op, step) => {
    if (op.k === 'add') {
      if (op.where === 'drift') centre += op.off * 3;
      const price: Int =
        op.where === 'near' || op.where === 'drift'
          ? centre + op.off
          : op.where === 'far'
            ? centre + op.off * 100_000
            : op.where === 'tiny'
              ? 1 + Math.abs(op.off % 5)
              : norm(op.big);
      if (!(BigInt(price) > 0n)) return;
      if (model.has(BigInt(price))) {
        assert.equal(levels.get(price), model.get(BigInt(price)));
        return;
      }
      const level = new Lv(price);
      levels.add(level);
      model.set(BigInt(price), level);
    } else {
      if (model.size === 0) return;
      const keys = [...model.keys()];
      const key = keys[op.pick % keys.length] as bigint;
      levels.delete(model.get(key) as Lv);
      model.delete(key);
      assert.equal(levels.get(norm(key)), undefined);
    }
    const shape = levels.shape;
    seen.window = Math.max(seen.window, shape.inWindow);
    seen.tree = Math.max(seen.tree, shape.inTree);
    seen.builds = shape.builds;
    assert.equal(levels.size, model.size);
    const order = bestFirst();
    assert.equal(levels.best(), order.length === 0 ? undefined : model.get(order[0] as bigint), `best at step ${step}`);
    assert.deepEqual(levels.check(), [], `check at step ${step}`);
    if (step % 25 === 0 || step === ops.length - 1) {
      assert.deepEqual(
        [...levels.fromBest()].map((l) => BigInt(l.price)),
        order,
        `best-first order at step ${step}`,
      );
      for (const [p, l] of model) assert.equal(levels.get(norm(p)), l);
    }
  });
  return seen;
}

for (const highBest of [true, false]) {
  test(`price levels agree with a sorted model (${highBest ? 'bids' : 'asks'}, small windows)`, () => {
    let builds = 0;
    let both = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 50, maxLength: 400 }), (ops) => {
        const seen = run(highBest, ops, { first: 32, max: 512, page: 8 });
        builds += seen.builds;
        if (seen.window > 0 && seen.tree > 0) both++;
      }),
      { seed: highBest ? 11 : 12, numRuns: 150 },
    );
    // The streams must have exercised window rebuilds and levels in both places at once.
    assert.ok(builds > 150 * 2, `window builds ${builds}`);
    assert.ok(both > 100, `streams with levels in the window and the tree: ${both}`);
  });
}

test('a level that had to go to the tree moves into the window once the window grows over it', () => {
  const levels = new PriceLevels<Lv>(true, { first: 16, max: 1024, page: 4 });
  const a = new Lv(10_000);
  const far = new Lv(10_300); // beyond a 16-slot window around 10,000, but within 1024 of it
  levels.add(a);
  assert.equal(levels.shape.inWindow, 1);
  levels.add(far);
  // The window grew to cover both rather than sending the far one to the tree.
  assert.deepEqual([levels.shape.inWindow, levels.shape.inTree], [2, 0]);
  const outlier = new Lv(50_000); // span > 1024: tree
  levels.add(outlier);
  assert.deepEqual([levels.shape.inWindow, levels.shape.inTree], [2, 1]);
  assert.equal(levels.best(), outlier);
  levels.delete(outlier);
  assert.equal(levels.best(), far);
  // Now only move-without-growth is left; after enough new levels the window follows the prices.
  levels.add(outlier);
  levels.delete(a);
  levels.delete(far);
  for (let i = 0; i < 300; i++) levels.add(new Lv(50_001 + i));
  assert.equal(levels.shape.inTree, 0, 'the outlier moved into the window with its neighbours');
  assert.equal(levels.size, 301);
  assert.deepEqual(levels.check(), []);
  assert.equal(levels.best()?.price, 50_300);
});

test('a price that is not an integer goes to the tree and keeps its order', () => {
  const levels = new PriceLevels<Lv>(false, { first: 16, max: 1024, page: 4 });
  const prices = [100, 100.5, 99.25, 101];
  for (const p of prices) levels.add(new Lv(p));
  assert.deepEqual([levels.shape.inWindow, levels.shape.inTree], [2, 2]);
  assert.deepEqual(
    [...levels.fromBest()].map((l) => l.price),
    [99.25, 100, 100.5, 101],
  );
  assert.equal(levels.get(100.5)?.price, 100.5);
  assert.deepEqual(levels.check(), []);
});

test('tick bits: prev and next agree with a brute-force scan', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40_000 }),
      fc.array(fc.nat(), { maxLength: 200 }),
      fc.array(fc.nat(), { maxLength: 50 }),
      (capacity, adds, clears) => {
        const bits = new TickBits(capacity);
        const set = new Set<number>();
        for (const a of adds) {
          bits.set(a % capacity);
          set.add(a % capacity);
        }
        for (const c of clears) {
          const i = [...set][c % Math.max(1, set.size)];
          if (i === undefined) continue;
          bits.clear(i);
          set.delete(i);
        }
        assert.deepEqual(bits.check(), []);
        for (let probe = 0; probe < 40; probe++) {
          const i = (probe * 7919) % capacity;
          let prev = -1;
          let next = -1;
          for (const s of set) {
            if (s <= i && s > prev) prev = s;
            if (s >= i && (next < 0 || s < next)) next = s;
          }
          assert.equal(bits.prev(i), prev, `prev(${i})`);
          assert.equal(bits.next(i), next, `next(${i})`);
          assert.equal(bits.has(i), set.has(i));
        }
        assert.equal(bits.prev(-1), -1);
        assert.equal(bits.next(capacity), -1);
      },
    ),
    { seed: 5, numRuns: 300 },
  );
});
