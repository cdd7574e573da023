// Depth chart: cumulative bid and ask sizes against price, drawn as SVG steps. Sizes and prices stay decimal
// strings; amounts.position turns each into a 0..1 coordinate exactly, so only pixel positions are numbers.

import { cumulative, position } from '../amounts.js';
import { useStore } from '../store.js';
import type { MarketFeed } from './feed.js';

const W = 400;
const H = 160;

function path(points: Array<[number, number]>): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${(x * W).toFixed(1)},${(H - y * H).toFixed(1)}`).join(' ');
}

export function DepthChart({ feed }: { feed: MarketFeed }) {
  const { bids, asks } = useStore(feed.state);
  const bidTotals = cumulative(bids.map((l) => l[1]));
  const askTotals = cumulative(asks.map((l) => l[1]));
  const lo = bids[bids.length - 1]?.[0] ?? asks[0]?.[0];
  const hi = asks[asks.length - 1]?.[0] ?? bids[0]?.[0];
  const maxTotal = [bidTotals[bidTotals.length - 1], askTotals[askTotals.length - 1]]
    .filter((v): v is string => v !== undefined)
    .reduce<string | null>((m, v) => (m === null || position(v, '0', m) > 1 ? v : m), null);
  let bidPath = '';
  let askPath = '';
  if (lo !== undefined && hi !== undefined && maxTotal !== null) {
    const x = (p: string) => position(p, lo, hi);
    const y = (q: string) => position(q, '0', maxTotal);
    const bp: Array<[number, number]> = [];
    bids.forEach((l, i) => {
      const prev = i === 0 ? 0 : y(bidTotals[i - 1] as string);
      bp.push([x(l[0]), prev], [x(l[0]), y(bidTotals[i] as string)]);
    });
    const ap: Array<[number, number]> = [];
    asks.forEach((l, i) => {
      const prev = i === 0 ? 0 : y(askTotals[i - 1] as string);
      ap.push([x(l[0]), prev], [x(l[0]), y(askTotals[i] as string)]);
    });
    bidPath = path(bp);
    askPath = path(ap);
  }
  return (
    <section class="panel depth-chart" aria-label="Depth chart">
      <h2>Depth</h2>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label="cumulative depth">
        <path class="bid-line" d={bidPath} />
        <path class="ask-line" d={askPath} />
      </svg>
      <div class="axis muted small">
        <span>{lo ?? ''}</span>
        <span>{hi ?? ''}</span>
      </div>
    </section>
  );
}
