// Public channels: trades, depth (snapshot + gap-free updates of a top-N
// book) and ticker, per symbol. Fed by the market-data mirror right after
// matching; every message is serialized once and the same bytes go to every
// subscriber, through the Broadcaster (broadcaster.ts: in order, without
// holding the event loop for a big fan-out).
//
// Depth is served at the fixed sizes of depth-top.ts (a request for other
// `levels` is rounded up to the next size): one incrementally kept TopBook
// per size in use, so a book change costs the same whatever the number of
// subscriptions; a size whose top N the change does not reach gets the one
// empty update of the drain.
//
// Sequences are the engine's (pipeline/market-seq.ts), so every gateway shows
// the same ones and they go on across restarts: `market.trade` messages count
// per symbol (one per trade); depth messages count per symbol too, one step
// per engine drain that changed the book, and every depth subscriber gets
// every step (an empty update when its top N did not change), so an update
// with seq S always applies to S-1 of the same epoch. Every message carries
// the market epoch; when the mirror's snapshot moved a symbol (a new epoch
// after an engine crash or takeover, or a gap a cluster gateway re-snapshotted
// over), each of its depth subscribers gets a fresh depth.snapshot.

import type { Int } from '../core/int64.js';
import type { MarketIndex } from '../config.js';
import type { LevelChange, MarketData, SymbolMarket } from '../pipeline/market-data.js';
import type { PublicTrade } from '../pipeline/protocol.js';
import { fmtAsset, fmtPrice, formatDepthLevel } from '../wire/format.js';
import type { Connection } from './connection.js';
import { type DepthWork, type LevelDiff, TopBook } from './depth-top.js';
import type { Broadcaster, Members } from './broadcaster.js';

export { DEPTH_LEVELS_MAX, DEPTH_SIZES, depthSize } from './depth-top.js';

export type Channel = 'trades' | 'depth' | 'ticker';
export const CHANNELS: readonly Channel[] = ['trades', 'depth', 'ticker'];
export const DEPTH_LEVELS_DEFAULT = 20;

interface DepthGroup {
  readonly members: Members;
  readonly top: TopBook;
  /** The `data` of a snapshot at the symbol's current seq, serialized; null until asked for after a change. */
  snapshot: string | null;
}

interface SymbolFeed {
  readonly trades: Members;
  readonly ticker: Members;
  /** By size; a group exists while it has members. */
  readonly depth: Map<number, DepthGroup>;
}

/** Counters of the depth work done, for tests and benchmarks (not exported as metrics). */
export interface FeedStats extends DepthWork {
  /** Depth levels formatted as text (snapshots and updates). */
  levelsFormatted: number;
  /** depth.update messages serialized (the empty update of a drain counts once). */
  updatesSerialized: number;
}

export class PublicFeed {
  private readonly feeds = new Map<number, SymbolFeed>();
  readonly stats: FeedStats = { levelsVisited: 0, levelsFormatted: 0, updatesSerialized: 0 };

  constructor(
    private readonly market: MarketIndex,
    private readonly data: MarketData,
    private readonly sent: (type: string, bytes: number, recipients: number) => void,
    private readonly out: Broadcaster,
  ) {
    for (const s of market.symbols) this.feeds.set(s.id, { trades: new Map(), ticker: new Map(), depth: new Map() });
    data.onUpdate((symbolId, seq, trades, levels, tradeSeq) => this.onUpdate(symbolId, seq, trades, levels, tradeSeq));
    data.onResync((symbolId) => this.resync(symbolId));
  }

