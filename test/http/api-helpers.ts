// Shared pieces of the HTTP API contract suite (api-suite.ts and its parts): request bodies, expected events and
// balances, cursor paging, and the main server's handle.

import assert from 'node:assert/strict';
import { type Credentials, type Res, type StoreKind, type TestServer, expectOk } from './harness.js';

export type Obj = Record<string, unknown>;

export const BODY_LIMIT = 1024;

export const limit = (side: 'BUY' | 'SELL', price: string, qty: string, extra: Obj = {}): Obj => ({
  symbol: 'BTC_USDT',
  side,
  order_type: 'LIMIT',
  price,
  qty,
  ...extra,
});

export const balance = (asset: string, avail: string, frozen: string, total: string) => ({
  asset,
  avail,
  frozen,
  total,
});

export const balanceUpdate = (
  seq: number,
  asset: string,
  avail: string,
  frozen: string,
  delta: string,
  reason: string,
) => ({
  type: 'balance.update',
  seq,
  data: { asset, avail, frozen, delta, reason },
});

export function orderUpdate(
  seq: number,
  o: { order_id: number; cid?: string | null; symbol?: string; side: string; price: string; qty: string },
  status: string,
  filledQty = '0.000000',
  avgPrice: string | null = null,
) {
  return {
    type: 'order.update',
    seq,
    data: {
      order_id: o.order_id,
      cid: o.cid ?? null,
      symbol: o.symbol ?? 'BTC_USDT',
      side: o.side,
      order_type: 'LIMIT',
      price: o.price,
      qty: o.qty,
      status,
      filled_qty: filledQty,
      avg_price: avgPrice,
      updated_at: 0,
    },
  };
}

/** Every page of a cursor-paginated list, following next_cursor until it is null. */
export async function allPages(
  s: TestServer,
  as: Credentials,
  path: string,
  key: 'orders' | 'trades',
  pageLimit: number,
): Promise<{ items: Obj[]; pages: Obj[][] }> {
  const items: Obj[] = [];
  const pages: Obj[][] = [];
  let cursor: unknown = null;
  for (let i = 0; i < 100; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const q = `${path}${sep}limit=${pageLimit}${cursor === null ? '' : `&cursor=${String(cursor)}`}`;
    const d = expectOk<Obj>(await s.get(q, as));
    assert.deepEqual(Object.keys(d), [key, 'next_cursor']);
    const page = d[key] as Obj[];
    assert.ok(page.length <= pageLimit, `${q}: ${page.length} items for limit ${pageLimit}`);
    pages.push(page);
    items.push(...page);
    cursor = d.next_cursor;
    if (cursor === null) return { items, pages };
    assert.equal(typeof cursor, 'number', `${q}: next_cursor ${String(cursor)}`);
  }
  throw new Error(`${path}: more than 100 pages`);
}

export const counts = (rs: readonly Res[]) => {
  const c: Record<string, number> = {};
  for (const r of rs) c[`${r.status}/${String(r.body?.code)}`] = (c[`${r.status}/${String(r.body?.code)}`] ?? 0) + 1;
  return c;
};

/** The main server of the suite (started in the suite's before hook) and the store it runs on. */
export interface MainServer {
  s: TestServer;
  readonly kind: StoreKind;
}
