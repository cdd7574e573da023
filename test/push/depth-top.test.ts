// The depth channel's fixed sizes and its incrementally kept top-N books (src/push/depth-top.ts), fed exactly as
// the public feed feeds them (MarketData's listener, after the mirror applied a drain), against a naive reference:
// a client applying the snapshot and every diff holds the exact top N after every drain, each diff names only
// levels that differ, and the work per drain is bounded by the drain's changes, not by N or the book's width.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Int } from '../../src/core/int64.js';
import type { Side } from '../../src/core/types.js';
import type { DepthChange } from '../../src/pipeline/protocol.js';
import { MarketData } from '../../src/pipeline/market-data.js';
import { DEPTH_LEVELS_MAX, DEPTH_SIZES, type DepthWork, TopBook, depthSize } from '../../src/push/depth-top.js';
import { Prng } from '../../src/replay/prng.js';

test('depthSize rounds 1..500 up to the next fixed size and refuses more', () => {
  assert.deepEqual(DEPTH_SIZES, [5, 10, 20, 50, 100, 500]);
  assert.equal(DEPTH_LEVELS_MAX, 500);
  const cases: Array<[number, number]> = [
    [1, 5],
    [5, 5],
    [6, 10],
    [10, 10],
    [11, 20],
    [20, 20],
    [21, 50],
    [50, 50],
    [51, 100],
    [100, 100],
    [101, 500],
    [499, 500],
    [500, 500],
  ];
  for (const [asked, served] of cases) assert.equal(depthSize(asked), served, `levels ${asked}`);
  for (let levels = 1; levels <= 500; levels++) {
    const n = depthSize(levels);
    assert.ok(DEPTH_SIZES.includes(n) && n >= levels, `levels ${levels} -> ${n}`);
    assert.ok(
      DEPTH_SIZES.filter((s) => s >= levels).every((s) => s >= n),
      `${n} is the smallest size >= ${levels}`,
    );
  }
  assert.throws(() => depthSize(501), RangeError);
});

/** The reference book side: a Map, sorted in full when read. */
function naiveTop(levels: Map<Int, Int>, side: Side, n: number): Array<[Int, Int]> {
  const sorted = [...levels].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (side === 'BUY') sorted.reverse();
  return sorted.slice(0, n);
}

interface Subscriber {
  readonly top: TopBook;
  readonly work: DepthWork;
  /** What a client holds: the snapshot plus every diff applied. */
  readonly held: Record<Side, Map<Int, Int>>;
  entered: number;
  left: number;
  changed: number;
}

