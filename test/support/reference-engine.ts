// Reference engine: a deliberately simple, independent re-implementation of the core
// semantics, written from docs/engine-semantics.md and the original design's engine contract (not from
// src/core/engine.ts). Property tests compare the real engine with it command by command;
// bench/core.ts runs it as a slow-but-obvious baseline. It owns: validation order and
// result codes, locks, matching (price-time priority, maker price, MARKET budget caps,
// price-improvement refunds, dust), fees, self-trade prevention, cancels, deposits and
// withdrawals; it returns each command's code and trades only (no events).
// Simplicity by design: every amount is a bigint; a book side is ONE plain array of the
// resting orders (their ids, looked up in the open-order Map: numbers splice ~3x faster
// than object references) sorted worst .. best by (price, arrival), so the best order is
// the LAST element; insert and cancel are a binary search plus splice; no price levels,
// no linked lists. Balances: one Map keyed "user:asset".

import type * as T from '../../src/core/types.js';

const INT64_MAX = (1n << 63n) - 1n;
const FEE_SCALE = 100_000_000n;

export interface RefTrade {
  tradeId: number;
  price: bigint;
  qty: bigint;
  makerOrderId: number;
  takerOrderId: number;
  makerFee: bigint;
  takerFee: bigint;
}

export type RefBalance = { avail: bigint; frozen: bigint };

interface RefOrder {
  id: number;
  userId: number;
  isBuy: boolean;
  isLimit: boolean;
  byQuote: boolean;
  price: bigint; // limit price (0 for MARKET)
  remaining: bigint; // base units still wanted (unused for a MARKET BUY by quote amount)
  lock: bigint; // what the order still holds frozen: quote for a BUY, base for a SELL
  cid: string | null;
  seq: number; // arrival: time priority among equal prices
  sym: RefSymbol;
}

interface RefSymbol {
  base: number;
  quote: number;
  costNum: bigint; // cost(p, q) = floor(p * q * costNum / costDen)
  costDen: bigint;
  minQty: bigint;
  maxQty: bigint;
  minNotional: bigint;
  makerRate: bigint;
  takerRate: bigint;
  stp: T.StpMode;
  bids: number[]; // ids of resting orders, worst .. best: the best order is the last element
  asks: number[];
}

type Stop = 'filled' | 'no-liquidity' | 'self-trade' | 'budget';

function cost(s: RefSymbol, price: bigint, qty: bigint): bigint {
  return (price * qty * s.costNum) / s.costDen;
}

/** Largest q with cost(price, q) <= budget: p*q*num <= (budget+1)*den - 1. */
function maxAffordable(s: RefSymbol, price: bigint, budget: bigint): bigint {
  return ((budget + 1n) * s.costDen - 1n) / (price * s.costNum);
}

/** Does a taker with this side and limit price reach a resting order at `makerPrice`? */
function crosses(isBuy: boolean, limit: bigint, makerPrice: bigint): boolean {
  return isBuy ? makerPrice <= limit : makerPrice >= limit;
}

/** > 0 when `a` has priority over `b` on its side (better price, then earlier arrival). */
function priority(a: RefOrder, b: RefOrder): number {
  if (a.price !== b.price) return (a.isBuy ? a.price > b.price : a.price < b.price) ? 1 : -1;
  return b.seq - a.seq;
}

