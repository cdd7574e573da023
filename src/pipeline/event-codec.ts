// The private event log's line format. Settlement writes each private event as one compact line
// (tab-separated fields, internal integer units) instead of its rendered JSON: encoding is a few string
// concatenations, and the JSON text of ws-protocol.md section 3 is built only when someone reads the event
// (a connected owner, a resume, GET /events) — see renderPrivateEvent in wire/format.ts. Rendering is a
// pure function of the line, its seq and the market configuration, so every reader gets the same text.
//
//   o  order_id symbol_id side order_type tif price qty quote_qty cid status filled_qty filled_notional reject ts
//   t  trade_id symbol_id price qty order_id side role fee ts        (the owner's side of one fill)
//   b  asset_id avail frozen delta reason
//   {… a line starting with "{" is an already rendered message (rows written before the line format existed)
//
// No field can hold a tab or a newline: ids and amounts are integers, enums are fixed words, and a cid is
// limited to [A-Za-z0-9_\-:.]; an empty field stands for null.

import { fitsInt64, type Int, norm } from '../core/int64.js';
import type {
  BalanceEvent,
  BalanceReason,
  OrderEvent,
  OrderStatus,
  OrderType,
  RejectReason,
  Side,
  TimeInForce,
  TradeEvent,
} from '../core/types.js';
import type { PrivateEventType } from '../adapters/store/store.js';

export type Role = 'MAKER' | 'TAKER';

const str = (v: Int): string => (typeof v === 'number' ? String(v) : v.toString());

export function encodeOrder(e: OrderEvent): string {
  return (
    `o\t${e.orderId}\t${e.symbolId}\t${e.side}\t${e.orderType}\t${e.tif}\t${str(e.price)}\t${str(e.qty)}\t` +
    `${str(e.quoteQty)}\t${e.cid ?? ''}\t${e.status}\t${str(e.filledQty)}\t${str(e.filledNotional)}\t` +
    `${e.rejectReason ?? ''}\t${e.ts}`
  );
}

/** The maker's or the taker's side of a fill. */
export function encodeTrade(e: TradeEvent, role: Role): string {
  const taker = role === 'TAKER';
  const side: Side = taker ? e.takerSide : e.takerSide === 'BUY' ? 'SELL' : 'BUY';
  return (
    `t\t${e.tradeId}\t${e.symbolId}\t${str(e.price)}\t${str(e.qty)}\t${taker ? e.takerOrderId : e.makerOrderId}\t` +
    `${side}\t${role}\t${str(taker ? e.takerFee : e.makerFee)}\t${e.ts}`
  );
}

export function encodeBalance(e: BalanceEvent): string {
  return `b\t${e.assetId}\t${str(e.avail)}\t${str(e.frozen)}\t${str(e.delta)}\t${e.reason}`;
}

/** The fields an order's JSON needs (an OrderEvent, a StoredOrder and a logged order line all have them). */
export interface OrderFields {
  readonly orderId: number;
  readonly symbolId: number;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly tif: TimeInForce;
  readonly price: Int;
  readonly qty: Int;
  readonly quoteQty: Int;
  readonly cid: string | null;
  readonly status: OrderStatus;
  readonly filledQty: Int;
  readonly filledNotional: Int;
  readonly rejectReason: RejectReason | null;
}

export interface LoggedOrder extends OrderFields {
  readonly kind: 'order';
  readonly ts: number;
}

/** The fields of one side (role) of a fill that its JSON needs (a logged trade line, a user's trade row). */
export interface TradeFields {
  readonly tradeId: number;
  readonly symbolId: number;
  readonly price: Int;
  readonly qty: Int;
  readonly orderId: number;
  readonly side: Side;
  readonly role: Role;
  readonly fee: Int;
  readonly ts: number;
}

export interface LoggedTrade extends TradeFields {
  readonly kind: 'trade';
}

export interface LoggedBalance {
  readonly kind: 'balance';
  readonly assetId: number;
  readonly avail: Int;
  readonly frozen: Int;
  readonly delta: Int;
  readonly reason: BalanceReason;
}

