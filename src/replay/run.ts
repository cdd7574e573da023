// Runs a command list through the engine, counting outcomes and collecting trades, and sums up the final book.

import { performance } from 'node:perf_hooks';
import type { Engine } from '../core/engine.js';
import { formatDecimal } from '../core/decimal.js';
import type { Command, TradeEvent } from '../core/types.js';

export interface ReplaySummary {
  /** Commands processed (deposits included). */
  readonly commands: number;
  readonly deposits: number;
  /** Deposits the core refused (e.g. total supply beyond int64). */
  readonly depositsRejected: number;
  /** Place commands: accepted (code OK) + rejected. */
  readonly orders: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Rejected places by result code, keys sorted. */
  readonly rejectReasons: Readonly<Record<string, number>>;
  /** Cancel commands: applied (an open order was cancelled) + notOpen (already ended or unknown: a no-op) + rejected (another user's order). */
  readonly cancels: number;
  readonly cancelsApplied: number;
  readonly cancelsNotOpen: number;
  readonly cancelsRejected: number;
  readonly trades: number;
  /** The replayed symbol's final book. */
  readonly symbol: string;
  readonly bestBid: string | null;
  readonly bestAsk: string | null;
  readonly bidLevels: number;
  readonly askLevels: number;
  readonly openOrders: number;
  /** Wall time of the processing loop only (not loading, not writing). */
  readonly elapsedMs: number;
  /** (places + cancels) per second of elapsedMs. */
  readonly ordersPerSec: number;
}

export interface ReplayResult {
  readonly summary: ReplaySummary;
  /** Every trade, in order. */
  readonly trades: TradeEvent[];
}

export type ProgressFn = (done: number, total: number) => void;

const PROGRESS_EVERY = 8192;

/**
 * Processes `commands` in order through `engine.process`. `onProgress` is called
 * every few thousand commands and once at the end. The summary describes the
 * book of `symbolId` (default: the configured symbol with the lowest id; a
 * replay of orders.csv passes the first symbol of symbols_config.csv).
 * Returns the summary and every trade in order.
 */
export function runReplay(
  engine: Engine,
  commands: readonly Command[],
  onProgress?: ProgressFn,
  symbolId?: number,
): ReplayResult {
  const trades: TradeEvent[] = [];
  let deposits = 0;
  let depositsRejected = 0;
  let accepted = 0;
  let rejected = 0;
  let cancelsApplied = 0;
  let cancelsNotOpen = 0;
  let cancelsRejected = 0;
  const reasons = new Map<string, number>();
  const total = commands.length;

  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const cmd = commands[i] as Command;
    const { code, events } = engine.process(cmd);
    if (cmd.type === 'place') {
      if (code === 'OK') accepted++;
      else {
        rejected++;
        reasons.set(code, (reasons.get(code) ?? 0) + 1);
      }
      for (let k = 0; k < events.length; k++) {
        if (events.kind(k) === 'trade') trades.push(events.at(k) as TradeEvent);
      }
    } else if (cmd.type === 'cancel') {
      if (code !== 'OK') cancelsRejected++;
      else if (events.length === 0) cancelsNotOpen++;
      else cancelsApplied++;
    } else {
      deposits++;
      if (code !== 'OK') depositsRejected++;
    }
    if (onProgress !== undefined && (i + 1) % PROGRESS_EVERY === 0) onProgress(i + 1, total);
  }
  const elapsedMs = performance.now() - t0;
  if (onProgress !== undefined) onProgress(total, total);

  const s = symbolId === undefined ? engine.symbols.find((x) => x !== undefined) : engine.symbols[symbolId];
  const cfg = s?.cfg;
  const price = (level: { price: number | bigint } | undefined): string | null =>
    level === undefined || cfg === undefined
      ? null
      : formatDecimal(level.price, cfg.priceDecimals, cfg.priceDisplayDecimals);
  const orders = accepted + rejected;
  const cancels = cancelsApplied + cancelsNotOpen + cancelsRejected;
  const seconds = elapsedMs / 1000;
  return {
    summary: {
      commands: total,
      deposits,
      depositsRejected,
      orders,
      accepted,
      rejected,
      rejectReasons: Object.fromEntries([...reasons].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
      cancels,
      cancelsApplied,
      cancelsNotOpen,
      cancelsRejected,
      trades: trades.length,
      symbol: cfg?.name ?? '',
      bestBid: price(s?.book.bids.best()),
      bestAsk: price(s?.book.asks.best()),
      bidLevels: s?.book.bids.size ?? 0,
      askLevels: s?.book.asks.size ?? 0,
      openOrders: engine.orders.size,
      elapsedMs: Math.round(elapsedMs * 10) / 10,
      ordersPerSec: seconds > 0 ? Math.round((orders + cancels) / seconds) : 0,
    },
    trades,
  };
}
