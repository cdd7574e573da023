// Loaders of assets_config.csv and symbols_config.csv into the core's AssetConfig / SymbolConfig lists.
// These files are small and a bad row in them is always fatal (--skip-bad-rows does not apply).

import type { Int } from '../core/int64.js';
import type { AssetConfig, SymbolConfig } from '../core/types.js';
import { InputError, rowMessage } from './errors.js';
import { fieldStrings, headerColumns, sameColumns, scanLines } from './csv-scan.js';

export const ASSETS_COLUMNS = ['asset_id', 'asset', 'decimals', 'display_decimals'] as const;
export const SYMBOLS_COLUMNS = [
  'symbol_id',
  'symbol',
  'base_asset_id',
  'quote_asset_id',
  'price_decimal',
  'price_display_decimal',
] as const;

/** The core keeps per-account arrays indexed by asset id, so asset ids must stay small. */
export const MAX_ASSET_ID = 1023;
/** The core keeps an array indexed by symbol id. */
export const MAX_SYMBOL_ID = 65535;
/** 10^18 internal units still fit int64 (9.2e18). */
export const MAX_DECIMALS = 18;

export interface FeeRates {
  /** Over FEE_RATE_SCALE. */
  readonly makerFeeRate: Int;
  readonly takerFeeRate: Int;
}

interface Row {
  readonly line: number;
  readonly fields: string[];
}

/** Reads a small CSV whose header must be exactly `columns`; every row must have that many fields. */
function readTable(path: string, columns: readonly string[]): Row[] {
  const rows: Row[] = [];
  let header = false;
  scanLines(path, (buf, s, e, line) => {
    if (!header) {
      const got = headerColumns(buf, s, e);
      if (!sameColumns(got, columns)) {
        throw new InputError(rowMessage(path, line, `header "${got.join(',')}" should be "${columns.join(',')}"`));
      }
      header = true;
      return;
    }
    const fields = fieldStrings(buf, s, e);
    if (fields.length !== columns.length) {
      throw new InputError(
        rowMessage(path, line, `expected ${columns.length} fields (${columns.join(',')}), got ${fields.length}`),
      );
    }
    rows.push({ line, fields });
  });
  if (!header) throw new InputError(`${path}: empty file, expected the header "${columns.join(',')}"`);
  if (rows.length === 0) throw new InputError(`${path}: no rows after the header`);
  return rows;
}

const PLAIN_INT = /^(0|[1-9][0-9]*)$/;

function smallInt(path: string, row: Row, index: number, name: string, max: number): number {
  const t = row.fields[index] as string;
  if (!PLAIN_INT.test(t) || Number(t) > max) {
    throw new InputError(rowMessage(path, row.line, `${name} "${t}" must be an integer from 0 to ${max}`));
  }
  return Number(t);
}

function name(path: string, row: Row, index: number, what: string): string {
  const t = row.fields[index] as string;
  if (t.length === 0) throw new InputError(rowMessage(path, row.line, `${what} must not be empty`));
  return t;
}

/** assets_config.csv: `asset_id,asset,decimals,display_decimals`. */
export function loadAssets(path: string): AssetConfig[] {
  const assets: AssetConfig[] = [];
  const ids = new Set<number>();
  const names = new Set<string>();
  for (const row of readTable(path, ASSETS_COLUMNS)) {
    const id = smallInt(path, row, 0, 'asset_id', MAX_ASSET_ID);
    const assetName = name(path, row, 1, 'asset');
    const decimals = smallInt(path, row, 2, 'decimals', MAX_DECIMALS);
    const displayDecimals = smallInt(path, row, 3, 'display_decimals', MAX_DECIMALS);
    if (ids.has(id)) throw new InputError(rowMessage(path, row.line, `asset_id ${id} appears twice`));
    if (names.has(assetName)) throw new InputError(rowMessage(path, row.line, `asset "${assetName}" appears twice`));
    ids.add(id);
    names.add(assetName);
    assets.push({ id, name: assetName, decimals, displayDecimals });
  }
  return assets;
}

/**
 * symbols_config.csv: `symbol_id,symbol,base_asset_id,quote_asset_id,price_decimal,price_display_decimal`.
 * Limits are off (min/max qty, min notional 0), self-trade prevention NONE,
 * and every symbol gets the given fee rates. Order is kept: the first row is
 * the symbol orders.csv trades.
 */
export function loadSymbols(path: string, assets: readonly AssetConfig[], fees: FeeRates): SymbolConfig[] {
  const assetIds = new Set(assets.map((a) => a.id));
  const symbols: SymbolConfig[] = [];
  const ids = new Set<number>();
  for (const row of readTable(path, SYMBOLS_COLUMNS)) {
    const id = smallInt(path, row, 0, 'symbol_id', MAX_SYMBOL_ID);
    const symbolName = name(path, row, 1, 'symbol');
    const baseAssetId = smallInt(path, row, 2, 'base_asset_id', MAX_ASSET_ID);
    const quoteAssetId = smallInt(path, row, 3, 'quote_asset_id', MAX_ASSET_ID);
    const priceDecimals = smallInt(path, row, 4, 'price_decimal', MAX_DECIMALS);
    const priceDisplayDecimals = smallInt(path, row, 5, 'price_display_decimal', MAX_DECIMALS);
    for (const [col, asset] of [
      ['base_asset_id', baseAssetId],
      ['quote_asset_id', quoteAssetId],
    ] as const) {
      if (!assetIds.has(asset))
        throw new InputError(rowMessage(path, row.line, `${col} ${asset} is not in the assets config`));
    }
    if (baseAssetId === quoteAssetId) {
      throw new InputError(rowMessage(path, row.line, 'base_asset_id and quote_asset_id must differ'));
    }
    if (ids.has(id)) throw new InputError(rowMessage(path, row.line, `symbol_id ${id} appears twice`));
    ids.add(id);
    symbols.push({
      id,
      name: symbolName,
      baseAssetId,
      quoteAssetId,
      priceDecimals,
      priceDisplayDecimals,
      minQty: 0,
      maxQty: 0,
      minNotional: 0,
      makerFeeRate: fees.makerFeeRate,
      takerFeeRate: fees.takerFeeRate,
      stpMode: 'NONE',
    });
  }
  return symbols;
}
