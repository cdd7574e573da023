// Seeded generator of replay data sets (orders.csv, balances_init.csv, assets and symbols config), streamed in chunks.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDecimal } from '../core/decimal.js';
import { InputError } from './errors.js';
import { FileSink } from './file-sink.js';
import { Prng } from './prng.js';
import { DATA_SET_FILES } from './load.js';
import { ACTION_ORDER_COLUMNS, PLAIN_ORDER_COLUMNS } from './orders-file.js';
import { BALANCES_COLUMNS } from './balances-file.js';
import { ASSETS_COLUMNS, SYMBOLS_COLUMNS } from './config-files.js';

export type DataSetFile = (typeof DATA_SET_FILES)[keyof typeof DATA_SET_FILES];
/** Receives the files' text in order: orders.csv in many chunks, then the other three files. */
export type WriteFn = (file: DataSetFile, chunk: string) => void;

export interface GenOptions {
  /** Data rows of orders.csv, places and cancels together. */
  readonly orders: number;
  /** Users 1..users place the orders (user 0 is left to the fee account). */
  readonly users: number;
  /** Share of rows that cancel an earlier order, 0 <= r < 1. 0 writes the plain 5-column format. */
  readonly cancelRatio: number;
  readonly seed: number;
  /** Mid price, a decimal with at most 2 decimals, e.g. "30000.00". */
  readonly mid: string;
  /** How limit prices spread around mid (see generateDataSet); also sets the default ticks below. */
  readonly profile: PriceProfile;
  /** Passive prices reach up to this many ticks (0.01) away from mid, on the order's own side; null: the profile's default. */
  readonly spreadTicks: number | null;
  /** Aggressive prices reach up to this many ticks through mid; null: the profile's default. */
  readonly crossTicks: number | null;
}

/**
 * `narrow`: offsets from mid cluster near it (cubic), 300 ticks passive, 10 through mid: a book of a few
 * hundred levels where about a third of the orders trade. `wide`: offsets uniform over 15% of mid passive
 * and 1% of mid through it: most orders rest, each at its own price, so the book spreads over tens of
 * thousands of levels per side.
 */
export type PriceProfile = 'narrow' | 'wide';
export const PRICE_PROFILES: readonly PriceProfile[] = ['narrow', 'wide'];

export const GEN_DEFAULTS: Omit<GenOptions, 'orders'> = {
  users: 1000,
  cancelRatio: 0.3,
  seed: 1,
  mid: '30000.00',
  profile: 'narrow',
  spreadTicks: null,
  crossTicks: null,
};

/** The default passive and aggressive reach of a profile, in ticks, for a mid of `midTicks` ticks. */
export function profileTicks(profile: PriceProfile, midTicks: number): { spreadTicks: number; crossTicks: number } {
  if (profile === 'wide') return { spreadTicks: Math.floor(midTicks * 0.15), crossTicks: Math.floor(midTicks * 0.01) };
  return { spreadTicks: 300, crossTicks: 10 };
}

export interface GenStats {
  readonly rows: number;
  readonly places: number;
  readonly cancels: number;
  readonly users: number;
  readonly format: 'plain' | 'action';
}

// The generated market: BTC (8 decimals) against USDT (2), price 0.01, quantities in steps of 0.0001 BTC.
const BTC = 1;
const USDT = 2;
const SYMBOL = 1;
const QTY_STEP = 10_000; // internal BTC units per 0.0001 BTC
const ONE_BTC = 100_000_000;
const THOUSAND_USDT = 100_000;
const MAX_QTY_STEPS = 20_000; // 2 BTC
const POOL_SIZE = 1 << 16;
const CHUNK = 1 << 20;

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
/** ".xxxx" with trailing zeros trimmed, "" for 0; index = 0.0001 steps within one BTC. */
const QTY_FRACTIONS = Array.from({ length: 10_000 }, (_, i) =>
  i === 0 ? '' : '.' + String(i).padStart(4, '0').replace(/0+$/, ''),
);

