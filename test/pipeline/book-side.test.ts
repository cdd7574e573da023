// The market-data mirror's sorted book sides (src/pipeline/book-side.ts, SymbolMarket.top/best) against a naive
// reference (a Map sorted on every read), over seeded random streams of level changes (fast-check), with prices
// as numbers and as bigints beyond 2^53 mixed in one book.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Int } from '../../src/core/int64.js';
import type { Side } from '../../src/core/types.js';
import { BookSide, compareInt } from '../../src/pipeline/book-side.js';
import { MarketData } from '../../src/pipeline/market-data.js';
import { Prng } from '../../src/replay/prng.js';

const SEED = 20_240_901;

/** The reference: a plain Map, sorted in full on every read. */
class NaiveSide {
  readonly levels = new Map<Int, Int>();
  constructor(private readonly side: Side) {}
  set(p: Int, q: Int): void {
    if (q === 0) this.levels.delete(p);
    else this.levels.set(p, q);
  }
  best(): Int | null {
    let b: Int | null = null;
    for (const p of this.levels.keys()) if (b === null || (this.side === 'BUY' ? p > b : p < b)) b = p;
    return b;
  }
  top(n: number): Array<[Int, Int]> {
    const sorted = [...this.levels].sort((a, b) => compareInt(a[0], b[0]));
    if (this.side === 'BUY') sorted.reverse();
    return sorted.slice(0, n);
  }
}

const BIG = 2n ** 60n;
/** Prices spread over 5,000 ticks, a few of them bigints (canonical form: a bigint only beyond 2^53). */
const price = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 1, max: 5000 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: BIG, max: BIG + 50n }) },
);
const qty = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 }), fc.constant(2n ** 62n));
const op = fc.record({ price, qty });

test('BookSide: top(n), best() and after() equal a fully sorted Map after every change, both sides', () => {
  for (const side of ['BUY', 'SELL'] as const) {
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 0, max: 60 }),
        price,
        (ops, n, at) => {
          const b = new BookSide(side);
          const ref = new NaiveSide(side);
          for (const o of ops) {
            b.set(o.price, o.qty);
            ref.set(o.price, o.qty);
            assert.equal(b.size, ref.levels.size);
            assert.equal(b.best(), ref.best());
          }
          assert.deepEqual(b.top(n), ref.top(n));
          const all = ref.top(Infinity);
          assert.deepEqual([...b.entries()], all);
          // after(p): everything strictly worse than p, best first; a p that is not a level works too.
          const pivot = all[Math.floor(all.length / 2)]?.[0] ?? null;
          const worse = all.filter(([p]) => pivot === null || (side === 'BUY' ? p < pivot : p > pivot));
          assert.deepEqual([...b.after(pivot)], worse);
          assert.deepEqual([...b.after(null)], all);
          // A price that may or may not be a level.
          assert.deepEqual(
            [...b.after(at)],
            all.filter(([p]) => (side === 'BUY' ? p < at : p > at)),
          );
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  }
});

test('SymbolMarket: top() and best() through MarketData.apply equal the reference on a book of ~3,600 levels', () => {
  const md = new MarketData([1]);
  const m = md.get(1)!;
  const ref = { BUY: new NaiveSide('BUY'), SELL: new NaiveSide('SELL') };
  const prng = new Prng(7);
  const rnd = (k: number) => prng.int(k);
  const seqs: number[] = [];
  md.onUpdate((_id, seq) => seqs.push(seq));
  for (let drain = 0; drain < 2500; drain++) {
    const depth = Array.from({ length: 1 + rnd(12) }, () => {
      const side: Side = rnd(2) === 0 ? 'BUY' : 'SELL';
      // Bids 1..2,500, asks 2,501..5,000: 2,000+ levels a side once filled; a quarter of the changes remove.
      const p = side === 'BUY' ? 1 + rnd(2500) : 2501 + rnd(2500);
      return { symbolId: 1, side, price: p, qty: rnd(4) === 0 ? 0 : 1 + rnd(1000) };
    });
    md.apply({ kind: 'market', trades: [], depth });
    // Several changes of one level in a drain: the last one is its total.
    for (const d of depth) ref[d.side].set(d.price, d.qty);
    for (const side of ['BUY', 'SELL'] as const) {
      assert.equal(m.best(side), ref[side].best());
      if (drain % 50 === 0) assert.deepEqual(m.top(side, 50), ref[side].top(50));
    }
  }
  assert.ok(m.bids.size > 1700 && m.asks.size > 1700, `a wide book: ${m.bids.size} / ${m.asks.size}`);
  assert.deepEqual(m.top('BUY', 5000), ref.BUY.top(5000));
  assert.deepEqual(m.top('SELL', 5000), ref.SELL.top(5000));
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i + 1),
    'one gap-free seq step per drain',
  );
});
