// Loader of orders.csv in both formats (plain 5-column, place/cancel 6-column), chosen by the header.

import type { Int } from '../core/int64.js';
import type { Command, Side } from '../core/types.js';
import type { BadRows } from './errors.js';
import { InputError, rowMessage } from './errors.js';
import {
  type AmountUnits,
  headerColumns,
  isWord,
  parseAmountBytes,
  parseIdBytes,
  sameColumns,
  scanLines,
  splitFields,
  text,
} from './csv-scan.js';

export const PLAIN_ORDER_COLUMNS = ['order_id', 'user_id', 'side', 'price', 'qty'] as const;
export const ACTION_ORDER_COLUMNS = ['order_id', 'user_id', 'action', 'side', 'price', 'qty'] as const;

/** `plain`: every row places an order; `action`: rows place or cancel. */
export type OrdersFormat = 'plain' | 'action';

export interface OrdersLoadOptions {
  /** Every row belongs to this symbol. */
  readonly symbolId: number;
  /** The symbol's price_decimal (human-unit prices). */
  readonly priceDecimals: number;
  /** The base asset's decimals (human-unit quantities). */
  readonly qtyDecimals: number;
  readonly units: AmountUnits;
  /** ts of a command = tsStart + its index in `out`. */
  readonly tsStart: number;
}

export interface OrdersLoadResult {
  readonly format: OrdersFormat;
  /** Data rows read (bad ones included). */
  readonly rows: number;
  readonly places: number;
  readonly cancels: number;
  readonly skipped: number;
}

/**
 * Appends one command per good row to `out`: a LIMIT GTC place, or a cancel by
 * order id (its side/price/qty are ignored, even when empty). Prices and
 * quantities are human-unit decimals parsed strictly (excess precision is an
 * error, never rounded), or integers of internal units with `units: 'internal'`.
 * Ids are non-negative safe integers. Values the core would refuse (qty 0, an
 * unknown order to cancel...) are not the loader's business: they reach the
 * engine and are counted there.
 */
export function loadOrders(path: string, opts: OrdersLoadOptions, bad: BadRows, out: Command[]): OrdersLoadResult {
  const { symbolId, priceDecimals, qtyDecimals, units, tsStart } = opts;
  const bounds = new Int32Array(2 * ACTION_ORDER_COLUMNS.length);
  let format: OrdersFormat | null = null;
  let width = 0;
  let columns = '';
  let rows = 0;
  let places = 0;
  let cancels = 0;
  const badBefore = bad.count;

  const field = (buf: Buffer, i: number): string => text(buf, bounds[2 * i] as number, bounds[2 * i + 1] as number);

  const id = (buf: Buffer, i: number, col: string, line: number): number => {
    const v = parseIdBytes(buf, bounds[2 * i] as number, bounds[2 * i + 1] as number);
    if (v < 0) bad.add(path, line, `${col} "${field(buf, i)}" is not a non-negative integer`);
    return v;
  };

  const amount = (buf: Buffer, i: number, col: string, decimals: number, line: number): Int | null => {
    const r = parseAmountBytes(buf, bounds[2 * i] as number, bounds[2 * i + 1] as number, units, decimals);
    if (typeof r === 'number') return r;
    if (r.ok) return r.value;
    bad.add(path, line, `${col} ${r.error}`);
    return null;
  };

  scanLines(path, (buf, s, e, line) => {
    if (format === null) {
      const got = headerColumns(buf, s, e);
      if (sameColumns(got, PLAIN_ORDER_COLUMNS)) format = 'plain';
      else if (sameColumns(got, ACTION_ORDER_COLUMNS)) format = 'action';
      else {
        throw new InputError(
          rowMessage(
            path,
            line,
            `unrecognised header "${got.join(',')}": expected "${PLAIN_ORDER_COLUMNS.join(',')}" or "${ACTION_ORDER_COLUMNS.join(',')}"`,
          ),
        );
      }
      width = format === 'plain' ? PLAIN_ORDER_COLUMNS.length : ACTION_ORDER_COLUMNS.length;
      columns = (format === 'plain' ? PLAIN_ORDER_COLUMNS : ACTION_ORDER_COLUMNS).join(',');
      return;
    }
    rows++;
    const n = splitFields(buf, s, e, bounds);
    if (n !== width) {
      bad.add(path, line, `expected ${width} fields (${columns}), got ${n}`);
      return;
    }
    const orderId = id(buf, 0, 'order_id', line);
    if (orderId < 0) return;
    const userId = id(buf, 1, 'user_id', line);
    if (userId < 0) return;
    let f = 2;
    if (width === 6) {
      const as = bounds[4] as number;
      const ae = bounds[5] as number;
      if (isWord(buf, as, ae, 'cancel')) {
        out.push({ type: 'cancel', ts: tsStart + out.length, userId, orderId, cid: null });
        cancels++;
        return;
      }
      if (!isWord(buf, as, ae, 'place')) {
        bad.add(path, line, `action "${field(buf, 2)}" must be place or cancel`);
        return;
      }
      f = 3;
    }
    const ss = bounds[2 * f] as number;
    const se = bounds[2 * f + 1] as number;
    let side: Side;
    if (isWord(buf, ss, se, 'buy')) side = 'BUY';
    else if (isWord(buf, ss, se, 'sell')) side = 'SELL';
    else {
      bad.add(path, line, `side "${field(buf, f)}" must be buy or sell`);
      return;
    }
    const price = amount(buf, f + 1, 'price', priceDecimals, line);
    if (price === null) return;
    const qty = amount(buf, f + 2, 'qty', qtyDecimals, line);
    if (qty === null) return;
    out.push({
      type: 'place',
      ts: tsStart + out.length,
      orderId,
      userId,
      symbolId,
      side,
      orderType: 'LIMIT',
      tif: 'GTC',
      price,
      qty,
      quoteQty: 0,
      cid: null,
    });
    places++;
  });
  // Assigned inside the callback, which the compiler's narrowing does not see.
  const found = format as OrdersFormat | null;
  if (found === null) {
    throw new InputError(
      `${path}: empty file, expected the header "${PLAIN_ORDER_COLUMNS.join(',')}" or "${ACTION_ORDER_COLUMNS.join(',')}"`,
    );
  }
  return { format: found, rows, places, cancels, skipped: bad.count - badBefore };
}
