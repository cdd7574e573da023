// Market panels: symbol selector, ticker, order book ladder (with its seq and gap notice) and recent trades.

import type { DepthLevel } from '../../../src/client/types.js';
import { cumulative } from '../amounts.js';
import { clock } from '../format.js';
import { useStore } from '../store.js';
import type { MarketFeed } from './feed.js';

export function SymbolSelect({ feed }: { feed: MarketFeed }) {
  const s = useStore(feed.state);
  return (
    <label class="symbol-select">
      <span>Symbol</span>
      <select
        data-testid="symbol-select"
        value={s.symbol ?? ''}
        onChange={(e) => feed.select((e.currentTarget as HTMLSelectElement).value)}
      >
        {s.symbols.map((x) => (
          <option value={x.symbol}>{x.symbol}</option>
        ))}
      </select>
    </label>
  );
}

export function Ticker({ feed }: { feed: MarketFeed }) {
  const s = useStore(feed.state);
  const t = s.ticker;
  return (
    <section class="panel ticker" data-testid="ticker" aria-label="Ticker">
      <div>
        <span class="label">Last</span> <strong data-testid="ticker-last">{t?.last ?? '-'}</strong>
      </div>
      <div>
        <span class="label">Bid</span> <span class="bid">{t?.best_bid ?? '-'}</span>
      </div>
      <div>
        <span class="label">Ask</span> <span class="ask">{t?.best_ask ?? '-'}</span>
      </div>
      <div>
        <span class="label">24h volume</span> <span>{t?.volume_24h ?? '-'}</span>
      </div>
    </section>
  );
}

function LadderSide({ side, levels }: { side: 'bids' | 'asks'; levels: DepthLevel[] }) {
  const totals = cumulative(levels.map((l) => l[1]));
  const rows = levels.map((l, i) => ({ price: l[0], qty: l[1], total: totals[i] as string }));
  if (side === 'asks') rows.reverse(); // best ask next to the spread, at the bottom of the asks
  return (
    <tbody class={side} data-testid={`ladder-${side}`}>
      {rows.map((r) => (
        <tr data-price={r.price} data-qty={r.qty}>
          <td class={side === 'bids' ? 'bid' : 'ask'}>{r.price}</td>
          <td>{r.qty}</td>
          <td class="muted">{r.total}</td>
        </tr>
      ))}
    </tbody>
  );
}

export function Ladder({ feed }: { feed: MarketFeed }) {
  const s = useStore(feed.state);
  return (
    <section class="panel ladder" aria-label="Order book">
      <h2>
        Order book{' '}
        <span
          class="muted small"
          data-testid="depth-seq"
          data-seq={s.depthSeq ?? ''}
          data-synced={String(s.synced)}
          data-gaps={s.gaps}
        >
          seq {s.depthSeq ?? '-'}
          {s.synced ? '' : ' (syncing)'}
        </span>
      </h2>
      {s.gapNotice !== null && (
        <p class="notice" role="status" data-testid="depth-gap">
          {s.gapNotice}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>Price</th>
            <th>Qty</th>
            <th>Total</th>
          </tr>
        </thead>
        <LadderSide side="asks" levels={s.asks} />
        <LadderSide side="bids" levels={s.bids} />
      </table>
    </section>
  );
}

export function RecentTrades({ feed }: { feed: MarketFeed }) {
  const s = useStore(feed.state);
  return (
    <section class="panel trades" aria-label="Recent trades">
      <h2>Recent trades</h2>
      <table data-testid="market-trades">
        <thead>
          <tr>
            <th>Time</th>
            <th>Price</th>
            <th>Qty</th>
          </tr>
        </thead>
        <tbody>
          {s.trades.map((t) => (
            <tr data-trade-id={t.trade_id}>
              <td class="muted">{clock(t.traded_at)}</td>
              <td class={t.taker_side === 'BUY' ? 'bid' : 'ask'}>{t.price}</td>
              <td>{t.qty}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
