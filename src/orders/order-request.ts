// Validation of request bodies and query strings into core commands / store queries, given the market config.
// Every failure is an ApiError whose message names the field: 1001 for shape (missing, wrong type, unknown name or
// enum, JSON number for an amount), 1003 for the value of a price or amount (decimals, zero, range, limits).
//
// Decisions:
// - Unknown fields in a JSON body are refused (1001): a misspelt `time_in_fore` must not silently become GTC.
//   Unknown query-string parameters are ignored (read-only requests; cache-busting parameters stay harmless).
// - Ids (`order_id`, `user_id`, `cursor`) are not amounts: a JSON number (positive safe integer) or a string of
//   digits is accepted. Amounts and prices must be strings.
// - `cid`: 1..64 characters of A-Z a-z 0-9 _ - : . ; `null` means none.
// - MARKET orders: no `price`; `time_in_force` GTC or IOC (both behave as IOC), default IOC; FOK / POST_ONLY -> 1001.
//   A MARKET BUY takes exactly one of `qty` and `quote_qty`; a SELL only `qty`.
// - Limits the gateway can check without the book are checked here (1003): min/max qty, LIMIT notional > 0, fitting
//   int64 and >= min notional, MARKET `quote_qty` >= min notional. Balances are the server's business.

import { formatDecimal, parseDecimal } from '../core/decimal.js';
import { type Int, fitsInt64 } from '../core/int64.js';
import type {
  AssetConfig,
  OrderStatus,
  OrderType,
  PlaceOrderCommand,
  Side,
  SymbolConfig,
  TimeInForce,
} from '../core/types.js';
import type { MarketIndex } from '../config.js';
import { ApiError } from '../errors.js';
import type { KlineQuery } from '../adapters/store/store.js';
import { KLINE_INTERVALS, KLINE_INTERVAL_NAMES, type KlineInterval, isKlineInterval } from '../pipeline/candles.js';
import {
  ADMIN_REVOKE_KEY,
  API_KEY_MAX,
  CANCEL_ORDER,
  CID_PATTERN,
  CREATE_ORDER,
  DEPOSIT,
  DEPTH_LEVELS_DEFAULT,
  DEPTH_LEVELS_MAX,
  ID_TEXT_PATTERN,
  KLINES_LIMIT_DEFAULT,
  KLINES_LIMIT_MAX,
  LIST_LIMIT_DEFAULT,
  LIST_LIMIT_MAX,
  ORDER_TYPES,
  SIDES,
  STATUSES,
  TIFS,
  USER_ID_BODY,
  USER_REVOKE_KEY,
} from '../api/request-schemas.js';
import { schemaCheck } from '../api/request-validators.js';

export interface ParsedOrder {
  readonly symbol: SymbolConfig;
  readonly symbolId: number;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly tif: TimeInForce;
  /** Internal price units; 0 for MARKET. */
  readonly price: Int;
  /** Base units; 0 for a MARKET BUY by quote_qty. */
  readonly qty: Int;
  /** Quote units for a MARKET BUY by quote_qty; otherwise 0. */
  readonly quoteQty: Int;
  readonly cid: string | null;
}

export type ParsedCancel =
  { readonly orderId: number; readonly cid: null } | { readonly orderId: null; readonly cid: string };

export interface ParsedDeposit {
  readonly userId: number;
  readonly asset: AssetConfig;
  readonly assetId: number;
  readonly amount: Int;
}

// Limits, patterns and enums come from the request schemas (src/api/request-schemas.ts), which also feed the
// OpenAPI document; every body that passes the checks below is also checked against its schema.
export { CID_PATTERN, DEPTH_LEVELS_DEFAULT, DEPTH_LEVELS_MAX, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX };

const ORDER_FIELDS = Object.keys(CREATE_ORDER.properties);
const CANCEL_FIELDS = Object.keys(CANCEL_ORDER.properties);
const DEPOSIT_FIELDS = Object.keys(DEPOSIT.properties);
const USER_ID_FIELDS = Object.keys(USER_ID_BODY.properties);
const API_KEY_FIELDS = Object.keys(ADMIN_REVOKE_KEY.properties);
const schemas = {
  createOrder: schemaCheck(CREATE_ORDER),
  cancel: schemaCheck(CANCEL_ORDER),
  deposit: schemaCheck(DEPOSIT),
  userId: schemaCheck(USER_ID_BODY),
  adminKey: schemaCheck(ADMIN_REVOKE_KEY),
  ownKey: schemaCheck(USER_REVOKE_KEY),
};

