// The market section of the configuration (assets and symbols, given with decimal strings) converted to the
// core's AssetConfig / SymbolConfig, the demo market used by default, and the lookups every layer uses.

import { z } from 'zod';
import { parseDecimal } from './core/decimal.js';
import { SymbolState } from './core/engine.js';
import type { Int } from './core/int64.js';
import { type AssetConfig, type StpMode, type SymbolConfig, FEE_RATE_DECIMALS, FEE_RATE_SCALE } from './core/types.js';
import { MAX_ASSET_ID, MAX_DECIMALS, MAX_SYMBOL_ID } from './replay/config-files.js';

export interface MarketConfig {
  readonly assets: readonly AssetConfig[];
  readonly symbols: readonly SymbolConfig[];
}

/** The demo market used when no file gives one. */
export const DEFAULT_MARKET_INPUT = {
  assets: [
    { id: 1, name: 'BTC', decimals: 8, displayDecimals: 6 },
    { id: 2, name: 'ETH', decimals: 8, displayDecimals: 6 },
    { id: 3, name: 'USDT', decimals: 2, displayDecimals: 2 },
  ],
  symbols: [
    {
      id: 1,
      name: 'BTC_USDT',
      base: 'BTC',
      quote: 'USDT',
      priceDecimals: 2,
      priceDisplayDecimals: 2,
      makerFee: '0.001',
      takerFee: '0.002',
      minQty: '0.000001',
      maxQty: '0',
      minNotional: '0',
      stpMode: 'NONE',
    },
    {
      id: 2,
      name: 'ETH_USDT',
      base: 'ETH',
      quote: 'USDT',
      priceDecimals: 2,
      priceDisplayDecimals: 2,
      makerFee: '0.001',
      takerFee: '0.002',
      minQty: '0.000001',
      maxQty: '0',
      minNotional: '0',
      stpMode: 'NONE',
    },
  ],
} as const;

