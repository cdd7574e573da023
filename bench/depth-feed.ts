// bench:depth's microbenchmark: the public feed alone (MarketData + PublicFeed in this process) on a book of N
// levels a side, its time and work per book change: first for 500 depth subscriptions with 1..500 distinct
// `levels` values among them (rounded up to the fixed sizes as the push server does), then for 1 to 2,500
// subscriptions.
// The connections' sockets are stand-ins that drop what they are given: what is timed is the feed's own work plus
// one send call per subscriber, which no design avoids.

import type { WebSocket } from 'ws';
import { DEFAULT_MARKET_INPUT, buildMarket, marketIndex } from '../src/config.js';
import type { Int } from '../src/core/int64.js';
import { MarketData } from '../src/pipeline/market-data.js';
import type { DepthChange } from '../src/pipeline/protocol.js';
import { Connection } from '../src/push/connection.js';
import { Broadcaster } from '../src/push/broadcaster.js';
import { PublicFeed, depthSize } from '../src/push/public-feed.js';

const SYMBOL = 1;
const CHANGES = 20_000;
const WARM_CHANGES = 2000;
/** [subscriptions, distinct `levels` values among them] */
const CASES: Array<[number, number]> = [
  [500, 1],
  [500, 6],
  [500, 60],
  [500, 500],
  [1, 1],
  [50, 50],
  [2500, 500],
];

const droppingSocket = (): WebSocket => ({ bufferedAmount: 0, send: () => undefined }) as unknown as WebSocket;

/** One drain's change at the top of the book: alternately a new best bid and its removal. */
function change(i: number, bestBid: Int): DepthChange {
  return { symbolId: SYMBOL, side: 'BUY', price: Number(bestBid) + 1, qty: i % 2 === 0 ? 7 : 0 };
}

function once(levels: number, subscriptions: number, values: number) {
  const market = marketIndex({ market: buildMarket(DEFAULT_MARKET_INPUT) });
  const md = new MarketData([SYMBOL]);
  const depth: DepthChange[] = [];
  for (let i = 0; i < levels; i++) {
    depth.push({ symbolId: SYMBOL, side: 'BUY', price: 2_999_900 - 100 * i, qty: 1000 });
    depth.push({ symbolId: SYMBOL, side: 'SELL', price: 3_000_100 + 100 * i, qty: 1000 });
  }
  md.apply({ kind: 'market', trades: [], depth });
  let sends = 0;
  // Every send in the same turn: this measures the feed's depth work, not how sends are spread over turns.
  const feed = new PublicFeed(market, md, (_type, _bytes, n) => (sends += n), new Broadcaster(Infinity));
  const limits = { maxBacklogBytes: 1 << 30, maxBacklogMessages: 1 << 30, coalesceWrites: false };
  for (let i = 0; i < subscriptions; i++) {
    const c = new Connection(i, droppingSocket(), limits, () => undefined, Date.now());
    feed.subscribe(c, 'depth', SYMBOL, depthSize(1 + (i % values)));
  }
  const bestBid = md.get(SYMBOL)!.best('BUY') as Int;
  for (let i = 0; i < WARM_CHANGES; i++) md.apply({ kind: 'market', trades: [], depth: [change(i, bestBid)] });
  const before = { ...feed.stats };
  sends = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CHANGES; i++) md.apply({ kind: 'market', trades: [], depth: [change(i, bestBid)] });
  const ns = Number(process.hrtime.bigint() - t0);
  return {
    usPerChange: ns / 1000 / CHANGES,
    visited: (feed.stats.levelsVisited - before.levelsVisited) / CHANGES,
    formatted: (feed.stats.levelsFormatted - before.levelsFormatted) / CHANGES,
    serialized: (feed.stats.updatesSerialized - before.updatesSerialized) / CHANGES,
    sends: sends / CHANGES,
  };
}

export function microFeed(levels: number, runs: number): void {
  console.log(
    `feed microbenchmark: ${levels} levels a side, ${CHANGES} top-of-book changes (after ${WARM_CHANGES} untimed), ` +
      `median of ${runs} runs; subscription i asks for levels 1 + (i mod values), each on its own connection`,
  );
  once(levels, 500, 500); // warm-up
  let base: number | null = null;
  for (const [n, values] of CASES) {
    const rs = Array.from({ length: runs }, () => once(levels, n, values)).sort(
      (a, b) => a.usPerChange - b.usPerChange,
    );
    const r = rs[Math.floor(rs.length / 2)] as ReturnType<typeof once>;
    base ??= r.usPerChange;
    console.log(
      `  ${String(n).padStart(5)} subscriptions, ${String(values).padStart(3)} values: ${r.usPerChange.toFixed(1)} µs ` +
        `per change (${(r.usPerChange / base).toFixed(2)}x the first row), ${r.visited.toFixed(1)} levels visited, ` +
        `${r.formatted.toFixed(1)} formatted, ${r.serialized.toFixed(1)} updates serialized, ${r.sends.toFixed(0)} sends`,
    );
  }
}
