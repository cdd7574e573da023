// The public `kline` channel: per symbol and interval, the stream of kline-streams.ts as WebSocket messages.
// A subscriber gets the current (or last) candle at once with the stream's current seq, then every step with
// the next seq: an update of the open candle on every trade, and its final `is_closed: true` state when the
// interval ends (on the next trade after it, or on the engine's clock when none comes). Each message is
// serialized once for all subscribers, and only when the stream has some; sent through the Broadcaster.

import type { MarketIndex } from '../config.js';
import { formatKline } from '../wire/format.js';
import { type KlineInterval, intervalName } from '../pipeline/candles.js';
import type { KlineStream, KlineStreams } from '../pipeline/kline-streams.js';
import type { Connection } from './connection.js';
import type { Broadcaster, Members } from './broadcaster.js';

export class KlineFeed {
  /** Subscribers by `symbolId:intervalMs`; an entry exists while it has members. */
  private readonly members = new Map<string, Members>();

  constructor(
    private readonly market: MarketIndex,
    private readonly streams: KlineStreams,
    private readonly sent: (type: string, bytes: number, recipients: number) => void,
    private readonly out: Broadcaster,
  ) {
    streams.onStep((s) => this.onStep(s));
  }

  /** The connection's subscription key (counts against ws.maxSubscriptions like the other channels). */
  key(symbolId: number, interval: KlineInterval): string {
    return `kline:${symbolId}:${interval}`;
  }

  private message(s: KlineStream): string {
    const symbol = this.market.symbol(s.symbolId).name;
    const interval = intervalName(s.intervalMs);
    const data = s.kline === null ? null : formatKline(s.kline, s.closed, this.market);
    return JSON.stringify({ type: 'kline', symbol, interval, seq: s.seq, data });
  }

  subscribe(c: Connection, symbolId: number, interval: KlineInterval, intervalMs: number): void {
    const s = this.streams.get(symbolId, intervalMs);
    if (s === undefined) return;
    const symbol = this.market.symbol(symbolId).name;
    c.subscriptions.add(this.key(symbolId, interval));
    c.sendJson({ type: 'subscribed', channel: 'kline', symbol, interval });
    const id = `${symbolId}:${intervalMs}`;
    let m = this.members.get(id);
    if (m === undefined) this.members.set(id, (m = new Map()));
    this.out.join(m, c);
    if (s.kline !== null) c.send(this.message(s));
  }

  /** One interval, or every interval of the symbol (null); whether anything was removed. */
  unsubscribe(c: Connection, symbolId: number, interval: KlineInterval | null, intervalMs: number | null): boolean {
    let removed = false;
    for (const [id, m] of this.members) {
      const [sid, ms] = id.split(':').map(Number);
      if (sid !== symbolId || (intervalMs !== null && ms !== intervalMs)) continue;
      removed = m.delete(c) || removed;
      if (m.size === 0) this.members.delete(id);
    }
    for (const k of [...c.subscriptions]) {
      if (k.startsWith(`kline:${symbolId}:`) && (interval === null || k === this.key(symbolId, interval)))
        c.subscriptions.delete(k);
    }
    return removed;
  }

  /** Drops a closed connection from every stream. */
  remove(c: Connection): void {
    for (const [id, m] of this.members) {
      m.delete(c);
      if (m.size === 0) this.members.delete(id);
    }
  }

  private onStep(s: KlineStream): void {
    const m = this.members.get(`${s.symbolId}:${s.intervalMs}`);
    if (m === undefined || m.size === 0) return;
    const bytes = Buffer.from(this.message(s));
    this.sent('kline', bytes.length, this.out.broadcast(m, bytes));
  }
}
