// MarketFeed: the public market data of one selected symbol, kept live over one anonymous PushClient (the project's
// own client): the depth book (LocalDepthBook, its seq, gap notices and the re-snapshot the client asks for), recent
// trades, the ticker, and candles (history from GET /api/v1/klines, live from the `kline` channel).

import { RestClient, queryString } from '../../../src/client/rest.js';
import { PushClient } from '../../../src/client/ws-client.js';
import type { DepthLevel, MarketTradeData, SymbolInfo, TickerData } from '../../../src/client/types.js';
import { Store } from '../store.js';

export const INTERVALS = ['1s', '1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];

/** One candle as GET /api/v1/klines and the `kline` channel carry it (decimal strings). */
export interface Kline {
  open_time: number;
  close_time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quote_volume: string;
  trade_count: number;
  is_closed: boolean;
}

interface KlineMessage {
  type: 'kline';
  symbol: string;
  interval: string;
  seq: number;
  data: Kline;
}

export const DEPTH_LEVELS = 20;
const RESNAPSHOTTING = 're-snapshotting';
const TRADES_KEPT = 50;

export interface MarketState {
  symbols: SymbolInfo[];
  symbol: string | null;
  interval: Interval;
  connection: string;
  depthSeq: number | null;
  synced: boolean;
  bids: DepthLevel[];
  asks: DepthLevel[];
  /** Set on a depth gap until the next snapshot: what went missing. */
  gapNotice: string | null;
  gaps: number;
  trades: MarketTradeData[];
  ticker: TickerData | null;
  candles: Kline[];
  /** Why there are no candles (e.g. the server has no klines route), or null. */
  candlesError: string | null;
  error: string | null;
}

export function wsUrl(origin: string): string {
  return origin.replace(/^http/, 'ws') + '/ws';
}

export class MarketFeed {
  readonly state = new Store<MarketState>({
    symbols: [],
    symbol: null,
    interval: '1m',
    connection: 'connecting',
    depthSeq: null,
    synced: false,
    bids: [],
    asks: [],
    gapNotice: null,
    gaps: 0,
    trades: [],
    ticker: null,
    candles: [],
    candlesError: null,
    error: null,
  });
  readonly rest: RestClient;
  readonly push: PushClient;
  /** Bumped on every symbol/interval change: answers of an older selection are dropped. */
  private generation = 0;

  constructor(readonly origin: string) {
    this.rest = new RestClient({ baseUrl: origin });
    this.push = new PushClient({ url: wsUrl(origin), heartbeatIntervalMs: 15_000 });
    this.push.on('ready', () => {
      this.state.update({ connection: 'connected' });
      this.sendKline('subscribe');
    });
    this.push.on('reconnecting', (attempt) => this.state.update({ connection: `reconnecting (attempt ${attempt})` }));
    this.push.on('depth.snapshot', (m) => {
      // After a gap the notice stays, saying where the fresh snapshot put the book back.
      const { symbol, gapNotice } = this.state.value;
      if (m.symbol === symbol && gapNotice !== null && gapNotice.endsWith(RESNAPSHOTTING)) {
        this.state.update({ gapNotice: `${gapNotice.slice(0, -RESNAPSHOTTING.length)}re-snapshot at seq ${m.seq}` });
      }
    });
    this.push.on('depth', (symbol, book) => {
      if (symbol !== this.state.value.symbol) return;
      const top = book.top(DEPTH_LEVELS);
      this.state.update({ depthSeq: book.lastSeq, synced: book.synced, bids: top.bids, asks: top.asks });
    });
    this.push.on('depth.gap', (symbol, expected, got) => {
      if (symbol !== this.state.value.symbol) return;
      this.state.update({
        synced: false,
        gaps: this.state.value.gaps + 1,
        gapNotice: `gap in the depth stream (expected seq ${expected ?? 'snapshot'}, got ${got}): ${RESNAPSHOTTING}`,
      });
    });
    this.push.on('market.trade', (m) => {
      if (m.symbol !== this.state.value.symbol) return;
      this.state.update({ trades: [m.data, ...this.state.value.trades].slice(0, TRADES_KEPT) });
    });
    this.push.on('ticker', (m) => {
      if (m.symbol === this.state.value.symbol) this.state.update({ ticker: m.data });
    });
    this.push.on('message', (m) => {
      const k = m as unknown as KlineMessage;
      if (k.type === 'kline') this.onKline(k);
    });
  }

  async start(): Promise<void> {
    try {
      const { symbols } = await this.rest.symbols();
      this.state.update({ symbols });
      const wanted = new URLSearchParams(location.hash.split('?')[1] ?? '').get('symbol');
      const first = symbols.find((s) => s.symbol === wanted) ?? symbols[0];
      if (first !== undefined) this.select(first.symbol);
    } catch (e) {
      this.state.update({ error: `cannot load the symbols: ${(e as Error).message}` });
    }
  }

  select(symbol: string): void {
    const old = this.state.value.symbol;
    if (old === symbol) return;
    if (old !== null) {
      this.sendKline('unsubscribe');
      for (const ch of ['depth', 'trades', 'ticker'] as const) this.push.unsubscribe(ch, old);
    }
    this.generation++;
    this.state.update({
      symbol,
      depthSeq: null,
      synced: false,
      bids: [],
      asks: [],
      gapNotice: null,
      trades: [],
      ticker: null,
      candles: [],
      candlesError: null,
    });
    void this.push.subscribe('depth', symbol, DEPTH_LEVELS);
    void this.push.subscribe('trades', symbol);
    void this.push.subscribe('ticker', symbol);
    this.sendKline('subscribe');
    void this.loadSnapshots(symbol, this.generation);
    void this.loadCandles(symbol, this.state.value.interval, this.generation);
  }

  setInterval(interval: Interval): void {
    if (interval === this.state.value.interval) return;
    this.sendKline('unsubscribe');
    this.generation++;
    this.state.update({ interval, candles: [], candlesError: null });
    this.sendKline('subscribe');
    const symbol = this.state.value.symbol;
    if (symbol !== null) void this.loadCandles(symbol, interval, this.generation);
  }

  private sendKline(type: 'subscribe' | 'unsubscribe'): void {
    const { symbol, interval } = this.state.value;
    if (symbol !== null) this.push.send({ type, channel: 'kline', symbol, interval });
  }

  private async loadSnapshots(symbol: string, gen: number): Promise<void> {
    try {
      const [trades, ticker] = await Promise.all([
        this.rest.marketTrades(symbol, TRADES_KEPT),
        this.rest.ticker(symbol),
      ]);
      if (gen !== this.generation) return;
      // Pushed trades may have arrived meanwhile: keep them, then the older ones not already shown.
      const shown = new Set(this.state.value.trades.map((t) => t.trade_id));
      const merged = [...this.state.value.trades, ...trades.trades.filter((t) => !shown.has(t.trade_id))];
      merged.sort((a, b) => b.trade_id - a.trade_id);
      this.state.update({
        trades: merged.slice(0, TRADES_KEPT),
        ticker: this.state.value.ticker ?? ticker,
      });
    } catch (e) {
      if (gen === this.generation) this.state.update({ error: (e as Error).message });
    }
  }

  private async loadCandles(symbol: string, interval: Interval, gen: number): Promise<void> {
    try {
      const candles = await this.rest.request<Kline[]>(
        'GET',
        '/api/v1/klines' + queryString({ symbol, interval, limit: 500 }),
      );
      if (gen !== this.generation) return;
      // Live candles that came before the history: the newer of the two wins for each open_time.
      const byOpen = new Map(candles.map((k) => [k.open_time, k]));
      for (const k of this.state.value.candles) byOpen.set(k.open_time, k);
      this.state.update({ candles: [...byOpen.values()].sort((a, b) => a.open_time - b.open_time) });
    } catch (e) {
      if (gen === this.generation) this.state.update({ candlesError: (e as Error).message });
    }
  }

  private onKline(m: KlineMessage): void {
    const { symbol, interval, candles } = this.state.value;
    if (m.symbol !== symbol || m.interval !== interval) return;
    const last = candles[candles.length - 1];
    if (last !== undefined && m.data.open_time < last.open_time) return;
    const next = last !== undefined && last.open_time === m.data.open_time ? candles.slice(0, -1) : candles.slice();
    next.push(m.data);
    this.state.update({ candles: next });
  }
}
