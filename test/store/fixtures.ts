// Row builders for the store suite: complete records with defaults, overridden per test.

import type {
  SettlementBatch,
  StoredBalance,
  EventChunk,
  StoredEvent,
  StoredOrder,
  StoredTrade,
  UserTrade,
} from '../../src/adapters/store/store.js';

export const ALICE = 1001;
export const BOB = 1002;
export const CAROL = 1003;

export function order(p: Partial<StoredOrder> & { orderId: number }): StoredOrder {
  return {
    userId: ALICE,
    symbolId: 1,
    side: 'BUY',
    orderType: 'LIMIT',
    tif: 'GTC',
    price: 100,
    qty: 10,
    quoteQty: 0,
    cid: null,
    status: 'NEW',
    filledQty: 0,
    filledQuote: 0,
    filledNotional: 0,
    lock: 1000,
    rejectReason: null,
    createdAt: 1_000 + p.orderId,
    updatedAt: 1_000 + p.orderId,
    ...p,
  };
}

export function trade(p: Partial<StoredTrade> & { tradeId: number }): StoredTrade {
  return {
    symbolId: 1,
    price: 100,
    qty: 1,
    quoteQty: 100,
    takerSide: 'BUY',
    makerOrderId: 1,
    makerUserId: BOB,
    takerOrderId: 2,
    takerUserId: ALICE,
    makerFee: 1,
    takerFee: 2,
    ts: 5_000 + p.tradeId,
    ...p,
  };
}

export const balance = (
  userId: number,
  assetId: number,
  avail: StoredBalance['avail'],
  frozen: StoredBalance['frozen'] = 0,
): StoredBalance => ({
  userId,
  assetId,
  avail,
  frozen,
});

/** The stored line of event `seq` (opaque to the store; any text without a newline). */
export const eventLine = (seq: number): string => JSON.stringify({ seq, note: 'quote " and \\ ok\ttab' });

/** A one-event row of the log. */
export function event(userId: number, seq: number, ts = 10_000 + seq): EventChunk {
  return chunk(userId, seq, 1, ts);
}

/** One row of the log: `n` consecutive events of one user from seq `from`. */
export function chunk(userId: number, from: number, n: number, ts = 10_000 + from): EventChunk {
  const lines = Array.from({ length: n }, (_, i) => eventLine(from + i));
  return { userId, firstSeq: from, lastSeq: from + n - 1, ts, body: lines.join('\n') };
}

/** The events listEvents gives back for these rows. */
export function logged(chunks: readonly EventChunk[]): StoredEvent[] {
  return chunks.flatMap((c) =>
    Array.from({ length: c.lastSeq - c.firstSeq + 1 }, (_, i) => ({
      userId: c.userId,
      seq: c.firstSeq + i,
      line: eventLine(c.firstSeq + i),
      ts: c.ts,
    })),
  );
}

export function batch(p: Partial<SettlementBatch>): SettlementBatch {
  return { orders: [], trades: [], balances: [], events: [], meta: { lastOrderId: 0, lastTradeId: 0 }, ...p };
}

/** `n` one-event rows of one user starting at seq `from`. */
export function events(userId: number, from: number, n: number, ts?: (seq: number) => number): EventChunk[] {
  return Array.from({ length: n }, (_, i) => event(userId, from + i, ts?.(from + i)));
}

const byKey = (a: StoredBalance, b: StoredBalance) => a.userId - b.userId || a.assetId - b.assetId;
export const sortBalances = (bs: readonly StoredBalance[]) => [...bs].sort(byKey);

/** What a user sees of a trade it took part in with `role`. */
export function sideOf(t: StoredTrade, role: 'MAKER' | 'TAKER'): UserTrade {
  const opposite = t.takerSide === 'BUY' ? 'SELL' : 'BUY';
  return role === 'TAKER'
    ? { ...t, orderId: t.takerOrderId, side: t.takerSide, role, fee: t.takerFee }
    : { ...t, orderId: t.makerOrderId, side: opposite, role, fee: t.makerFee };
}