/** Thrown inside this module only; every exported parser returns it as a value. */
class Fail {
  constructor(readonly error: ApiError) {}
}
const malformed = (msg: string): never => {
  throw new Fail(new ApiError(1001, msg));
};
const invalid = (msg: string): never => {
  throw new Fail(new ApiError(1003, msg));
};
/** The body also matches its schema (the checks above are stricter; a mismatch is a shape error all the same). */
function conforms(check: (v: unknown) => string | null, body: unknown): void {
  const problem = check(body);
  if (problem !== null) malformed(`body does not match its schema: ${problem}`);
}

function run<T>(f: () => T): T | ApiError {
  try {
    return f();
  } catch (e) {
    if (e instanceof Fail) return e.error;
    throw e;
  }
}

type Obj = Record<string, unknown>;

function object(body: unknown, allowed: readonly string[]): Obj {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) malformed('body must be a JSON object');
  const o = body as Obj;
  for (const k of Object.keys(o)) if (!allowed.includes(k)) malformed(`unknown field "${k}"`);
  return o;
}

const present = (o: Obj, k: string) => o[k] !== undefined && o[k] !== null;

function str(o: Obj, k: string): string {
  if (!present(o, k)) malformed(`${k} is required`);
  const v = o[k];
  return typeof v === 'string' ? v : malformed(`${k} must be a string`);
}

function oneOf<T extends string>(k: string, v: string, values: readonly T[]): T {
  return (values as readonly string[]).includes(v) ? (v as T) : malformed(`${k} must be one of ${values.join(', ')}`);
}

/** A decimal-string amount > 0 with at most `decimals` fractional digits. */
function amount(o: Obj, k: string, decimals: number): Int {
  if (!present(o, k)) malformed(`${k} is required`);
  const v = o[k];
  if (typeof v !== 'string') malformed(`${k} must be a decimal string, e.g. "1.5" (not a JSON ${kind(v)})`);
  const r = parseDecimal(v as string, decimals);
  if (!r.ok) return invalid(`${k}: ${r.error}`);
  return r.value > 0 ? r.value : invalid(`${k} must be greater than 0`);
}

