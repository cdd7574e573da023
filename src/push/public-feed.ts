// Public channels: trades, depth (snapshot + gap-free updates of a top-N
// book) and ticker, per symbol. Fed by the market-data mirror right after
// matching; every message is serialized once and the same string goes to
// every subscriber.
//
// Sequences: `market.trade` messages count per symbol (one per trade);
// depth messages count per symbol too, one step per engine drain that changed
// the book, and every depth subscriber gets every step (an empty update when
// its top N did not change), so an update with seq S always applies to S-1.

import type { Int } from '../core/int64.js';
import type { MarketIndex } from '../config.js';
import type { MarketData, SymbolMarket } from '../pipeline/market-data.js';
import type { PublicTrade } from '../pipeline/protocol.js';
import { fmtAsset, fmtPrice, formatDepthLevel } from '../gateway/format.js';
import type { Connection } from './connection.js';

export type Channel = 'trades' | 'depth' | 'ticker';
export const CHANNELS: readonly Channel[] = ['trades', 'depth', 'ticker'];
export const DEPTH_LEVELS_DEFAULT = 20;
export const DEPTH_LEVELS_MAX = 500;

type Book = Map<string, string>; // price text -> qty text

interface DepthGroup {
  readonly levels: number;
  readonly members: Set<Connection>;
  bids: Book;
  asks: Book;
}

interface SymbolFeed {
  readonly trades: Set<Connection>;
  readonly ticker: Set<Connection>;
  readonly depth: Map<number, DepthGroup>;
  tradeSeq: number;
}

export class PublicFeed {
  private readonly feeds = new Map<number, SymbolFeed>();

  constructor(
    private readonly market: MarketIndex,
    private readonly data: MarketData,
    private readonly sent: (type: string, bytes: number, recipients: number) => void,
  ) {
    for (const s of market.symbols)
      this.feeds.set(s.id, { trades: new Set(), ticker: new Set(), depth: new Map(), tradeSeq: 0 });
    data.onUpdate((symbolId, seq, trades, levels) => this.onUpdate(symbolId, seq, trades, levels.length > 0));
  }

  private topBook(m: SymbolMarket, symbolId: number, n: number): { bids: Book; asks: Book } {
    const side = (s: 'BUY' | 'SELL') =>
      new Map(
        m.top(s, n).map(([p, q]: [Int, Int]) => formatDepthLevel(symbolId, p, q, this.market) as [string, string]),
      );
    return { bids: side('BUY'), asks: side('SELL') };
  }

  key(channel: Channel, symbolId: number, levels: number): string {
    return channel === 'depth' ? `depth:${symbolId}:${levels}` : `${channel}:${symbolId}`;
  }

  subscribe(c: Connection, channel: Channel, symbolId: number, levels: number): void {
    const f = this.feeds.get(symbolId);
    const m = this.data.get(symbolId);
    if (f === undefined || m === undefined) return;
    const symbol = this.market.symbol(symbolId).name;
    c.subscriptions.add(this.key(channel, symbolId, levels));
    c.sendJson({ type: 'subscribed', channel, symbol, ...(channel === 'depth' ? { levels } : {}) });
    if (channel === 'trades') f.trades.add(c);
    else if (channel === 'ticker') {
      f.ticker.add(c);
      c.send(this.tickerMessage(symbolId, m));
    } else {
      let g = f.depth.get(levels);
      if (g === undefined) {
        const top = this.topBook(m, symbolId, levels);
        g = { levels, members: new Set(), bids: top.bids, asks: top.asks };
        f.depth.set(levels, g);
      }
      g.members.add(c);
      c.send(
        JSON.stringify({ type: 'depth.snapshot', symbol, seq: m.seq, data: { bids: [...g.bids], asks: [...g.asks] } }),
      );
    }
  }

  unsubscribe(c: Connection, channel: Channel, symbolId: number, levels: number | null): boolean {
    const f = this.feeds.get(symbolId);
    if (f === undefined) return false;
    if (channel === 'depth') {
      let removed = false;
      for (const [n, g] of f.depth) {
        if (levels !== null && n !== levels) continue;
        removed = g.members.delete(c) || removed;
        c.subscriptions.delete(this.key('depth', symbolId, n));
        if (g.members.size === 0) f.depth.delete(n);
      }
      return removed;
    }
    c.subscriptions.delete(this.key(channel, symbolId, 0));
    return (channel === 'trades' ? f.trades : f.ticker).delete(c);
  }

  /** Drops a closed connection from every channel. */
  remove(c: Connection): void {
    for (const f of this.feeds.values()) {
      f.trades.delete(c);
      f.ticker.delete(c);
      for (const [n, g] of f.depth) {
        g.members.delete(c);
        if (g.members.size === 0) f.depth.delete(n);
      }
    }
    c.subscriptions.clear();
  }

  private broadcast(members: Set<Connection>, type: string, text: string): void {
    if (members.size === 0) return;
    const bytes = Buffer.from(text); // encoded once for every recipient
    for (const c of members) c.send(bytes);
    this.sent(type, bytes.length, members.size);
  }

  private tickerMessage(symbolId: number, m: SymbolMarket): string {
    const s = this.market.symbol(symbolId);
    const price = (v: Int | null) => (v === null ? null : fmtPrice(v, s));
    const now = Date.now();
    return JSON.stringify({
      type: 'ticker',
      symbol: s.name,
      data: {
        last: price(m.last),
        best_bid: price(m.best('BUY')),
        best_ask: price(m.best('SELL')),
        volume_24h: fmtAsset(m.volume24h(now), this.market.baseOf(s)),
        ts: now,
      },
    });
  }

  private onUpdate(symbolId: number, seq: number, trades: PublicTrade[], depthChanged: boolean): void {
    const f = this.feeds.get(symbolId);
    const m = this.data.get(symbolId);
    if (f === undefined || m === undefined) return;
    const s = this.market.symbol(symbolId);
    for (const t of trades) {
      f.tradeSeq++;
      if (f.trades.size === 0) continue;
      const text = JSON.stringify({
        type: 'market.trade',
        symbol: s.name,
        seq: f.tradeSeq,
        data: {
          trade_id: t.tradeId,
          price: fmtPrice(t.price, s),
          qty: fmtAsset(t.qty, this.market.baseOf(s)),
          taker_side: t.takerSide,
          traded_at: t.ts,
        },
      });
      this.broadcast(f.trades, 'market.trade', text);
    }
    for (const g of f.depth.values()) {
      const top = this.topBook(m, symbolId, g.levels);
      const diff = (before: Book, after: Book) => {
        const out: Array<[string, string]> = [];
        for (const [p, q] of after) if (before.get(p) !== q) out.push([p, q]);
        for (const p of before.keys()) if (!after.has(p)) out.push([p, fmtAsset(0, this.market.baseOf(s))]);
        return out;
      };
      const text = JSON.stringify({
        type: 'depth.update',
        symbol: s.name,
        seq,
        data: { bids: diff(g.bids, top.bids), asks: diff(g.asks, top.asks) },
      });
      g.bids = top.bids;
      g.asks = top.asks;
      this.broadcast(g.members, 'depth.update', text);
    }
    if (f.ticker.size > 0 && (trades.length > 0 || depthChanged)) {
      this.broadcast(f.ticker, 'ticker', this.tickerMessage(symbolId, m));
    }
  }
}
