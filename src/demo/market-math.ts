// Integer arithmetic of the demo bots, pure: a symbol's tick and lot as integer units, decimal strings to and from
// them, the maker's quote ladder on a fixed price grid around a mid, the mid's seeded random walk, order sizes and
// funding targets. Prices are integer ticks (safe integers), quantities and amounts bigints; no floating point.

import type { Prng } from '../replay/prng.js';
import type { AssetInfo, Side, SymbolInfo } from '../client/types.js';

/** A symbol as the bots trade it: prices in ticks of `tickDecimals`, sizes in units of `lotDecimals`. */
export interface DemoSymbol {
  readonly name: string;
  readonly base: AssetInfo;
  readonly quote: AssetInfo;
  /** Decimals of the bots' prices: what the symbol accepts and the API shows back exactly. */
  readonly tickDecimals: number;
  /** Decimals of the bots' quantities, likewise for the base asset. */
  readonly lotDecimals: number;
  /** min_qty in lot units (at least 1). */
  readonly minQty: bigint;
  /** max_qty in lot units, null when unlimited. */
  readonly maxQty: bigint | null;
  /** min_notional in quote units (at the quote asset's decimals). */
  readonly minNotional: bigint;
}

const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?$/;

/** "85000.5" at scale 2 -> 8500050n; more decimals than `scale` are cut (the bots never send them). */
export function toUnits(text: string, scale: number): bigint {
  const m = DECIMAL.exec(text);
  if (m === null) throw new RangeError(`not a non-negative decimal: ${JSON.stringify(text)}`);
  const frac = (m[2] ?? '').slice(0, scale).padEnd(scale, '0');
  return BigInt((m[1] as string) + frac);
}

/** 8500050n at scale 2 -> "85000.50". */
export function formatUnits(units: bigint | number, scale: number): string {
  const u = BigInt(units);
  if (u < 0n) throw new RangeError(`negative amount ${u}`);
  if (scale === 0) return u.toString();
  const s = u.toString().padStart(scale + 1, '0');
  return `${s.slice(0, -scale)}.${s.slice(-scale)}`;
}

/** `units` at scale `from` rescaled to `to`, rounded down. */
export function rescale(units: bigint, from: number, to: number): bigint {
  return to >= from ? units * 10n ** BigInt(to - from) : units / 10n ** BigInt(from - to);
}

export function demoSymbol(s: SymbolInfo, assets: readonly AssetInfo[]): DemoSymbol {
  const asset = (name: string) => {
    const a = assets.find((x) => x.asset === name);
    if (a === undefined) throw new Error(`symbol ${s.symbol}: unknown asset ${name}`);
    return a;
  };
  const base = asset(s.base_asset);
  const quote = asset(s.quote_asset);
  const lotDecimals = Math.min(base.decimals, base.display_decimals);
  const minQty = toUnits(s.min_qty, lotDecimals);
  const maxQty = s.max_qty === null || toUnits(s.max_qty, lotDecimals) === 0n ? null : toUnits(s.max_qty, lotDecimals);
  return {
    name: s.symbol,
    base,
    quote,
    tickDecimals: Math.min(s.price_decimals, s.price_display_decimals),
    lotDecimals,
    minQty: minQty > 0n ? minQty : 1n,
    maxQty,
    minNotional: toUnits(s.min_notional, quote.decimals),
  };
}

/** Quote units (at the quote asset's decimals) of `qty` lot units at `price` ticks, rounded down. */
export function notional(sym: DemoSymbol, price: number, qty: bigint): bigint {
  return rescale(qty * BigInt(price), sym.lotDecimals + sym.tickDecimals, sym.quote.decimals);
}

/** Where a mid starts when the market has no price yet: roughly real prices for the demo market's assets. */
const KNOWN_PRICES: Readonly<Record<string, string>> = { BTC: '65000', ETH: '3500' };

/** The starting mid in ticks: the last trade, else the middle of the book, else a known or nominal price. */
export function startMid(
  sym: DemoSymbol,
  t: { last: string | null; best_bid: string | null; best_ask: string | null },
): number {
  const ticks = (p: string) => Number(toUnits(p, sym.tickDecimals));
  let mid: number;
  if (t.last !== null) mid = ticks(t.last);
  else if (t.best_bid !== null && t.best_ask !== null) mid = Math.floor((ticks(t.best_bid) + ticks(t.best_ask)) / 2);
  else mid = ticks(KNOWN_PRICES[sym.base.asset] ?? '100');
  // At least 1,000 ticks, so that the ladder's grid (mid / 4000, at least one tick) stays well above zero.
  return Math.max(1000, Math.min(mid, Number.MAX_SAFE_INTEGER / 4));
}