interface PriceShape {
  readonly midTicks: number;
  readonly spreadTicks: number;
  readonly crossTicks: number;
}

function checkOptions(o: GenOptions): PriceShape {
  const whole = (v: number, what: string, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) throw new InputError(`${what} must be an integer >= ${min}, got ${v}`);
  };
  whole(o.orders, 'orders', 0);
  whole(o.users, 'users', 1);
  whole(o.seed, 'seed', 0);
  if (!PRICE_PROFILES.includes(o.profile)) throw new InputError(`profile must be narrow or wide, got ${o.profile}`);
  if (!(o.cancelRatio >= 0 && o.cancelRatio < 1))
    throw new InputError(`cancel ratio must be in [0, 1), got ${o.cancelRatio}`);
  const mid = parseDecimal(o.mid, 2);
  if (!mid.ok) throw new InputError(`mid: ${mid.error}`);
  const midTicks = Number(mid.value);
  const defaults = profileTicks(o.profile, Number.isSafeInteger(midTicks) ? midTicks : 0);
  const spreadTicks = o.spreadTicks ?? defaults.spreadTicks;
  const crossTicks = o.crossTicks ?? defaults.crossTicks;
  whole(spreadTicks, 'spread ticks', 0);
  whole(crossTicks, 'cross ticks', 0);
  if (!Number.isSafeInteger(midTicks) || midTicks <= spreadTicks + crossTicks || midTicks > 1e12) {
    throw new InputError(`mid ${o.mid} must be above (spread + cross ticks) * 0.01 and at most 10000000000`);
  }
  return { midTicks, spreadTicks, crossTicks };
}

/** Rounds up to a multiple of `step`, with at least one step. */
function roundUp(v: number, step: number): number {
  return Math.max(step, Math.ceil(v / step) * step);
}

/**
 * Writes a data set through `write`, orders.csv first (streamed in ~1 MB
 * chunks), then balances_init.csv, assets_config.csv, symbols_config.csv. Same
 * options and seed give byte-identical text. Memory is O(users), not O(orders).
 *
 * Orders: LIMIT buys and sells by users 1..U with ids 1, 2, 3...; a price is
 * mid -/+ an offset in ticks from -cross to +spread, those with a negative
 * offset crossing. The narrow profile draws it as floor((spread + cross + 1) * u^3)
 * - cross, so most orders rest within a few dozen ticks of mid; the wide one
 * uniformly (u instead of u^3), so most rest and levels spread over the whole
 * range. Quantities have two
 * significant digits, from 0.0001 to 2 BTC, spread evenly over the decades.
 * A cancel names a random still-plausibly-open earlier order (a passive one,
 * not cancelled before) from a pool of recent ones, with its owner.
 * Balances: every user gets BTC and USDT enough for all of its orders plus
 * 10%, rounded up to whole BTC and 1000 USDT, so no order fails for funds.
 */
