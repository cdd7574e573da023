// API JSON formatting with display decimals (api.md, ws-protocol.md): orders, user trades, balances, market trades
// and symbols for HTTP answers, and the exact JSON texts of the private pushes (ws-protocol.md section 3) that
// settlement writes to the outbox. Key order is fixed by the object literals below (JSON.stringify keeps it).
//
// Decisions:
// - A MARKET order has no price: `price` is null. A MARKET BUY by quote amount has no base qty: `qty` is null and
//   `quote_qty` carries the amount. HTTP orders always carry `quote_qty` (null when unused); an `order.update`
//   push carries it only for a quote-amount order, so a LIMIT order's push is exactly the spec's example.
// - `order.update` adds `reject_reason` (after `status`) only when the status is REJECTED.
// - `avg_price` = floor(filled_notional / filled_qty) in price units, null while nothing is filled.
// - `delta` carries the true sign of the change even when its display rounds to zero ("-0.000000").
// - The HTTP user trade has exactly the fields of the `trade` push's data.

import type { PrivateEventType, StoredBalance, StoredOrder, StoredTrade, UserTrade } from '../adapters/store/store.js';
import { formatDecimal } from '../core/decimal.js';
import { type Int, big, norm } from '../core/int64.js';
import { type Kline, closeTimeOf } from '../pipeline/candles.js';
import { decodeLine, type OrderFields, type Role, type TradeFields } from '../pipeline/event-codec.js';
import {
  type AssetConfig,
  type SymbolConfig,
  type BalanceEvent,
  type TradeEvent,
  FEE_RATE_DECIMALS,
} from '../core/types.js';
import type { MarketIndex } from '../config.js';

export type { Role };

/** Amount of `asset` with its display decimals. */
export function fmtAsset(units: Int, asset: AssetConfig): string {
  return formatDecimal(units, asset.decimals, asset.displayDecimals);
}

/** Price of `symbol` with its display decimals. */
export function fmtPrice(units: Int, symbol: SymbolConfig): string {
  return formatDecimal(units, symbol.priceDecimals, symbol.priceDisplayDecimals);
}

/** Signed ("+" / "-") amount with display decimals; the sign is the value's, even when the display is zero. */
export function fmtSigned(units: Int, asset: AssetConfig): string {
  const neg = units < 0;
  const abs = neg ? norm(-big(units)) : units;
  return (neg ? '-' : '+') + fmtAsset(abs, asset);
}

/** floor(filledNotional / filledQty) formatted as a price, or null when nothing is filled. */
export function avgPrice(filledNotional: Int, filledQty: Int, symbol: SymbolConfig): string | null {
  if (!(filledQty > 0)) return null;
  return fmtPrice(norm(big(filledNotional) / big(filledQty)), symbol);
}

function orderParts(o: OrderFields, market: MarketIndex) {
  const symbol = market.symbol(o.symbolId);
  const base = market.baseOf(symbol);
  const byQuote = o.orderType === 'MARKET' && o.quoteQty > 0;
  return {
    symbol,
    byQuote,
    price: o.orderType === 'LIMIT' ? fmtPrice(o.price, symbol) : null,
    qty: byQuote ? null : fmtAsset(o.qty, base),
    quoteQty: byQuote ? fmtAsset(o.quoteQty, market.quoteOf(symbol)) : null,
    filledQty: fmtAsset(o.filledQty, base),
    avgPrice: avgPrice(o.filledNotional, o.filledQty, symbol),
  };
}