test('every fixed size: snapshot + diffs hold the exact top N of a 1,200-level book through 3,000 drains', () => {
  const prng = new Prng(99);
  const md = new MarketData([1]);
  const m = md.get(1)!;
  const ref: Record<Side, Map<Int, Int>> = { BUY: new Map(), SELL: new Map() };
  // Bids on ticks 1..6,000, asks on 6,001..12,000: prices spread over thousands of ticks.
  const randomPrice = (side: Side) => (side === 'BUY' ? 1 + prng.int(6000) : 6001 + prng.int(6000));
  const seed: DepthChange[] = [];
  for (const side of ['BUY', 'SELL'] as const) {
    while (seed.filter((d) => d.side === side).length < 1200) {
      const price = randomPrice(side);
      if (!seed.some((d) => d.side === side && d.price === price)) seed.push({ symbolId: 1, side, price, qty: 1 });
    }
  }
  md.apply({ kind: 'market', trades: [], depth: seed });
  for (const d of seed) ref[d.side].set(d.price, d.qty);

  const subs: Subscriber[] = DEPTH_SIZES.map((n) => {
    const work = { levelsVisited: 0 };
    const top = new TopBook(n, m, work);
    const held = { BUY: new Map(top.levels('BUY')), SELL: new Map(top.levels('SELL')) };
    return { top, work, held, entered: 0, left: 0, changed: 0 };
  });
  md.onUpdate((_id, _seq, _trades, levels) => {
    for (const s of subs) {
      const before = s.work.levelsVisited;
      const diff = s.top.apply(levels);
      // O(changes): each change is examined once, and moves at most one level across the N-th place.
      assert.ok(
        s.work.levelsVisited - before <= 2 * levels.length,
        `size ${s.top.n}: ${s.work.levelsVisited - before} levels visited for ${levels.length} changes`,
      );
      for (const [side, d] of [
        ['BUY', diff.bids],
        ['SELL', diff.asks],
      ] as const) {
        const held = s.held[side];
        const seen = new Set<Int>();
        for (const [p, q] of d) {
          assert.ok(!seen.has(p), `size ${s.top.n}: price ${p} twice in one diff`);
          seen.add(p);
          const was = held.get(p);
          assert.notEqual(q, was ?? 0, `size ${s.top.n}: ${side} ${p} sent unchanged`);
          if (q === 0) {
            held.delete(p);
            s.left++;
          } else {
            held.set(p, q);
            if (was === undefined) s.entered++;
            else s.changed++;
          }
        }
      }
    }
  });

  /** A price already on the book, at a rank drawn towards the best levels (so that every size sees changes). */
  const restingPrice = (side: Side): Int | undefined => {
    // (Only picks an input: the mirror's walk is cheaper than sorting the reference for each change.)
    const rank = Math.floor(ref[side].size * prng.next() ** 4);
    return m.top(side, rank + 1)[rank]?.[0];
  };
  for (let drain = 0; drain < 3000; drain++) {
    const changes: DepthChange[] = [];
    const count = 1 + prng.int(6);
    for (let i = 0; i < count; i++) {
      const side: Side = prng.next() < 0.5 ? 'BUY' : 'SELL';
      const kind = prng.int(10);
      if (kind < 3) {
        changes.push({ symbolId: 1, side, price: randomPrice(side), qty: 1 + prng.int(100) }); // anywhere
      } else if (kind < 5) {
        const best = m.best(side) ?? 6000;
        // A new best level, or just behind the best.
        const price = side === 'BUY' ? Number(best) + 1 - prng.int(3) : Number(best) - 1 + prng.int(3);
        changes.push({ symbolId: 1, side, price, qty: 1 + prng.int(100) });
      } else {
        const price = restingPrice(side);
        if (price === undefined) continue;
        // Removed (a fill or a cancel) or a new total.
        changes.push({ symbolId: 1, side, price, qty: kind < 8 ? 0 : 1 + prng.int(100) });
      }
    }
    md.apply({ kind: 'market', trades: [], depth: changes });
    for (const c of changes) {
      if (c.qty === 0) ref[c.side].delete(c.price);
      else ref[c.side].set(c.price, c.qty);
    }
    if (drain % 10 === 0 || drain > 2980) {
      for (const s of subs) {
        for (const side of ['BUY', 'SELL'] as const) {
          const want = naiveTop(ref[side], side, s.top.n);
          assert.deepEqual(
            naiveTop(s.held[side], side, Infinity),
            want,
            `size ${s.top.n} ${side} after drain ${drain}`,
          );
          assert.deepEqual(s.top.levels(side), want, `size ${s.top.n} ${side} book after drain ${drain}`);
        }
      }
    }
  }
  assert.ok(ref.BUY.size > 500 && ref.SELL.size > 500, `wider than 500: ${ref.BUY.size} / ${ref.SELL.size}`);
  for (const s of subs) {
    assert.ok(s.entered > 20 && s.left > 20 && s.changed > 20, `size ${s.top.n}: ${JSON.stringify(s)}`);
  }
});

test('a change below a full top N costs one visit per change and leaves the book unchanged', () => {
  const md = new MarketData([1]);
  const m = md.get(1)!;
  const depth: DepthChange[] = [];
  for (let i = 0; i < 2000; i++) {
    depth.push({ symbolId: 1, side: 'BUY', price: 10_000 - i, qty: 5 });
    depth.push({ symbolId: 1, side: 'SELL', price: 10_001 + i, qty: 5 });
  }
  md.apply({ kind: 'market', trades: [], depth });
  const books = DEPTH_SIZES.map((n) => {
    const work = { levelsVisited: 0 };
    return { n, work, top: new TopBook(n, m, work) };
  });
  for (const b of books) assert.equal(b.work.levelsVisited, 2 * b.n, 'building reads N levels a side');
  const diffs: unknown[] = [];
  const visits: number[] = [];
  md.onUpdate((_id, _seq, _trades, levels) => {
    for (const b of books) {
      const before = b.work.levelsVisited;
      diffs.push(b.top.apply(levels));
      visits.push(b.work.levelsVisited - before);
    }
  });
  // Level 600 of each side changes, then leaves: below every size's worst level (the 500th).
  md.apply({ kind: 'market', trades: [], depth: [{ symbolId: 1, side: 'BUY', price: 10_000 - 599, qty: 9 }] });
  md.apply({ kind: 'market', trades: [], depth: [{ symbolId: 1, side: 'SELL', price: 10_001 + 599, qty: 0 }] });
  assert.deepEqual(diffs, Array(2 * books.length).fill({ bids: [], asks: [] }));
  assert.deepEqual(visits, Array(2 * books.length).fill(1), 'one visit per change, whatever N');
  // The best bid leaves: each size drops it and takes in its (N+1)-th level, with two visits, whatever N.
  diffs.length = 0;
  visits.length = 0;
  md.apply({ kind: 'market', trades: [], depth: [{ symbolId: 1, side: 'BUY', price: 10_000, qty: 0 }] });
  books.forEach((b, i) => {
    assert.deepEqual(diffs[i], {
      bids: [
        [10_000, 0],
        [10_000 - b.n, 5],
      ],
      asks: [],
    });
    assert.equal(visits[i], 2, `size ${b.n}: the change and the level that came up`);
  });
});
