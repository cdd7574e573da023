// Loads a whole replay data set (assets, symbols, balances, orders) into a CoreConfig and the command list.

import { join } from 'node:path';
import type { Int } from '../core/int64.js';
import { parseDecimal } from '../core/decimal.js';
import { type Command, type CoreConfig, FEE_RATE_DECIMALS, FEE_RATE_SCALE } from '../core/types.js';
import { type BadRow, BadRows, InputError } from './errors.js';
import type { AmountUnits } from './csv-scan.js';
import { loadAssets, loadSymbols } from './config-files.js';
import { type BalancesLoadResult, loadBalances } from './balances-file.js';
import { type OrdersLoadResult, loadOrders } from './orders-file.js';

/** Synthetic clock: command i of a replay has ts = REPLAY_TS_START + i (2023-11-14T22:13:20Z + i ms). */
export const REPLAY_TS_START = 1_700_000_000_000;
export const DEFAULT_FEE_ACCOUNT = 0;

export interface DataSetPaths {
  readonly assets: string;
  readonly symbols: string;
  readonly balances: string;
  readonly orders: string;
}

/** The standard file names inside a data set directory. */
export const DATA_SET_FILES = {
  assets: 'assets_config.csv',
  symbols: 'symbols_config.csv',
  balances: 'balances_init.csv',
  orders: 'orders.csv',
} as const;

export function dataSetPaths(dir: string): DataSetPaths {
  return {
    assets: join(dir, DATA_SET_FILES.assets),
    symbols: join(dir, DATA_SET_FILES.symbols),
    balances: join(dir, DATA_SET_FILES.balances),
    orders: join(dir, DATA_SET_FILES.orders),
  };
}

export interface LoadOptions {
  /** How orders.csv writes prices and quantities (default 'human': decimal strings). */
  readonly units?: AmountUnits;
  /** Skip (and report) malformed rows of orders.csv and balances_init.csv instead of failing (default false). */
  readonly skipBadRows?: boolean;
  /** Account credited with fees (default 0). */
  readonly feeAccountId?: number;
  /** Fee rates as decimal strings, e.g. "0.001" (default "0"); applied to every symbol. */
  readonly makerFee?: string;
  readonly takerFee?: string;
  /** ts of the first command (default REPLAY_TS_START). */
  readonly tsStart?: number;
}

export interface LoadStats {
  readonly balances: BalancesLoadResult;
  readonly orders: OrdersLoadResult;
  /** Malformed rows skipped (only with skipBadRows), and the first ones of them. */
  readonly badRowCount: number;
  readonly badRows: readonly BadRow[];
}

export interface LoadedDataSet {
  readonly config: CoreConfig;
  /** Deposits from balances_init.csv first, then orders.csv's rows, in file order. */
  readonly commands: Command[];
  readonly stats: LoadStats;
}

/** A fee rate option: a decimal with at most 8 decimals, from 0 to 1, as an integer over FEE_RATE_SCALE. */
export function parseFeeRate(text: string, what: string): Int {
  const r = parseDecimal(text, FEE_RATE_DECIMALS);
  if (!r.ok) throw new InputError(`${what}: ${r.error}`);
  if (r.value > FEE_RATE_SCALE) throw new InputError(`${what}: "${text}" is above 1`);
  return r.value;
}

/**
 * Reads the four files. Throws InputError (message `file:line: ...` for a row)
 * on the first malformed row, or on any problem with the config files; with
 * `skipBadRows` malformed rows of balances and orders are skipped and counted.
 */
export function loadDataSet(paths: DataSetPaths, opts: LoadOptions = {}): LoadedDataSet {
  const feeAccountId = opts.feeAccountId ?? DEFAULT_FEE_ACCOUNT;
  if (!Number.isSafeInteger(feeAccountId) || feeAccountId < 0) {
    throw new InputError(`fee account: ${feeAccountId} is not a non-negative integer`);
  }
  const fees = {
    makerFeeRate: parseFeeRate(opts.makerFee ?? '0', 'maker fee'),
    takerFeeRate: parseFeeRate(opts.takerFee ?? '0', 'taker fee'),
  };
  const assets = loadAssets(paths.assets);
  const symbols = loadSymbols(paths.symbols, assets, fees);
  const first = symbols[0];
  const base = assets.find((a) => a.id === first?.baseAssetId);
  if (first === undefined || base === undefined) throw new InputError(`${paths.symbols}: no symbol`);

  const bad = new BadRows(opts.skipBadRows ?? false);
  const tsStart = opts.tsStart ?? REPLAY_TS_START;
  const commands: Command[] = [];
  const balances = loadBalances(paths.balances, new Set(assets.map((a) => a.id)), bad, tsStart, commands);
  const orders = loadOrders(
    paths.orders,
    {
      symbolId: first.id,
      priceDecimals: first.priceDecimals,
      qtyDecimals: base.decimals,
      units: opts.units ?? 'human',
      tsStart,
    },
    bad,
    commands,
  );
  return {
    config: { assets, symbols, feeAccountId },
    commands,
    stats: { balances, orders, badRowCount: bad.count, badRows: bad.rows },
  };
}