/** GET /order/{id} and the items of GET /orders. */
export function formatOrder(o: StoredOrder, market: MarketIndex) {
  const p = orderParts(o, market);
  return {
    order_id: o.orderId,
    cid: o.cid,
    symbol: p.symbol.name,
    side: o.side,
    order_type: o.orderType,
    time_in_force: o.tif,
    price: p.price,
    qty: p.qty,
    quote_qty: p.quoteQty,
    filled_qty: p.filledQty,
    avg_price: p.avgPrice,
    status: o.status,
    reject_reason: o.rejectReason,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
}

function tradeData(t: TradeFields, market: MarketIndex) {
  const symbol = market.symbol(t.symbolId);
  // The fee is in the asset this side received: the buyer receives base, the seller quote.
  const feeAsset = t.side === 'BUY' ? market.baseOf(symbol) : market.quoteOf(symbol);
  return {
    trade_id: t.tradeId,
    order_id: t.orderId,
    symbol: symbol.name,
    side: t.side,
    price: fmtPrice(t.price, symbol),
    qty: fmtAsset(t.qty, market.baseOf(symbol)),
    fee: fmtAsset(t.fee, feeAsset),
    fee_asset: feeAsset.name,
    role: t.role,
    traded_at: t.ts,
  };
}

/** The items of GET /trades: the user's side of a fill (same fields as the `trade` push). */
export function formatUserTrade(t: UserTrade, market: MarketIndex) {
  return tradeData(t, market);
}

/** One side of a core trade event. */
export function tradeSide(e: TradeEvent | StoredTrade, role: Role): TradeFields & { readonly userId: number } {
  const taker = role === 'TAKER';
  return {
    tradeId: e.tradeId,
    symbolId: e.symbolId,
    price: e.price,
    qty: e.qty,
    userId: taker ? e.takerUserId : e.makerUserId,
    orderId: taker ? e.takerOrderId : e.makerOrderId,
    side: taker ? e.takerSide : e.takerSide === 'BUY' ? 'SELL' : 'BUY',
    role,
    fee: taker ? e.takerFee : e.makerFee,
    ts: e.ts,
  };
}

/** GET /balances items: total = avail + frozen (summed exactly, then formatted). */
export function formatBalance(b: StoredBalance, market: MarketIndex) {
  const asset = market.asset(b.assetId);
  return {
    asset: asset.name,
    avail: fmtAsset(b.avail, asset),
    frozen: fmtAsset(b.frozen, asset),
    total: fmtAsset(norm(big(b.avail) + big(b.frozen)), asset),
  };
}

/** GET /market/trades items and the data of a `market.trade` push. */
export function formatMarketTrade(t: StoredTrade | TradeEvent, market: MarketIndex) {
  const symbol = market.symbol(t.symbolId);
  return {
    trade_id: t.tradeId,
    price: fmtPrice(t.price, symbol),
    qty: fmtAsset(t.qty, market.baseOf(symbol)),
    taker_side: t.takerSide,
    traded_at: t.ts,
  };
}

/** `{"type":"market.trade","symbol":..,"seq":..,"data":{..}}` (seq per symbol). */
export function marketTradeMessage(t: StoredTrade | TradeEvent, seq: number, market: MarketIndex): string {
  const symbol = market.symbol(t.symbolId).name;
  return JSON.stringify({ type: 'market.trade', symbol, seq, data: formatMarketTrade(t, market) });
}

/** A candle as GET /klines items and the data of a `kline` push (api.md); `closed` comes from the caller's clock. */
export function formatKline(k: Kline, closed: boolean, market: MarketIndex) {
  const symbol = market.symbol(k.symbolId);
  const price = (v: Int) => fmtPrice(v, symbol);
  return {
    open_time: k.openTime,
    close_time: closeTimeOf(k),
    open: price(k.open),
    high: price(k.high),
    low: price(k.low),
    close: price(k.close),
    volume: fmtAsset(k.volume, market.baseOf(symbol)),
    quote_volume: fmtAsset(k.quoteVolume, market.quoteOf(symbol)),
    trade_count: k.tradeCount,
    is_closed: closed,
  };
}

/** One depth level `[price, qty]` with display decimals. */
export function formatDepthLevel(symbolId: number, price: Int, qty: Int, market: MarketIndex): [string, string] {
  const symbol = market.symbol(symbolId);
  return [fmtPrice(price, symbol), fmtAsset(qty, market.baseOf(symbol))];
}

/** GET /symbols: assets and symbols by name; limits with full precision, fee rates as decimals. */
export function formatSymbols(market: MarketIndex) {
  const exact = (units: Int, decimals: number) => formatDecimal(units, decimals, decimals);
  return {
    assets: market.assets.map((a) => ({ asset: a.name, decimals: a.decimals, display_decimals: a.displayDecimals })),
    symbols: market.symbols.map((s) => {
      const base = market.baseOf(s);
      const quote = market.quoteOf(s);
      return {
        symbol: s.name,
        base_asset: base.name,
        quote_asset: quote.name,
        price_decimals: s.priceDecimals,
        price_display_decimals: s.priceDisplayDecimals,
        min_qty: exact(s.minQty, base.decimals),
        max_qty: s.maxQty === 0 ? null : exact(s.maxQty, base.decimals),
        min_notional: exact(s.minNotional, quote.decimals),
        maker_fee: exact(s.makerFeeRate, FEE_RATE_DECIMALS),
        taker_fee: exact(s.takerFeeRate, FEE_RATE_DECIMALS),
        stp_mode: s.stpMode,
      };
    }),
  };
}

// ---- private pushes (ws-protocol.md section 3) ----

/** `{"type":"order.update","seq":N,"data":{..}}` from an OrderEvent or a logged order line. */
export function orderUpdateMessage(e: OrderFields & { readonly ts: number }, seq: number, market: MarketIndex): string {
  const p = orderParts(e, market);
  const data: Record<string, unknown> = {
    order_id: e.orderId,
    cid: e.cid,
    symbol: p.symbol.name,
    side: e.side,
    order_type: e.orderType,
    price: p.price,
    qty: p.qty,
  };
  if (p.byQuote) data.quote_qty = p.quoteQty;
  data.status = e.status;
  if (e.status === 'REJECTED') data.reject_reason = e.rejectReason;
  data.filled_qty = p.filledQty;
  data.avg_price = p.avgPrice;
  data.updated_at = e.ts;
  return JSON.stringify({ type: 'order.update', seq, data });
}

/** `{"type":"trade","seq":N,"data":{..}}` for one side (role) of a fill. */
export function tradeMessage(e: TradeEvent, role: Role, seq: number, market: MarketIndex): string {
  return tradeSideMessage(tradeSide(e, role), seq, market);
}

/** `{"type":"trade","seq":N,"data":{..}}` for one side of a fill, as logged. */
export function tradeSideMessage(t: TradeFields, seq: number, market: MarketIndex): string {
  return JSON.stringify({ type: 'trade', seq, data: tradeData(t, market) });
}

/** `{"type":"balance.update","seq":N,"data":{..}}` */
export function balanceUpdateMessage(
  e: Pick<BalanceEvent, 'assetId' | 'avail' | 'frozen' | 'delta' | 'reason'>,
  seq: number,
  market: MarketIndex,
): string {
  const asset = market.asset(e.assetId);
  const data = {
    asset: asset.name,
    avail: fmtAsset(e.avail, asset),
    frozen: fmtAsset(e.frozen, asset),
    delta: fmtSigned(e.delta, asset),
    reason: e.reason,
  };
  return JSON.stringify({ type: 'balance.update', seq, data });
}

/** The JSON text of one logged private event (a line of the event log) with its seq, and its type. */
export function renderPrivateEvent(
  line: string,
  seq: number,
  market: MarketIndex,
): { readonly type: PrivateEventType; readonly text: string } {
  const e = decodeLine(line);
  switch (e.kind) {
    case 'order':
      return { type: 'order.update', text: orderUpdateMessage(e, seq, market) };
    case 'trade':
      return { type: 'trade', text: tradeSideMessage(e, seq, market) };
    case 'balance':
      return { type: 'balance.update', text: balanceUpdateMessage(e, seq, market) };
    case 'rendered':
      return { type: e.type, text: e.text };
  }
}