/** First index whose order does not rank below `o` (the array ranks worst .. best). */
function lowerBound(side: number[], o: RefOrder, open: Map<number, RefOrder>): number {
  let lo = 0;
  let hi = side.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (priority(open.get(side[mid] as number) as RefOrder, o) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class ReferenceEngine {
  private readonly assets: Set<number>;
  private readonly symbols = new Map<number, RefSymbol>();
  private readonly feeAccount: number;
  private readonly bal = new Map<string, RefBalance>();
  private readonly supply = new Map<number, bigint>();
  /** Resting orders by id, and by "user:cid". */
  private readonly open = new Map<number, RefOrder>();
  private readonly byCid = new Map<string, RefOrder>();
  private seq = 0;
  private nextTradeId = 1;
  private trades: RefTrade[] = [];

  constructor(config: T.CoreConfig) {
    const decimals = new Map(config.assets.map((a) => [a.id, a.decimals]));
    this.assets = new Set(decimals.keys());
    for (const c of config.symbols) {
      const bd = decimals.get(c.baseAssetId);
      const qd = decimals.get(c.quoteAssetId);
      if (bd === undefined || qd === undefined) throw new Error(`symbol ${c.name}: unknown asset`);
      this.symbols.set(c.id, {
        base: c.baseAssetId,
        quote: c.quoteAssetId,
        costNum: 10n ** BigInt(qd),
        costDen: 10n ** BigInt(c.priceDecimals + bd),
        minQty: BigInt(c.minQty),
        maxQty: BigInt(c.maxQty),
        minNotional: BigInt(c.minNotional),
        makerRate: BigInt(c.makerFeeRate),
        takerRate: BigInt(c.takerFeeRate),
        stp: c.stpMode,
        bids: [],
        asks: [],
      });
    }
    this.feeAccount = config.feeAccountId;
  }

  process(cmd: T.Command): { code: T.ResultCode; trades: RefTrade[] } {
    this.trades = [];
    let code: T.ResultCode;
    if (cmd.type === 'place') code = this.place(cmd);
    else if (cmd.type === 'cancel') code = this.cancel(cmd);
    else code = this.moveFunds(cmd);
    return { code, trades: this.trades };
  }

  /** Every account's balances (fee account included), ONLY the entries where avail or frozen is non-zero. */
  balances(): Map<string, RefBalance> {
    const out = new Map<string, RefBalance>();
    for (const [key, b] of this.bal) if (b.avail !== 0n || b.frozen !== 0n) out.set(key, { ...b });
    return out;
  }

  /** Top `n` price levels of one side, best first, as [price, total remaining]. */
  depth(symbolId: number, side: 'BUY' | 'SELL', n: number): Array<[bigint, bigint]> {
    const s = this.symbols.get(symbolId);
    const ids = s === undefined ? [] : side === 'BUY' ? s.bids : s.asks;
    const out: Array<[bigint, bigint]> = [];
    for (let i = ids.length - 1; i >= 0; i--) {
      const o = this.open.get(ids[i] as number) as RefOrder;
      const last = out[out.length - 1];
      if (last !== undefined && last[0] === o.price) last[1] += o.remaining;
      else if (out.length === n) break;
      else out.push([o.price, o.remaining]);
    }
    return out;
  }

  /** One user's avail in one asset (0 when unknown); lets a test stream size its withdrawals. */
  available(userId: number, assetId: number): bigint {
    return this.bal.get(`${userId}:${assetId}`)?.avail ?? 0n;
  }
  /** Deposits minus withdrawals of one asset. */
  supplyOf(assetId: number): bigint {
    return this.supply.get(assetId) ?? 0n;
  }
  /** Ids of all resting orders, ascending. */
  openOrderIds(): number[] {
    return [...this.open.keys()].sort((a, b) => a - b);
  }

  // ---- deposits and withdrawals ----

  private moveFunds(cmd: T.BalanceCommand): T.ResultCode {
    if (!this.assets.has(cmd.assetId)) return 'UNKNOWN_ASSET';
    const amount = BigInt(cmd.amount);
    if (amount <= 0n) return 'INVALID_QUANTITY';
    if (amount > INT64_MAX) return 'AMOUNT_OUT_OF_RANGE';
    const supply = this.supply.get(cmd.assetId) ?? 0n;
    const b = this.account(cmd.userId, cmd.assetId);
    if (cmd.type === 'deposit') {
      if (supply + amount > INT64_MAX) return 'AMOUNT_OUT_OF_RANGE';
      this.supply.set(cmd.assetId, supply + amount);
      b.avail += amount;
    } else {
      if (b.avail < amount) return 'INSUFFICIENT_BALANCE';
      this.supply.set(cmd.assetId, supply - amount);
      b.avail -= amount;
    }
    return 'OK';
  }

  // ---- placement ----

  /** Step 3 of the placement order: the order's shape and size. */
  private validate(s: RefSymbol, cmd: T.PlaceOrderCommand, price: bigint, qty: bigint, quoteQty: bigint) {
    if (cmd.side !== 'BUY' && cmd.side !== 'SELL') return 'INVALID_ORDER';
    if (cmd.orderType === 'LIMIT') {
      if (price <= 0n) return 'INVALID_PRICE';
      if (price > INT64_MAX) return 'AMOUNT_OUT_OF_RANGE'; // every amount and price must fit int64
      if (qty <= 0n || quoteQty !== 0n) return 'INVALID_QUANTITY';
      if (!['GTC', 'IOC', 'FOK', 'POST_ONLY'].includes(cmd.tif)) return 'INVALID_ORDER';
    } else if (cmd.orderType === 'MARKET') {
      if (cmd.tif !== 'GTC' && cmd.tif !== 'IOC') return 'INVALID_ORDER';
      const byQty = qty > 0n;
      const byQuote = quoteQty > 0n;
      if (byQty === byQuote || qty < 0n || quoteQty < 0n || (byQuote && cmd.side !== 'BUY')) return 'INVALID_QUANTITY';
    } else {
      return 'INVALID_ORDER';
    }
    if (qty > INT64_MAX || quoteQty > INT64_MAX) return 'AMOUNT_OUT_OF_RANGE';
    if (qty > 0n && s.minQty !== 0n && qty < s.minQty) return 'BELOW_MIN_QTY';
    if (qty > 0n && s.maxQty !== 0n && qty > s.maxQty) return 'ABOVE_MAX_QTY';
    if (cmd.orderType === 'LIMIT') {
      const notional = cost(s, price, qty);
      if (notional > INT64_MAX) return 'AMOUNT_OUT_OF_RANGE';
      if (notional === 0n || notional < s.minNotional) return 'BELOW_MIN_NOTIONAL';
    } else if (quoteQty > 0n && quoteQty < s.minNotional) {
      return 'BELOW_MIN_NOTIONAL';
    }
    return null;
  }

  private place(cmd: T.PlaceOrderCommand): T.ResultCode {
    const s = this.symbols.get(cmd.symbolId);
    if (s === undefined) return 'UNKNOWN_SYMBOL';
    // Ids must be non-negative safe integers (the real engine indexes open orders by id).
    if (!Number.isSafeInteger(cmd.orderId) || cmd.orderId < 0) return 'INVALID_ORDER';
    if (this.open.has(cmd.orderId)) return 'DUPLICATE_ORDER_ID';
    const isLimit = cmd.orderType === 'LIMIT';
    const price = isLimit ? BigInt(cmd.price) : 0n;
    const [qty, quoteQty] = [BigInt(cmd.qty), BigInt(cmd.quoteQty)];
    const invalid = this.validate(s, cmd, price, qty, quoteQty);
    if (invalid !== null) return invalid;
    if (cmd.cid !== null && this.byCid.has(`${cmd.userId}:${cmd.cid}`)) return 'DUPLICATE_CID';

    const isBuy = cmd.side === 'BUY';
    const opposite = isBuy ? s.asks : s.bids;
    const best = this.open.get(opposite[opposite.length - 1] ?? -1);
    if (cmd.tif === 'POST_ONLY' && best !== undefined && crosses(isBuy, price, best.price)) {
      return 'POST_ONLY_WOULD_TAKE';
    }

    const lockAsset = isBuy ? s.quote : s.base;
    const avail = this.bal.get(`${cmd.userId}:${lockAsset}`)?.avail ?? 0n;
    let lock: bigint;
    if (!isBuy) lock = qty;
    else if (isLimit) lock = cost(s, price, qty);
    else if (quoteQty > 0n) lock = quoteQty < avail ? quoteQty : avail;
    else lock = avail;
    if (lock === 0n || lock > avail) return 'INSUFFICIENT_BALANCE';
    if (cmd.tif === 'FOK' && !this.canFillAtOnce(s, opposite, cmd.userId, isBuy, price, qty)) return 'OK';

    const taker: RefOrder = {
      id: cmd.orderId,
      userId: cmd.userId,
      isBuy,
      isLimit,
      byQuote: quoteQty > 0n,
      price,
      remaining: qty,
      lock,
      cid: cmd.cid,
      seq: ++this.seq,
      sym: s,
    };
    const b = this.account(cmd.userId, lockAsset);
    b.avail -= lock;
    b.frozen += lock;

    const stop = this.match(s, opposite, taker);
    if (stop === 'filled') return 'OK'; // the last fill already released the dust
    if (isLimit && (cmd.tif === 'GTC' || cmd.tif === 'POST_ONLY') && stop !== 'self-trade') {
      const own = isBuy ? s.bids : s.asks;
      own.splice(lowerBound(own, taker, this.open), 0, taker.id);
      this.open.set(taker.id, taker);
      if (taker.cid !== null) this.byCid.set(`${taker.userId}:${taker.cid}`, taker);
      return 'OK';
    }
    // IOC / MARKET remainders and STP-stopped takers end here (EXPIRED, or FILLED for a spent MARKET BUY by quote).
    this.release(taker);
    return 'OK';
  }

  /** FOK pre-check: walk the crossing orders best first, as matching would. */
  private canFillAtOnce(s: RefSymbol, opp: number[], userId: number, isBuy: boolean, limit: bigint, qty: bigint) {
    let need = qty;
    for (let i = opp.length - 1; i >= 0; i--) {
      const m = this.open.get(opp[i] as number) as RefOrder;
      if (!crosses(isBuy, limit, m.price)) return false;
      if (m.userId === userId && s.stp !== 'NONE') {
        if (s.stp === 'EXPIRE_MAKER') continue; // would be expired, not traded
        return false; // the taker would stop here
      }
      need -= m.remaining;
      if (need <= 0n) return true;
    }
    return false;
  }

  private match(s: RefSymbol, opp: number[], taker: RefOrder): Stop {
    const marketBuy = taker.isBuy && !taker.isLimit;
    for (;;) {
      if (!taker.byQuote && taker.remaining === 0n) return 'filled';
      const maker = this.open.get(opp[opp.length - 1] ?? -1);
      if (maker === undefined) return 'no-liquidity';
      if (taker.isLimit && !crosses(taker.isBuy, taker.price, maker.price)) return 'no-liquidity';
      if (maker.userId === taker.userId && s.stp !== 'NONE') {
        if (s.stp === 'EXPIRE_TAKER') return 'self-trade';
        opp.pop();
        this.release(maker);
        if (s.stp === 'EXPIRE_BOTH') return 'self-trade';
        continue;
      }
      let q = taker.byQuote || maker.remaining < taker.remaining ? maker.remaining : taker.remaining;
      if (marketBuy) {
        // Capped at what the lock can pay here; a slice costing 0 is never made (free base).
        const affordable = maxAffordable(s, maker.price, taker.lock);
        if (affordable < q) q = affordable;
        if (q === 0n || cost(s, maker.price, q) === 0n) return 'budget';
      }
      this.fill(s, opp, maker, taker, q);
    }
  }

  private fill(s: RefSymbol, opp: number[], maker: RefOrder, taker: RefOrder, q: bigint): void {
    const t = maker.price;
    const c = cost(s, t, q);
    const [buyer, seller] = taker.isBuy ? [taker, maker] : [maker, taker];
    // A LIMIT BUY taker gets its price improvement back at once.
    const refund = taker.isBuy && taker.isLimit && taker.price > t ? cost(s, taker.price - t, q) : 0n;
    const buyerFee = (q * (buyer === taker ? s.takerRate : s.makerRate)) / FEE_SCALE;
    const sellerFee = (c * (seller === taker ? s.takerRate : s.makerRate)) / FEE_SCALE;

    const bq = this.account(buyer.userId, s.quote);
    bq.frozen -= c + refund;
    bq.avail += refund;
    buyer.lock -= c + refund;
    this.account(buyer.userId, s.base).avail += q - buyerFee;
    this.account(seller.userId, s.base).frozen -= q;
    seller.lock -= q;
    this.account(seller.userId, s.quote).avail += c - sellerFee;
    if (buyerFee !== 0n) this.account(this.feeAccount, s.base).avail += buyerFee;
    if (sellerFee !== 0n) this.account(this.feeAccount, s.quote).avail += sellerFee;

    maker.remaining -= q;
    if (!taker.byQuote) taker.remaining -= q;
    this.trades.push({
      tradeId: this.nextTradeId++,
      price: t,
      qty: q,
      makerOrderId: maker.id,
      takerOrderId: taker.id,
      makerFee: buyer === maker ? buyerFee : sellerFee,
      takerFee: buyer === taker ? buyerFee : sellerFee,
    });
    if (maker.remaining === 0n) {
      opp.pop(); // the maker is the best order
      this.release(maker);
    }
    if (!taker.byQuote && taker.remaining === 0n) this.release(taker);
  }

  private cancel(cmd: T.CancelOrderCommand): T.ResultCode {
    let o: RefOrder | undefined;
    if (cmd.orderId !== null) o = this.open.get(cmd.orderId);
    else if (cmd.cid !== null) o = this.byCid.get(`${cmd.userId}:${cmd.cid}`);
    else return 'INVALID_ORDER';
    if (o === undefined) return 'OK'; // unknown or already ended: nothing to do
    if (o.userId !== cmd.userId) return 'NOT_ORDER_OWNER';
    const side = o.isBuy ? o.sym.bids : o.sym.asks;
    const i = lowerBound(side, o, this.open);
    if (side[i] !== o.id) throw new Error(`reference book lost order ${o.id}`);
    side.splice(i, 1);
    this.release(o);
    return 'OK';
  }

  private account(userId: number, assetId: number): RefBalance {
    const key = `${userId}:${assetId}`;
    let b = this.bal.get(key);
    if (b === undefined) this.bal.set(key, (b = { avail: 0n, frozen: 0n }));
    return b;
  }

  /** An order that ends (out of the book already): its remaining lock returns to avail. */
  private release(o: RefOrder): void {
    if (o.lock !== 0n) {
      const b = this.account(o.userId, o.isBuy ? o.sym.quote : o.sym.base);
      b.frozen -= o.lock;
      b.avail += o.lock;
      o.lock = 0n;
    }
    if (this.open.get(o.id) === o) this.open.delete(o.id);
    if (o.cid !== null && this.byCid.get(`${o.userId}:${o.cid}`) === o) this.byCid.delete(`${o.userId}:${o.cid}`);
  }
}