/** The fixed grid of a symbol's quotes: levels `gap` ticks apart (~2.5 bp of the starting mid). */
export function gridGap(start: number): number {
  return Math.max(1, Math.floor(start / 4000));
}

/** One step of the mid's walk: -2..+2 half gaps, reflected back inside [start / 2, start * 2]. */
export function nextMid(mid: number, start: number, rng: Prng): number {
  const step = Math.max(1, Math.floor(gridGap(start) / 2));
  const delta = (rng.int(5) - 2) * step;
  const next = mid + delta;
  if (next < Math.floor(start / 2) || next > start * 2) return mid - delta;
  return next;
}

export interface Quote {
  readonly side: Side;
  readonly price: number;
}

/** `levels` bids below and asks above the mid on the grid of `gap` ticks, best first; prices stay > 0. */
export function ladder(mid: number, gap: number, levels: number): Quote[] {
  const out: Quote[] = [];
  const bid0 = Math.floor((mid - gap) / gap) * gap;
  const ask0 = Math.ceil((mid + gap) / gap) * gap;
  for (let i = 0; i < levels; i++) {
    if (bid0 - i * gap > 0) out.push({ side: 'BUY', price: bid0 - i * gap });
    out.push({ side: 'SELL', price: ask0 + i * gap });
  }
  return out;
}

export interface OpenQuote extends Quote {
  readonly orderId: number;
}

export interface QuotePlan {
  readonly cancel: number[];
  readonly place: Quote[];
}

/**
 * What turns `open` into `desired`: cancel the orders off the ladder (and a second order at one level), place the
 * missing levels; and, when `refresh`, replace one open level of the ladder (picked by `rng`) with a new order, so
 * that sizes keep changing while the mid stays between two grid lines.
 */
export function planQuotes(
  desired: readonly Quote[],
  open: readonly OpenQuote[],
  rng: Prng,
  refresh: boolean,
): QuotePlan {
  const key = (q: Quote) => `${q.side}:${q.price}`;
  const wanted = new Set(desired.map(key));
  const kept = new Map<string, OpenQuote>();
  const cancel: number[] = [];
  for (const o of open) {
    if (!wanted.has(key(o)) || kept.has(key(o))) cancel.push(o.orderId);
    else kept.set(key(o), o);
  }
  const place = desired.filter((q) => !kept.has(key(q)));
  if (refresh && kept.size > 0) {
    const pick = [...kept.values()][rng.int(kept.size)] as OpenQuote;
    cancel.push(pick.orderId);
    place.push({ side: pick.side, price: pick.price });
  }
  return { cancel, place };
}

/** Target worth of one lot: about 2,000 whole quote units (0.03 BTC at 65,000 USDT). */
const LOT_QUOTE = 2000n;

/** The bots' size unit in lot units at `mid`: ~LOT_QUOTE of quote or less, at least min_qty and min_notional. */
export function lotSize(sym: DemoSymbol, mid: number): bigint {
  const perLot = (LOT_QUOTE * 10n ** BigInt(sym.lotDecimals + sym.tickDecimals)) / BigInt(mid);
  // One significant digit (0.03 BTC, not 0.030769), a multiple of min_qty.
  const unit = 10n ** BigInt(Math.max(0, perLot.toString().length - 1));
  const round = (perLot / unit) * unit;
  let lot = round > sym.minQty ? round - (round % sym.minQty) : sym.minQty;
  const floor = Math.floor(mid / 2);
  while (notional(sym, floor, lot) < sym.minNotional || notional(sym, floor, lot) < 1n) lot *= 2n;
  return sym.maxQty !== null && lot * 5n > sym.maxQty ? sym.maxQty / 5n || 1n : lot;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Deposits that keep a bot trading for a long time: `lots` lots of base and their worth of quote at twice the mid
 * (the walk's ceiling), each at its asset's decimals and at most 2^53 - 1 units.
 */
export function fundingFor(sym: DemoSymbol, mid: number, lot: bigint, lots: bigint): Map<string, bigint> {
  const qty = lot * lots;
  const base = rescale(qty, sym.lotDecimals, sym.base.decimals);
  const quote = notional(sym, mid * 2, qty);
  const clamp = (x: bigint) => (x > SAFE ? SAFE : x);
  return new Map([
    [sym.base.asset, clamp(base)],
    [sym.quote.asset, clamp(quote)],
  ]);
}

/** Adds `b` into `a` per asset (at most 2^53 - 1 units each). */
export function addFunds(a: Map<string, bigint>, b: ReadonlyMap<string, bigint>): Map<string, bigint> {
  for (const [k, v] of b) {
    const sum = (a.get(k) ?? 0n) + v;
    a.set(k, sum > SAFE ? SAFE : sum);
  }
  return a;
}