  private format(symbolId: number, levels: LevelDiff): Array<[string, string]> {
    this.stats.levelsFormatted += levels.length;
    return levels.map(([p, q]) => formatDepthLevel(symbolId, p, q, this.market));
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
    const epoch = this.data.epoch;
    c.sendJson({ type: 'subscribed', channel, symbol, ...(channel === 'depth' ? { levels } : {}), epoch });
    if (channel === 'trades') this.out.join(f.trades, c);
    else if (channel === 'ticker') {
      this.out.join(f.ticker, c);
      c.send(this.tickerMessage(symbolId, m));
    } else {
      let g = f.depth.get(levels);
      if (g === undefined) {
        g = { members: new Map(), top: new TopBook(levels, m, this.stats), snapshot: null };
        f.depth.set(levels, g);
      }
      this.out.join(g.members, c);
      c.send(this.snapshotText(symbolId, g, m));
    }
  }

  /** The depth.snapshot of a size at the symbol's current seq (its data serialized once per change). */
  private snapshotText(symbolId: number, g: DepthGroup, m: SymbolMarket): string {
    g.snapshot ??= JSON.stringify({
      bids: this.format(symbolId, g.top.levels('BUY')),
      asks: this.format(symbolId, g.top.levels('SELL')),
    });
    const symbol = JSON.stringify(this.market.symbol(symbolId).name);
    return `{"type":"depth.snapshot","symbol":${symbol},"epoch":${this.data.epoch},"seq":${m.seq},"data":${g.snapshot}}`;
  }

  /** The mirror's book of a symbol was replaced (new epoch or a gap): every depth subscriber starts over. */
  private resync(symbolId: number): void {
    const f = this.feeds.get(symbolId);
    const m = this.data.get(symbolId);
    if (f === undefined || m === undefined) return;
    for (const [n, g] of f.depth) {
      const fresh: DepthGroup = { members: g.members, top: new TopBook(n, m, this.stats), snapshot: null };
      f.depth.set(n, fresh);
      this.broadcast(fresh.members, 'depth.snapshot', this.snapshotText(symbolId, fresh, m));
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

  private depthUpdate(symbol: string, seq: number, data: { bids: unknown[]; asks: unknown[] }): Buffer {
    this.stats.updatesSerialized++;
    return Buffer.from(JSON.stringify({ type: 'depth.update', symbol, epoch: this.data.epoch, seq, data }));
  }

  /** To every member, through the broadcaster (in order, a bounded number of sends per event-loop turn). */
  private broadcast(members: Members, type: string, text: string | Buffer): void {
    if (members.size === 0) return;
    const bytes = typeof text === 'string' ? Buffer.from(text) : text; // encoded once for every recipient
    this.sent(type, bytes.length, this.out.broadcast(members, bytes));
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

  private onUpdate(
    symbolId: number,
    seq: number,
    trades: PublicTrade[],
    levels: LevelChange[],
    tradeSeq: number,
  ): void {
    const f = this.feeds.get(symbolId);
    const m = this.data.get(symbolId);
    if (f === undefined || m === undefined) return;
    const s = this.market.symbol(symbolId);
    for (let i = 0; i < trades.length && f.trades.size > 0; i++) {
      const t = trades[i] as PublicTrade;
      const text = JSON.stringify({
        type: 'market.trade',
        symbol: s.name,
        epoch: this.data.epoch,
        seq: tradeSeq - trades.length + 1 + i,
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
    let empty: Buffer | null = null;
    for (const g of f.depth.values()) {
      const diff = g.top.apply(levels);
      if (diff.bids.length === 0 && diff.asks.length === 0) {
        // Outside this size's top N: the drain's one empty update keeps its seq gap-free.
        empty ??= this.depthUpdate(s.name, seq, { bids: [], asks: [] });
        this.broadcast(g.members, 'depth.update', empty);
        continue;
      }
      g.snapshot = null;
      const data = { bids: this.format(symbolId, diff.bids), asks: this.format(symbolId, diff.asks) };
      this.broadcast(g.members, 'depth.update', this.depthUpdate(s.name, seq, data));
    }
    if (f.ticker.size > 0 && (trades.length > 0 || levels.length > 0)) {
      this.broadcast(f.ticker, 'ticker', this.tickerMessage(symbolId, m));
    }
  }
}
