// Candles against the store: the newest stored candle of every symbol and interval (what settlement and the
// gateway's mirror start from), folding stored trades that no candle holds yet (engine start-up: a database
// from before candles existed, or candles lost by hand), and recomputing candles from all stored trades
// (`fillstream candles rebuild|check`). Trades are read in pages by trade id, oldest first.

import { type Kline, KLINE_INTERVAL_MS, candlesOf, foldTrade } from './candles.js';
import type { ReadStore, Store, StoreMeta, StoredTrade } from '../adapters/store/store.js';

const PAGE = 5000;

/** The newest stored candle of each symbol and interval that has one. */
export async function newestCandles(store: ReadStore, symbolIds: readonly number[]): Promise<Kline[]> {
  const out: Kline[] = [];
  for (const symbolId of symbolIds) {
    for (const intervalMs of KLINE_INTERVAL_MS) {
      const k = (await store.klines({ symbolId, intervalMs, limit: 1 }))[0];
      if (k !== undefined) out.push(k);
    }
  }
  return out;
}

/** Every stored trade of a symbol with trade_id > after, oldest first, page by page. */
export async function* tradesOf(
  store: Pick<Store, 'tradesAfter'>,
  symbolId: number,
  after = 0,
): AsyncGenerator<StoredTrade[]> {
  for (let from = after; ;) {
    const page = await store.tradesAfter(symbolId, from, PAGE);
    if (page.length === 0) return;
    yield page;
    from = (page[page.length - 1] as StoredTrade).tradeId;
  }
}

/**
 * Folds the stored trades that the newest candles (`newest`) do not hold yet into them and writes what changed
 * (one batch per page of trades, the counters unchanged). Returns the newest candles after that and how many
 * trades were folded. The engine worker runs this once at start, before any command.
 */
export async function catchUpCandles(
  store: Store,
  symbolIds: readonly number[],
  newest: readonly Kline[],
  meta: StoreMeta,
): Promise<{ newest: Kline[]; folded: number }> {
  const cur = new Map<string, Kline>();
  for (const k of newest) cur.set(`${k.symbolId}:${k.intervalMs}`, k);
  let folded = 0;
  for (const symbolId of symbolIds) {
    const held = KLINE_INTERVAL_MS.map((ms) => cur.get(`${symbolId}:${ms}`)?.lastTradeId ?? 0);
    const from = Math.min(...held);
    if (from >= meta.lastTradeId) continue;
    for await (const page of tradesOf(store, symbolId, from)) {
      const touched = new Map<string, Kline>();
      for (const t of page) {
        for (const ms of KLINE_INTERVAL_MS) {
          const key = `${symbolId}:${ms}`;
          const before = cur.get(key);
          const k = foldTrade(before, t, ms);
          if (k === before) continue;
          cur.set(key, k);
          touched.set(`${key}:${k.openTime}`, k);
        }
        folded++;
      }
      if (touched.size > 0) {
        await store.applyBatch({
          orders: [],
          trades: [],
          balances: [],
          events: [],
          meta,
          klines: [...touched.values()],
        });
      }
    }
  }
  return { newest: [...cur.values()], folded };
}

/** The candles of one symbol and interval recomputed from every stored trade, oldest first. */
export async function recomputedCandles(
  store: Pick<Store, 'tradesAfter'>,
  symbolId: number,
  intervalMs: number,
): Promise<Kline[]> {
  const out: Kline[] = [];
  for await (const page of tradesOf(store, symbolId)) {
    const last = out.pop();
    const more = candlesOf(page, intervalMs, last);
    out.push(...more);
  }
  return out;
}

/** Every stored candle of one symbol and interval, oldest first. */
export async function storedCandles(store: ReadStore, symbolId: number, intervalMs: number): Promise<Kline[]> {
  const out: Kline[] = [];
  for (let start = 0; ;) {
    const page = await store.klines({ symbolId, intervalMs, startTime: start, limit: 1000 });
    out.push(...page);
    if (page.length < 1000) return out;
    start = (page[page.length - 1] as Kline).openTime + 1;
  }
}