export function generateDataSet(options: Partial<GenOptions> & Pick<GenOptions, 'orders'>, write: WriteFn): GenStats {
  const o: GenOptions = { ...GEN_DEFAULTS, ...options };
  const { midTicks, spreadTicks, crossTicks } = checkOptions(o);
  const cubic = o.profile === 'narrow';
  const rnd = new Prng(o.seed);
  const users = o.users;
  const needBase = new Float64Array(users + 1);
  const needQuote = new Float64Array(users + 1);
  const poolIds = new Float64Array(POOL_SIZE);
  const poolUsers = new Float64Array(POOL_SIZE);
  let poolLen = 0;
  const action = o.cancelRatio > 0;
  const offsetRange = spreadTicks + crossTicks + 1;

  let chunk = (action ? ACTION_ORDER_COLUMNS : PLAIN_ORDER_COLUMNS).join(',') + '\n';
  let nextId = 1;
  let cancels = 0;
  for (let row = 0; row < o.orders; row++) {
    if (action && poolLen > 0 && rnd.next() < o.cancelRatio) {
      const j = rnd.int(poolLen);
      chunk += `${poolIds[j]},${poolUsers[j]},cancel,,,\n`;
      poolLen--;
      poolIds[j] = poolIds[poolLen] as number;
      poolUsers[j] = poolUsers[poolLen] as number;
      cancels++;
    } else {
      const id = nextId++;
      const user = 1 + rnd.int(users);
      const buy = rnd.next() < 0.5;
      const u = rnd.next();
      const offset = Math.floor(offsetRange * (cubic ? u * u * u : u)) - crossTicks;
      const price = buy ? midTicks - offset : midTicks + offset;
      // Two significant digits: lead (1-9) and second (0-9) in decade 10^e of 0.0001 BTC.
      const e = rnd.int(5);
      const lead = 1 + rnd.int(9);
      const second = rnd.int(10);
      const decade = 10 ** e;
      let steps = e === 0 ? lead : lead * decade + (second * decade) / 10;
      if (steps > MAX_QTY_STEPS) steps = 10_000 + second * 1_000;
      const qty = steps * QTY_STEP;
      if (buy) needQuote[user] = (needQuote[user] as number) + Math.floor((price * steps) / 10_000);
      else needBase[user] = (needBase[user] as number) + qty;
      const priceText = `${Math.floor(price / 100)}.${TWO_DIGITS[price % 100]}`;
      const qtyText = `${Math.floor(steps / 10_000)}${QTY_FRACTIONS[steps % 10_000]}`;
      chunk += `${id},${user},${action ? 'place,' : ''}${buy ? 'buy' : 'sell'},${priceText},${qtyText}\n`;
      if (action && offset >= 0) {
        const j = poolLen < POOL_SIZE ? poolLen++ : rnd.int(POOL_SIZE);
        poolIds[j] = id;
        poolUsers[j] = user;
      }
    }
    if (chunk.length >= CHUNK) {
      write(DATA_SET_FILES.orders, chunk);
      chunk = '';
    }
  }
  if (chunk.length > 0) write(DATA_SET_FILES.orders, chunk);

  chunk = BALANCES_COLUMNS.join(',') + '\n';
  for (let user = 1; user <= users; user++) {
    const base = roundUp(((needBase[user] as number) * 11) / 10, ONE_BTC);
    const quote = roundUp(((needQuote[user] as number) * 11) / 10, THOUSAND_USDT);
    chunk += `${user},${BTC},${base},0,1\n${user},${USDT},${quote},0,1\n`;
    if (chunk.length >= CHUNK) {
      write(DATA_SET_FILES.balances, chunk);
      chunk = '';
    }
  }
  if (chunk.length > 0) write(DATA_SET_FILES.balances, chunk);

  write(DATA_SET_FILES.assets, `${ASSETS_COLUMNS.join(',')}\n${BTC},BTC,8,6\n${USDT},USDT,2,2\n`);
  write(DATA_SET_FILES.symbols, `${SYMBOLS_COLUMNS.join(',')}\n${SYMBOL},BTC_USDT,${BTC},${USDT},2,2\n`);
  return { rows: o.orders, places: nextId - 1, cancels, users, format: action ? 'action' : 'plain' };
}

/** generateDataSet into the four files of `dir` (created if missing). */
export function writeDataSetToDir(options: Partial<GenOptions> & Pick<GenOptions, 'orders'>, dir: string): GenStats {
  mkdirSync(dir, { recursive: true });
  const sinks = new Map<DataSetFile, FileSink>();
  try {
    return generateDataSet(options, (file, text) => {
      let sink = sinks.get(file);
      if (sink === undefined) {
        sink = new FileSink(join(dir, file));
        sinks.set(file, sink);
      }
      sink.write(text);
    });
  } finally {
    for (const sink of sinks.values()) sink.close();
  }
}