const decimals = z.number().int().min(0).max(MAX_DECIMALS);
const marketSchema = z
  .object({
    assets: z
      .array(
        z
          .object({
            id: z.number().int().min(0).max(MAX_ASSET_ID),
            name: z.string().regex(/^[A-Z0-9]{1,16}$/, 'expected 1..16 of A-Z 0-9'),
            decimals,
            displayDecimals: decimals,
          })
          .strict(),
      )
      .min(1),
    symbols: z
      .array(
        z
          .object({
            id: z.number().int().min(0).max(MAX_SYMBOL_ID),
            name: z.string().regex(/^[A-Z0-9]{1,16}_[A-Z0-9]{1,16}$/, 'expected BASE_QUOTE of A-Z 0-9'),
            base: z.string(),
            quote: z.string(),
            priceDecimals: decimals,
            priceDisplayDecimals: decimals,
            makerFee: z.string(),
            takerFee: z.string(),
            minQty: z.string().default('0'),
            maxQty: z.string().default('0'),
            minNotional: z.string().default('0'),
            stpMode: z.enum(['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH']).default('NONE'),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/** A bad market section; the message starts with the path of the bad field ("market.symbols[0].base: ..."). */
export class MarketConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MarketConfigError';
  }
}

/** Validates the market section (decimal strings, names) and converts it to the core's configs. */
export function buildMarket(raw: unknown): MarketConfig {
  const parsed = marketSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    throw new MarketConfigError(`market${path}: ${issue.message}`);
  }
  const fail = (msg: string): never => {
    throw new MarketConfigError(`market.${msg}`);
  };
  const assets: AssetConfig[] = [];
  const byName = new Map<string, AssetConfig>();
  for (const [i, a] of parsed.data.assets.entries()) {
    if (byName.has(a.name)) fail(`assets[${i}].name: "${a.name}" appears twice`);
    if (assets.some((b) => b.id === a.id)) fail(`assets[${i}].id: ${a.id} appears twice`);
    const asset: AssetConfig = { id: a.id, name: a.name, decimals: a.decimals, displayDecimals: a.displayDecimals };
    assets.push(asset);
    byName.set(a.name, asset);
  }
  const symbols: SymbolConfig[] = [];
  for (const [i, s] of parsed.data.symbols.entries()) {
    const at = `symbols[${i}]`;
    const base = byName.get(s.base) ?? fail(`${at}.base: unknown asset "${s.base}"`);
    const quote = byName.get(s.quote) ?? fail(`${at}.quote: unknown asset "${s.quote}"`);
    if (base === quote) fail(`${at}: base and quote must differ`);
    if (symbols.some((t) => t.name === s.name)) fail(`${at}.name: "${s.name}" appears twice`);
    if (symbols.some((t) => t.id === s.id)) fail(`${at}.id: ${s.id} appears twice`);
    const units = (field: string, value: string, dec: number): Int => {
      const r = parseDecimal(value, dec);
      return r.ok ? r.value : fail(`${at}.${field}: ${r.error}`);
    };
    const fee = (field: string, value: string): Int => {
      const rate = units(field, value, FEE_RATE_DECIMALS);
      return rate < FEE_RATE_SCALE ? rate : fail(`${at}.${field}: "${value}" must be below 1`);
    };
    const minQty = units('minQty', s.minQty, base.decimals);
    const maxQty = units('maxQty', s.maxQty, base.decimals);
    if (maxQty !== 0 && minQty > maxQty) fail(`${at}.minQty: "${s.minQty}" is above maxQty "${s.maxQty}"`);
    symbols.push({
      id: s.id,
      name: s.name,
      baseAssetId: base.id,
      quoteAssetId: quote.id,
      priceDecimals: s.priceDecimals,
      priceDisplayDecimals: s.priceDisplayDecimals,
      minQty,
      maxQty,
      minNotional: units('minNotional', s.minNotional, quote.decimals),
      makerFeeRate: fee('makerFee', s.makerFee),
      takerFeeRate: fee('takerFee', s.takerFee),
      stpMode: s.stpMode as StpMode,
    });
  }
  return { assets, symbols };
}

// ---- Lookups ----

export interface MarketIndex {
  readonly assets: readonly AssetConfig[];
  readonly symbols: readonly SymbolConfig[];
  symbolByName(name: string): SymbolConfig | undefined;
  symbolById(id: number): SymbolConfig | undefined;
  assetByName(name: string): AssetConfig | undefined;
  assetById(id: number): AssetConfig | undefined;
  /** For ids the server itself produced: throws on an unknown id (an internal inconsistency). */
  symbol(id: number): SymbolConfig;
  asset(id: number): AssetConfig;
  baseOf(symbol: SymbolConfig): AssetConfig;
  quoteOf(symbol: SymbolConfig): AssetConfig;
  /** cost(price, qty) in quote units, exactly as the core computes it. */
  cost(symbolId: number, price: Int, qty: Int): Int;
}

const indexes = new WeakMap<MarketConfig, MarketIndex>();

/** Lookups by symbol name / asset name / id (memoized per market object). */
export function marketIndex(config: { readonly market: MarketConfig }): MarketIndex {
  const m = config.market;
  const cached = indexes.get(m);
  if (cached !== undefined) return cached;
  const assetsById = new Map(m.assets.map((a) => [a.id, a]));
  const assetsByName = new Map(m.assets.map((a) => [a.name, a]));
  const symbolsById = new Map(m.symbols.map((s) => [s.id, s]));
  const symbolsByName = new Map(m.symbols.map((s) => [s.name, s]));
  const asset = (id: number): AssetConfig => {
    const a = assetsById.get(id);
    if (a === undefined) throw new Error(`unknown asset id ${id}`);
    return a;
  };
  const symbol = (id: number): SymbolConfig => {
    const s = symbolsById.get(id);
    if (s === undefined) throw new Error(`unknown symbol id ${id}`);
    return s;
  };
  const states = new Map(m.symbols.map((s) => [s.id, new SymbolState(s, asset(s.baseAssetId), asset(s.quoteAssetId))]));
  const index: MarketIndex = {
    assets: m.assets,
    symbols: m.symbols,
    symbolByName: (name) => symbolsByName.get(name),
    symbolById: (id) => symbolsById.get(id),
    assetByName: (name) => assetsByName.get(name),
    assetById: (id) => assetsById.get(id),
    symbol,
    asset,
    baseOf: (s) => asset(s.baseAssetId),
    quoteOf: (s) => asset(s.quoteAssetId),
    cost: (symbolId, price, qty) => {
      const st = states.get(symbolId);
      if (st === undefined) throw new Error(`unknown symbol id ${symbolId}`);
      return st.cost(price, qty);
    },
  };
  indexes.set(m, Object.freeze(index));
  return index;
}
