// Loader of balances_init.csv (`user_id,asset_id,avail,frozen,version`, internal units): one deposit per row.

import type { Int } from '../core/int64.js';
import type { Command } from '../core/types.js';
import type { BadRows } from './errors.js';
import { InputError, rowMessage } from './errors.js';
import {
  headerColumns,
  parseAmountBytes,
  parseIdBytes,
  sameColumns,
  scanLines,
  splitFields,
  text,
} from './csv-scan.js';

export const BALANCES_COLUMNS = ['user_id', 'asset_id', 'avail', 'frozen', 'version'] as const;

export interface BalancesLoadResult {
  /** Data rows read (bad ones included). */
  readonly rows: number;
  readonly deposits: number;
  /** Rows with avail 0: nothing to deposit (the core refuses a deposit of 0). */
  readonly zeroRows: number;
  /** Rows whose frozen column is not 0: it is ignored, there are no open orders to hold it. */
  readonly frozenIgnored: number;
  readonly skipped: number;
}

/**
 * Appends a deposit of `avail` for every row to `out`, with ts = tsStart +
 * index in `out`. `frozen` must be an amount too but is otherwise ignored
 * (counted); `version` is ignored. An asset id missing from `assetIds` is a bad row.
 */
export function loadBalances(
  path: string,
  assetIds: ReadonlySet<number>,
  bad: BadRows,
  tsStart: number,
  out: Command[],
): BalancesLoadResult {
  const bounds = new Int32Array(2 * BALANCES_COLUMNS.length);
  let header = false;
  let rows = 0;
  let deposits = 0;
  let zeroRows = 0;
  let frozenIgnored = 0;
  const badBefore = bad.count;

  const amount = (buf: Buffer, i: number, col: string, line: number): Int | null => {
    const s = bounds[2 * i] as number;
    const e = bounds[2 * i + 1] as number;
    const r = parseAmountBytes(buf, s, e, 'internal', 0);
    if (typeof r === 'number') return r;
    if (r.ok) return r.value;
    bad.add(path, line, `${col} ${r.error}`);
    return null;
  };

  scanLines(path, (buf, s, e, line) => {
    if (!header) {
      const got = headerColumns(buf, s, e);
      if (!sameColumns(got, BALANCES_COLUMNS)) {
        throw new InputError(
          rowMessage(path, line, `header "${got.join(',')}" should be "${BALANCES_COLUMNS.join(',')}"`),
        );
      }
      header = true;
      return;
    }
    rows++;
    const n = splitFields(buf, s, e, bounds);
    if (n !== BALANCES_COLUMNS.length) {
      bad.add(path, line, `expected ${BALANCES_COLUMNS.length} fields (${BALANCES_COLUMNS.join(',')}), got ${n}`);
      return;
    }
    const userId = parseIdBytes(buf, bounds[0] as number, bounds[1] as number);
    if (userId < 0) {
      bad.add(
        path,
        line,
        `user_id "${text(buf, bounds[0] as number, bounds[1] as number)}" is not a non-negative integer`,
      );
      return;
    }
    const assetId = parseIdBytes(buf, bounds[2] as number, bounds[3] as number);
    if (assetId < 0 || !assetIds.has(assetId)) {
      const t = text(buf, bounds[2] as number, bounds[3] as number);
      bad.add(
        path,
        line,
        assetId < 0 ? `asset_id "${t}" is not a non-negative integer` : `asset_id ${t} is not in the assets config`,
      );
      return;
    }
    const avail = amount(buf, 2, 'avail', line);
    if (avail === null) return;
    const frozen = amount(buf, 3, 'frozen', line);
    if (frozen === null) return;
    if (frozen !== 0) frozenIgnored++;
    if (avail === 0) {
      zeroRows++;
      return;
    }
    out.push({ type: 'deposit', ts: tsStart + out.length, userId, assetId, amount: avail });
    deposits++;
  });
  if (!header) throw new InputError(`${path}: empty file, expected the header "${BALANCES_COLUMNS.join(',')}"`);
  return { rows, deposits, zeroRows, frozenIgnored, skipped: bad.count - badBefore };
}