/** A message rendered before the line format existed; its text already holds its seq. */
export interface LoggedRendered {
  readonly kind: 'rendered';
  readonly type: PrivateEventType;
  readonly text: string;
}

export type LoggedEvent = LoggedOrder | LoggedTrade | LoggedBalance | LoggedRendered;

export class EventLineError extends Error {}

/** Canonical decimal integers only: no "+", no leading zeros, no "-0". */
const INT_RE = /^(?:0|-?[1-9]\d{0,18})$/;

function int(s: string | undefined, line: string): Int {
  if (s === undefined || !INT_RE.test(s)) throw new EventLineError(`event log: bad integer ${s} in "${line}"`);
  if (s.length <= 15) return Number(s);
  const v = BigInt(s);
  if (!fitsInt64(v)) throw new EventLineError(`event log: ${s} is beyond int64 in "${line}"`);
  return norm(v);
}

function word<T extends string>(s: string | undefined, allowed: ReadonlySet<string>, line: string): T {
  if (s === undefined || !allowed.has(s)) throw new EventLineError(`event log: unexpected "${s}" in "${line}"`);
  return s as T;
}

const SIDES = new Set(['BUY', 'SELL']);
const ORDER_TYPES = new Set(['LIMIT', 'MARKET']);
const TIFS = new Set(['GTC', 'IOC', 'FOK', 'POST_ONLY']);
const STATUSES = new Set(['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);
const ROLES = new Set(['MAKER', 'TAKER']);
const REASONS = new Set(['order_frozen', 'trade_settled', 'order_unfrozen', 'deposit', 'withdrawal', 'fee']);
const REJECT_RE = /^[A-Z_]+$/;

function num(s: string | undefined, line: string): number {
  const v = int(s, line);
  if (typeof v !== 'number') throw new EventLineError(`event log: ${s} is not a safe integer in "${line}"`);
  return v;
}

const orNull = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s);

export function decodeLine(line: string): LoggedEvent {
  if (line.startsWith('{')) {
    const type = /^\{"type":"(order\.update|trade|balance\.update)"/.exec(line)?.[1];
    if (type === undefined) throw new EventLineError(`event log: unknown rendered message "${line.slice(0, 60)}"`);
    return { kind: 'rendered', type: type as PrivateEventType, text: line };
  }
  const f = line.split('\t');
  switch (f[0]) {
    case 'o':
      if (f.length !== 15) break;
      return {
        kind: 'order',
        orderId: num(f[1], line),
        symbolId: num(f[2], line),
        side: word<Side>(f[3], SIDES, line),
        orderType: word<OrderType>(f[4], ORDER_TYPES, line),
        tif: word<TimeInForce>(f[5], TIFS, line),
        price: int(f[6], line),
        qty: int(f[7], line),
        quoteQty: int(f[8], line),
        cid: orNull(f[9]),
        status: word<OrderStatus>(f[10], STATUSES, line),
        filledQty: int(f[11], line),
        filledNotional: int(f[12], line),
        rejectReason: f[13] === '' || REJECT_RE.test(f[13] ?? '!') ? (orNull(f[13]) as RejectReason | null) : bad(line),
        ts: num(f[14], line),
      };
    case 't':
      if (f.length !== 10) break;
      return {
        kind: 'trade',
        tradeId: num(f[1], line),
        symbolId: num(f[2], line),
        price: int(f[3], line),
        qty: int(f[4], line),
        orderId: num(f[5], line),
        side: word<Side>(f[6], SIDES, line),
        role: word<Role>(f[7], ROLES, line),
        fee: int(f[8], line),
        ts: num(f[9], line),
      };
    case 'b':
      if (f.length !== 6) break;
      return {
        kind: 'balance',
        assetId: num(f[1], line),
        avail: int(f[2], line),
        frozen: int(f[3], line),
        delta: int(f[4], line),
        reason: word<BalanceReason>(f[5], REASONS, line),
      };
  }
  return bad(line);
}

function bad(line: string): never {
  throw new EventLineError(`event log: malformed line "${line.slice(0, 60)}"`);
}