function kind(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

/** A positive safe integer id from a JSON number or a string of digits. */
function id(v: unknown, k: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && ID_TEXT_PATTERN.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : malformed(`${k} must be a positive integer`);
}

function symbolOf(name: string, market: MarketIndex, k = 'symbol'): SymbolConfig {
  return market.symbolByName(name) ?? malformed(`${k}: unknown symbol "${name}"`);
}

/** POST /create_order body -> the fields of a PlaceOrderCommand (the server adds order id, user id and time). */
export function parseCreateOrder(body: unknown, market: MarketIndex): ParsedOrder | ApiError {
  return run(() => {
    const o = object(body, ORDER_FIELDS);
    const symbol = symbolOf(str(o, 'symbol'), market);
    const side = oneOf('side', str(o, 'side'), SIDES);
    if (present(o, 'order_type') && present(o, 'type') && o.order_type !== o.type) {
      malformed('order_type and its alias type disagree; send one of them');
    }
    const typeKey = present(o, 'order_type') || !present(o, 'type') ? 'order_type' : 'type';
    const orderType = oneOf(typeKey, str(o, typeKey), ORDER_TYPES);
    const tifText = present(o, 'time_in_force') ? str(o, 'time_in_force') : null;
    const tif = tifText === null ? (orderType === 'LIMIT' ? 'GTC' : 'IOC') : oneOf('time_in_force', tifText, TIFS);
    const base = market.baseOf(symbol);
    const quote = market.quoteOf(symbol);
    let cid: string | null = null;
    if (present(o, 'cid')) {
      const c = o.cid;
      cid =
        typeof c === 'string' && CID_PATTERN.test(c)
          ? c
          : malformed('cid must be 1..64 characters of A-Z a-z 0-9 _ - : .');
    }
    let price: Int = 0;
    let qty: Int = 0;
    let quoteQty: Int = 0;
    if (orderType === 'LIMIT') {
      if (present(o, 'quote_qty')) malformed('quote_qty is only for MARKET BUY orders');
      price = amount(o, 'price', symbol.priceDecimals);
      qty = amount(o, 'qty', base.decimals);
    } else {
      if (present(o, 'price')) malformed('price must not be given for a MARKET order');
      if (tif !== 'GTC' && tif !== 'IOC')
        malformed(`time_in_force ${tif} is not valid for a MARKET order (GTC or IOC)`);
      if (present(o, 'quote_qty')) {
        if (side !== 'BUY') malformed('quote_qty is only for MARKET BUY orders; a SELL gives qty');
        if (present(o, 'qty')) malformed('give either qty or quote_qty, not both');
        quoteQty = amount(o, 'quote_qty', quote.decimals);
      } else {
        qty = amount(o, 'qty', base.decimals);
      }
    }
    checkLimits(symbol, base, quote, market, price, qty, quoteQty);
    conforms(schemas.createOrder, body);
    return { symbol, symbolId: symbol.id, side, orderType, tif, price, qty, quoteQty, cid };
  });
}

function checkLimits(
  s: SymbolConfig,
  base: AssetConfig,
  quote: AssetConfig,
  market: MarketIndex,
  price: Int,
  qty: Int,
  quoteQty: Int,
): void {
  const showBase = (v: Int) => exactText(v, base.decimals);
  const showQuote = (v: Int) => exactText(v, quote.decimals);
  if (qty !== 0) {
    if (s.minQty !== 0 && qty < s.minQty) invalid(`qty is below the minimum ${showBase(s.minQty)} of ${s.name}`);
    if (s.maxQty !== 0 && qty > s.maxQty) invalid(`qty is above the maximum ${showBase(s.maxQty)} of ${s.name}`);
  }
  if (price !== 0) {
    const notional = market.cost(s.id, price, qty);
    if (!fitsInt64(notional)) invalid('price x qty is out of range');
    if (notional === 0) invalid(`price x qty is worth less than one unit of ${quote.name}`);
    if (s.minNotional !== 0 && notional < s.minNotional) {
      invalid(`price x qty is below the minimum notional ${showQuote(s.minNotional)} ${quote.name}`);
    }
  }
  if (quoteQty !== 0 && s.minNotional !== 0 && quoteQty < s.minNotional) {
    invalid(`quote_qty is below the minimum notional ${showQuote(s.minNotional)} ${quote.name}`);
  }
}

/** Full-precision decimal text of units without trailing zeros (for messages about limits). */
function exactText(units: Int, decimals: number): string {
  const s = formatDecimal(units, decimals, decimals);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** POST /cancel_order body: exactly one of order_id (positive integer, number or digit string) and cid. */
export function parseCancel(body: unknown): ParsedCancel | ApiError {
  return run((): ParsedCancel => {
    const o = object(body, CANCEL_FIELDS);
    const hasId = present(o, 'order_id');
    const hasCid = present(o, 'cid');
    if (hasId === hasCid) malformed('give exactly one of order_id and cid');
    const orderId = hasId ? id(o.order_id, 'order_id') : null;
    const c = o.cid;
    if (!hasId && (typeof c !== 'string' || !CID_PATTERN.test(c))) {
      malformed('cid must be 1..64 characters of A-Z a-z 0-9 _ - : .');
    }
    conforms(schemas.cancel, body);
    return orderId !== null ? { orderId, cid: null } : { orderId: null, cid: c as string };
  });
}

/** The `{order_id}` path parameter of GET /order/{order_id}. */
export function parseOrderIdParam(text: unknown): number | ApiError {
  return run(() => id(text, 'order_id'));
}

/** The `cid` query parameter of GET /order?cid= (required; the pattern of create_order's cid). */
export function parseCidQuery(query: unknown): string | ApiError {
  return run(() => {
    const c = param(queryObject(query), 'cid');
    if (c === undefined) malformed('cid is required');
    return CID_PATTERN.test(c as string)
      ? (c as string)
      : malformed('cid must be 1..64 characters of A-Z a-z 0-9 _ - : .');
  });
}

/** Admin deposit / withdraw body `{user_id, asset, qty}` (qty with the asset's decimals). */
export function parseDeposit(body: unknown, market: MarketIndex): ParsedDeposit | ApiError {
  return run(() => {
    const o = object(body, DEPOSIT_FIELDS);
    if (!present(o, 'user_id')) malformed('user_id is required');
    const userId = id(o.user_id, 'user_id');
    const name = str(o, 'asset');
    const asset = market.assetByName(name) ?? malformed(`asset: unknown asset "${name}"`);
    const qty = amount(o, 'qty', asset.decimals);
    conforms(schemas.deposit, body);
    return { userId, asset, assetId: asset.id, amount: qty };
  });
}

/** Admin revoke_user body `{user_id}`. */
export function parseUserIdBody(body: unknown): number | ApiError {
  return run(() => {
    const o = object(body, USER_ID_FIELDS);
    if (!present(o, 'user_id')) malformed('user_id is required');
    const userId = id(o.user_id, 'user_id');
    conforms(schemas.userId, body);
    return userId;
  });
}

/** revoke_key bodies `{api_key}` (required for the admin route; optional for the user's own: null when absent). */
export function parseApiKeyBody(body: unknown, required: boolean): string | null | ApiError {
  return run(() => {
    const o = object(body ?? {}, API_KEY_FIELDS);
    if (!present(o, 'api_key')) {
      if (required) malformed('api_key is required');
      conforms(schemas.ownKey, o);
      return null;
    }
    const k = str(o, 'api_key');
    if (k.length < 1 || k.length > API_KEY_MAX) malformed(`api_key must be 1..${API_KEY_MAX} characters`);
    conforms(required ? schemas.adminKey : schemas.ownKey, o);
    return k;
  });
}

/** Builds the core command from a parsed order. */
export function toPlaceCommand(p: ParsedOrder, orderId: number, userId: number, ts: number): PlaceOrderCommand {
  return {
    type: 'place',
    ts,
    orderId,
    userId,
    symbolId: p.symbolId,
    side: p.side,
    orderType: p.orderType,
    tif: p.tif,
    price: p.price,
    qty: p.qty,
    quoteQty: p.quoteQty,
    cid: p.cid,
  };
}

// ---- query strings (values arrive as strings; a repeated parameter arrives as an array) ----

function param(q: Obj, k: string): string | undefined {
  const v = q[k];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') malformed(`${k} must be given once, as text`);
  return v as string;
}

function intParam(q: Obj, k: string, min: number, max: number): number | undefined {
  const t = param(q, k);
  if (t === undefined) return undefined;
  const n = /^[0-9]{1,16}$/.test(t) ? Number(t) : NaN;
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : malformed(`${k} must be an integer ${min}..${max}`);
}

function queryObject(query: unknown): Obj {
  return typeof query === 'object' && query !== null ? (query as Obj) : {};
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const limitOf = (q: Obj, def: number, max: number, k = 'limit') => intParam(q, k, 1, max) ?? def;

function optionalSymbol(q: Obj, market: MarketIndex): number | undefined {
  const name = param(q, 'symbol');
  return name === undefined ? undefined : symbolOf(name, market).id;
}

function requiredSymbol(q: Obj, market: MarketIndex): number {
  const name = param(q, 'symbol');
  return name === undefined ? malformed('symbol is required') : symbolOf(name, market).id;
}

export interface OrdersQueryParams {
  readonly symbolId?: number;
  readonly status?: OrderStatus;
  /** Inclusive, ms. */
  readonly startTime?: number;
  /** Exclusive, ms. */
  readonly endTime?: number;
  /** Orders with order_id < cursor. */
  readonly cursor?: number;
  readonly limit: number;
}

/** GET /orders?symbol=&status=&start_time=&end_time=&limit=&cursor= (fits the store's OrderQuery). */
export function parseOrdersQuery(query: unknown, market: MarketIndex): OrdersQueryParams | ApiError {
  return run(() => {
    const q = queryObject(query);
    const statusText = param(q, 'status');
    const startTime = intParam(q, 'start_time', 0, MAX_SAFE);
    const endTime = intParam(q, 'end_time', 0, MAX_SAFE);
    if (startTime !== undefined && endTime !== undefined && endTime <= startTime) {
      malformed('end_time must be after start_time');
    }
    return strip({
      symbolId: optionalSymbol(q, market),
      status: statusText === undefined ? undefined : oneOf('status', statusText, STATUSES),
      startTime,
      endTime,
      cursor: intParam(q, 'cursor', 1, MAX_SAFE),
      limit: limitOf(q, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX),
    });
  });
}

export interface TradesQueryParams {
  readonly symbolId?: number;
  readonly orderId?: number;
  readonly startTime?: number;
  /** Trades with trade_id < cursor. */
  readonly cursor?: number;
  readonly limit: number;
}

/** GET /trades?symbol=&order_id=&start_time=&limit=&cursor= (fits the store's TradeQuery). */
export function parseTradesQuery(query: unknown, market: MarketIndex): TradesQueryParams | ApiError {
  return run(() => {
    const q = queryObject(query);
    return strip({
      symbolId: optionalSymbol(q, market),
      orderId: intParam(q, 'order_id', 1, MAX_SAFE),
      startTime: intParam(q, 'start_time', 0, MAX_SAFE),
      cursor: intParam(q, 'cursor', 1, MAX_SAFE),
      limit: limitOf(q, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX),
    });
  });
}

/** GET /events?after=N&limit=K: after defaults to 0. */
export function parseEventsQuery(query: unknown): { after: number; limit: number } | ApiError {
  return run(() => {
    const q = queryObject(query);
    return { after: intParam(q, 'after', 0, MAX_SAFE) ?? 0, limit: limitOf(q, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX) };
  });
}

/** GET /depth?symbol=&levels= */
export function parseDepthQuery(query: unknown, market: MarketIndex): { symbolId: number; levels: number } | ApiError {
  return run(() => {
    const q = queryObject(query);
    return {
      symbolId: requiredSymbol(q, market),
      levels: limitOf(q, DEPTH_LEVELS_DEFAULT, DEPTH_LEVELS_MAX, 'levels'),
    };
  });
}

/** GET /market/trades?symbol=&limit= */
export function parseMarketTradesQuery(
  query: unknown,
  market: MarketIndex,
): { symbolId: number; limit: number } | ApiError {
  return run(() => {
    const q = queryObject(query);
    return { symbolId: requiredSymbol(q, market), limit: limitOf(q, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX) };
  });
}

/** GET /klines?symbol=&interval=&start_time=&end_time=&limit= (fits the store's KlineQuery). */
export function parseKlinesQuery(query: unknown, market: MarketIndex): KlineQuery | ApiError {
  return run(() => {
    const q = queryObject(query);
    const symbolId = requiredSymbol(q, market);
    const interval = param(q, 'interval');
    if (interval === undefined) malformed(`interval is required: one of ${KLINE_INTERVAL_NAMES.join(', ')}`);
    if (!isKlineInterval(interval)) malformed(`interval must be one of ${KLINE_INTERVAL_NAMES.join(', ')}`);
    const startTime = intParam(q, 'start_time', 0, MAX_SAFE);
    const endTime = intParam(q, 'end_time', 0, MAX_SAFE);
    if (startTime !== undefined && endTime !== undefined && endTime < startTime) {
      malformed('end_time must not be before start_time');
    }
    const intervalMs = KLINE_INTERVALS[interval as KlineInterval];
    return strip({
      symbolId,
      intervalMs,
      startTime,
      endTime,
      limit: limitOf(q, KLINES_LIMIT_DEFAULT, KLINES_LIMIT_MAX),
    });
  });
}

/** GET /ticker?symbol= */
export function parseTickerQuery(query: unknown, market: MarketIndex): { symbolId: number } | ApiError {
  return run(() => ({ symbolId: requiredSymbol(queryObject(query), market) }));
}

/** Drops undefined properties (the store's query types use optional fields). */
function strip<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
