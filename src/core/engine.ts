// The trading core: balances + one order book per symbol. `process(command)`
// returns `{ code, events }`; rejections are result codes, never exceptions.
// Deterministic: no clock, no randomness, no I/O; ids and time come in the command.

import { Account } from './accounts.js';
import { type Int, INT64_MAX, add, sub, mul, min, mulDivFloor, fitsInt64, big, norm, pow10 } from './int64.js';
import { type Order, newOrder, reuseOrder } from './order.js';
import { OrderIndex } from './order-index.js';
import { type BookSide, type Level, OrderBook } from './orderbook.js';
import {
  type AssetConfig,
  type BalanceCommand,
  type CancelOrderCommand,
  type Command,
  type CommandResult,
  type CoreConfig,
  type PlaceOrderCommand,
  type RejectReason,
  type ResultCode,
  type SymbolConfig,
  type BalanceReason,
  FEE_RATE_SCALE,
} from './types.js';
import { EventBuffer } from './event-buffer.js';

/** Per-symbol runtime state with the cost formula's constants precomputed. */
export class SymbolState {
  readonly book = new OrderBook();
  readonly base: number;
  readonly quote: number;
  /** cost(p, q) = floor(p * q * costMul / costDiv); one of the two is 1. */
  readonly costMul: Int;
  readonly costDiv: Int;
  constructor(
    readonly cfg: SymbolConfig,
    baseAsset: AssetConfig,
    quoteAsset: AssetConfig,
  ) {
    this.base = cfg.baseAssetId;
    this.quote = cfg.quoteAssetId;
    const e = quoteAsset.decimals - cfg.priceDecimals - baseAsset.decimals;
    this.costMul = e >= 0 ? pow10(e) : 1;
    this.costDiv = e >= 0 ? 1 : pow10(-e);
  }

  /** Quote units for `qty` base units at `price`: floor(p*q*10^qd / (10^pd*10^bd)). */
  cost(price: Int, qty: Int): Int {
    return this.costMul === 1 ? mulDivFloor(price, qty, this.costDiv) : mul(mul(price, qty), this.costMul);
  }

  /** Largest qty whose cost at `price` is at most `budget`. */
  maxQtyFor(price: Int, budget: Int): Int {
    const p = big(price) * big(this.costMul);
    return norm(((big(budget) + 1n) * big(this.costDiv) - 1n) / p);
  }
}

/** A resting order as persisted, for restoreOrder. */
export interface RestoredOrder {
  readonly orderId: number;
  readonly userId: number;
  readonly symbolId: number;
  readonly side: 'BUY' | 'SELL';
  readonly orderType: 'LIMIT';
  readonly tif: 'GTC' | 'POST_ONLY';
  readonly price: Int;
  readonly qty: Int;
  readonly cid: string | null;
  readonly filledQty: Int;
  readonly filledQuote: Int;
  readonly filledNotional: Int;
  readonly lock: Int;
}

/** User ids below this are also found through a dense array (no hashing on the hot path); the rest only in the Map. */
const DENSE_USERS = 1 << 20;
/** Ended Order objects kept for reuse (at most this many: ~200 bytes each). */
const POOL_MAX = 1 << 16;

function fee(amount: Int, rate: Int): Int {
  return rate === 0 ? 0 : mulDivFloor(amount, rate, FEE_RATE_SCALE);
}

export class Engine {
  readonly assets: ReadonlyArray<AssetConfig | undefined>;
  readonly symbols: ReadonlyArray<SymbolState | undefined>;
  readonly accounts = new Map<number, Account>();
  /** accounts again, indexed by user id for ids below DENSE_USERS (grown to the largest such id seen). */
  private readonly dense: Array<Account | undefined> = [];
  /** Open (resting) orders by id. */
  readonly orders = new OrderIndex();
  /** Per asset: deposits - withdrawals. */
  readonly supply: Int[];
  readonly feeAccount: Account;
  nextTradeId = 1;

  private readonly slots: number;
  /** The current command's events (one buffer reused for every command: valid until the next `process`). */
  private readonly out = new EventBuffer();
  private stamp = 0;
  /** Levels the current command touched: the first `touchedCount` entries (the array is reused). */
  private readonly touched: Array<Level | undefined> = [];
  private touchedCount = 0;
  private now = 0;
  /** The symbol whose levels `touched` holds (one command touches one symbol). */
  private depthSymbol = -1;
  /**
   * Orders that ended in the current command: the first `endedCount` entries. They join `pool` once the command's
   * events are written; a new order takes one from the pool instead of allocating, so resting orders are not young
   * objects that every scavenge has to copy.
   */
  private readonly ended: Array<Order | undefined> = [];
  private endedCount = 0;
  private readonly pool: Order[] = [];

  constructor(config: CoreConfig) {
    const assets: Array<AssetConfig | undefined> = [];
    for (const a of config.assets) assets[a.id] = a;
    this.assets = assets;
    this.slots = assets.length;
    this.supply = new Array<Int>(this.slots).fill(0);
    const symbols: Array<SymbolState | undefined> = [];
    for (const s of config.symbols) {
      const base = assets[s.baseAssetId];
      const quote = assets[s.quoteAssetId];
      if (!base || !quote) throw new Error(`symbol ${s.name}: unknown base or quote asset`);
      symbols[s.id] = new SymbolState(s, base, quote);
    }
    this.symbols = symbols;
    this.feeAccount = this.accountFor(config.feeAccountId);
  }

  accountFor(userId: number): Account {
    let a = this.account(userId);
    if (a === undefined) {
      a = new Account(userId, this.slots);
      this.accounts.set(userId, a);
      if (userId >>> 0 === userId && userId < DENSE_USERS) {
        // Grown one slot at a time so the array stays dense (a far index would make it a dictionary).
        while (this.dense.length <= userId) this.dense.push(undefined);
        this.dense[userId] = a;
      }
    }
    return a;
  }

  /** The user's account, if it has one. */
  private account(userId: number): Account | undefined {
    if (userId >>> 0 === userId && userId < DENSE_USERS)
      return userId < this.dense.length ? this.dense[userId] : undefined;
    return this.accounts.get(userId);
  }

  // ---- recovery: rebuild the state of the last committed batch ----

  /** Sets a balance as persisted; call before restoring orders. Supply follows the balances. */
  restoreBalance(userId: number, assetId: number, avail: Int, frozen: Int): void {
    if (this.assets[assetId] === undefined) throw new Error(`restore: unknown asset ${assetId}`);
    const acc = this.accountFor(userId);
    const before = add(acc.avail[assetId] as Int, acc.frozen[assetId] as Int);
    acc.avail[assetId] = avail;
    acc.frozen[assetId] = frozen;
    this.supply[assetId] = add(sub(this.supply[assetId] as Int, before), add(avail, frozen));
  }

  /** Puts a persisted open order back in its book; restore in order id (arrival) order. Balances are not touched. */
  restoreOrder(o: RestoredOrder): void {
    const s = this.symbols[o.symbolId];
    if (s === undefined) throw new Error(`restore: order ${o.orderId} on unknown symbol ${o.symbolId}`);
    if (this.orders.has(o.orderId)) throw new Error(`restore: order ${o.orderId} twice`);
    const acc = this.accountFor(o.userId);
    const order = newOrder(o.orderId, o.userId, acc, o.symbolId, o.side, o.orderType, o.tif, o.price, o.qty, 0, o.cid);
    order.remaining = sub(o.qty, o.filledQty);
    order.filled = o.filledQty;
    order.filledQuote = o.filledQuote;
    order.filledNotional = o.filledNotional;
    order.lock = o.lock;
    order.status = o.filledQty === 0 ? 'NEW' : 'PARTIALLY_FILLED';
    const side = s.book.sideOf(o.side);
    side.append(order, side.getOrCreate(o.price));
    this.orders.set(order.id, order);
    if (order.cid !== null) (acc.cids ??= new Map()).set(order.cid, order);
  }

  process(cmd: Command): CommandResult {
    this.out.reset();
    this.stamp++;
    this.now = cmd.ts;
    let code: ResultCode;
    switch (cmd.type) {
      case 'place':
        code = this.place(cmd);
        break;
      case 'cancel':
        code = this.cancel(cmd);
        break;
      case 'deposit':
      case 'withdraw':
        code = this.moveFunds(cmd);
        break;
      default:
        code = 'INVALID_ORDER';
    }
    if (this.touchedCount > 0) this.flushDepth();
    if (this.endedCount > 0) this.recycle();
    return { code, events: this.out };
  }

  // ---- deposits and withdrawals ----

  private moveFunds(cmd: BalanceCommand): ResultCode {
    const asset = cmd.assetId;
    if (this.assets[asset] === undefined) return 'UNKNOWN_ASSET';
    if (!(cmd.amount > 0)) return 'INVALID_QUANTITY';
    if (!fitsInt64(cmd.amount)) return 'AMOUNT_OUT_OF_RANGE';
    if (cmd.type === 'deposit') {
      const supply = add(this.supply[asset] as Int, cmd.amount);
      if (supply > INT64_MAX) return 'AMOUNT_OUT_OF_RANGE';
      const acc = this.accountFor(cmd.userId);
      this.supply[asset] = supply;
      acc.avail[asset] = add(acc.avail[asset] as Int, cmd.amount);
      this.balanceEvent(acc, asset, cmd.amount, 'deposit');
      return 'OK';
    }
    const acc = this.account(cmd.userId);
    if (acc === undefined || (acc.avail[asset] as Int) < cmd.amount) return 'INSUFFICIENT_BALANCE';
    this.supply[asset] = sub(this.supply[asset] as Int, cmd.amount);
    acc.avail[asset] = sub(acc.avail[asset] as Int, cmd.amount);
    this.balanceEvent(acc, asset, -cmd.amount, 'withdrawal');
    return 'OK';
  }

  // ---- placement ----

  private validate(s: SymbolState, cmd: PlaceOrderCommand): RejectReason | null {
    const cfg = s.cfg;
    if (cmd.side !== 'BUY' && cmd.side !== 'SELL') return 'INVALID_ORDER';
    if (cmd.orderType === 'LIMIT') {
      if (cmd.tif !== 'GTC' && cmd.tif !== 'IOC' && cmd.tif !== 'FOK' && cmd.tif !== 'POST_ONLY')
        return 'INVALID_ORDER';
      if (!(cmd.price > 0)) return 'INVALID_PRICE';
      if (!fitsInt64(cmd.price)) return 'AMOUNT_OUT_OF_RANGE';
      if (!(cmd.qty > 0) || cmd.quoteQty !== 0) return 'INVALID_QUANTITY';
    } else if (cmd.orderType === 'MARKET') {
      if (cmd.tif !== 'GTC' && cmd.tif !== 'IOC') return 'INVALID_ORDER';
      const byQty = cmd.qty > 0;
      const byQuote = cmd.quoteQty > 0;
      if (byQty === byQuote || (byQuote && cmd.side !== 'BUY') || cmd.qty < 0 || cmd.quoteQty < 0) {
        return 'INVALID_QUANTITY';
      }
      if (byQuote && !fitsInt64(cmd.quoteQty)) return 'AMOUNT_OUT_OF_RANGE';
      if (byQuote && cfg.minNotional !== 0 && cmd.quoteQty < cfg.minNotional) return 'BELOW_MIN_NOTIONAL';
    } else {
      return 'INVALID_ORDER';
    }
    if (cmd.qty > 0) {
      if (!fitsInt64(cmd.qty)) return 'AMOUNT_OUT_OF_RANGE';
      if (cfg.minQty !== 0 && cmd.qty < cfg.minQty) return 'BELOW_MIN_QTY';
      if (cfg.maxQty !== 0 && cmd.qty > cfg.maxQty) return 'ABOVE_MAX_QTY';
    }
    if (cmd.orderType === 'LIMIT') {
      const notional = s.cost(cmd.price, cmd.qty);
      if (!fitsInt64(notional)) return 'AMOUNT_OUT_OF_RANGE';
      // An order worth 0 quote units would trade base for nothing.
      if (notional === 0) return 'BELOW_MIN_NOTIONAL';
      if (cfg.minNotional !== 0 && notional < cfg.minNotional) return 'BELOW_MIN_NOTIONAL';
    }
    return null;
  }

  private place(cmd: PlaceOrderCommand): ResultCode {
    const s = this.symbols[cmd.symbolId];
    if (s === undefined) return this.reject(cmd, 'UNKNOWN_SYMBOL');
    if (!(cmd.orderId >= 0) || !Number.isSafeInteger(cmd.orderId)) return this.reject(cmd, 'INVALID_ORDER');
    if (this.orders.has(cmd.orderId)) return 'DUPLICATE_ORDER_ID';
    this.depthSymbol = cmd.symbolId;
    const invalid = this.validate(s, cmd);
    if (invalid !== null) return this.reject(cmd, invalid);
    const acc = this.account(cmd.userId);
    if (cmd.cid !== null && acc !== undefined && acc.cids !== null && acc.cids.has(cmd.cid)) {
      return this.reject(cmd, 'DUPLICATE_CID');
    }
    const isBuy = cmd.side === 'BUY';
    const opp = s.book.opposite(cmd.side);
    const isLimit = cmd.orderType === 'LIMIT';
    if (cmd.tif === 'POST_ONLY') {
      const best = opp.best();
      if (best !== undefined && (isBuy ? best.price <= cmd.price : best.price >= cmd.price)) {
        return this.reject(cmd, 'POST_ONLY_WOULD_TAKE');
      }
    }
    const lockAsset = isBuy ? s.quote : s.base;
    const avail: Int = acc === undefined ? 0 : (acc.avail[lockAsset] as Int);
    let lock: Int;
    if (!isBuy) lock = cmd.qty;
    else if (isLimit) lock = s.cost(cmd.price, cmd.qty);
    else if (cmd.quoteQty !== 0) lock = min(cmd.quoteQty, avail);
    else lock = avail;
    if (acc === undefined || lock > avail || lock === 0) return this.reject(cmd, 'INSUFFICIENT_BALANCE');
    if (cmd.tif === 'FOK' && !this.canFillFully(s, opp, cmd)) {
      this.orderEventOf(cmd, 'EXPIRED', null);
      return 'OK';
    }

    const price = isLimit ? cmd.price : 0;
    const pooled = this.pool.pop();
    const order =
      pooled === undefined
        ? newOrder(
            cmd.orderId,
            cmd.userId,
            acc,
            cmd.symbolId,
            cmd.side,
            cmd.orderType,
            cmd.tif,
            price,
            cmd.qty,
            cmd.quoteQty,
            cmd.cid,
          )
        : reuseOrder(
            pooled,
            cmd.orderId,
            cmd.userId,
            acc,
            cmd.symbolId,
            cmd.side,
            cmd.orderType,
            cmd.tif,
            price,
            cmd.qty,
            cmd.quoteQty,
            cmd.cid,
          );
    order.lock = lock;
    acc.avail[lockAsset] = sub(avail, lock);
    acc.frozen[lockAsset] = add(acc.frozen[lockAsset] as Int, lock);
    this.orderEvent(order);
    this.balanceEvent(acc, lockAsset, -lock, 'order_frozen');

    const stoppedBySelfTrade = this.match(s, opp, order);
    if (order.status === 'FILLED') {
      this.ended[this.endedCount++] = order;
      return 'OK';
    }
    if (isLimit && (cmd.tif === 'GTC' || cmd.tif === 'POST_ONLY') && !stoppedBySelfTrade) {
      const side = s.book.sideOf(cmd.side);
      const level = side.getOrCreate(cmd.price);
      side.append(order, level);
      this.touch(level);
      this.orders.set(order.id, order);
      if (order.cid !== null) (acc.cids ??= new Map()).set(order.cid, order);
      return 'OK';
    }
    // IOC / FOK / MARKET remainder, or the taker side of self-trade prevention.
    const byQuoteDone = cmd.quoteQty !== 0 && order.filled !== 0 && !stoppedBySelfTrade && opp.best() !== undefined;
    this.finish(order, byQuoteDone ? 'FILLED' : 'EXPIRED', lockAsset);
    this.ended[this.endedCount++] = order;
    return 'OK';
  }

  /** FOK pre-check: can the whole qty fill now, given self-trade prevention? */
  private canFillFully(s: SymbolState, opp: BookSide, cmd: PlaceOrderCommand): boolean {
    const isBuy = cmd.side === 'BUY';
    const stp = s.cfg.stpMode;
    let need: Int = cmd.qty;
    for (const level of opp.levelsFromBest()) {
      if (isBuy ? level.price > cmd.price : level.price < cmd.price) return false;
      if (stp === 'NONE') {
        if (level.total >= need) return true;
        need = sub(need, level.total);
        continue;
      }
      for (let o = level.head; o !== null; o = o.next) {
        if (o.userId === cmd.userId) {
          if (stp === 'EXPIRE_MAKER') continue;
          return false;
        }
        if (o.remaining >= need) return true;
        need = sub(need, o.remaining);
      }
    }
    return false;
  }

  /** Matches a taker against the opposite side. Returns true when self-trade prevention stopped the taker. */
  private match(s: SymbolState, opp: BookSide, taker: Order): boolean {
    const isBuy = taker.side === 'BUY';
    const isLimit = taker.orderType === 'LIMIT';
    const byQuote = taker.quoteQty !== 0;
    const marketBuy = isBuy && !isLimit;
    const stp = s.cfg.stpMode;
    for (;;) {
      const level = opp.best();
      if (level === undefined) return false;
      if (isLimit && (isBuy ? level.price > taker.price : level.price < taker.price)) return false;
      let maker = level.head;
      while (maker !== null) {
        const next = maker.next;
        if (maker.userId === taker.userId && stp !== 'NONE') {
          if (stp === 'EXPIRE_TAKER') return true;
          this.touch(level);
          opp.remove(maker);
          this.forget(maker);
          this.finish(maker, 'EXPIRED', isBuy ? s.base : s.quote);
          if (stp === 'EXPIRE_BOTH') return true;
          maker = next;
          continue;
        }
        let q = byQuote ? maker.remaining : min(maker.remaining, taker.remaining);
        if (marketBuy) {
          const affordable = s.maxQtyFor(level.price, taker.lock);
          if (affordable < q) q = affordable;
          // Stop when the budget cannot pay one quote unit: floor would hand out base for free.
          if (q === 0 || s.cost(level.price, q) === 0) return false;
        }
        this.fill(s, opp, level, maker, taker, q);
        if (taker.status === 'FILLED') return false;
        // A budget-capped slice leaves the maker partly filled: it keeps its priority.
        if (maker.remaining === 0) maker = next;
      }
    }
  }

  private fill(s: SymbolState, opp: BookSide, level: Level, maker: Order, taker: Order, q: Int): void {
    const t = level.price;
    const c = s.cost(t, q);
    const base = s.base;
    const quote = s.quote;
    const takerBuys = taker.side === 'BUY';
    const buyer = takerBuys ? taker : maker;
    const seller = takerBuys ? maker : taker;
    const bA = buyer.account;
    const sA = seller.account;

    // Buyer: pays c from frozen quote; a limit taker gets its price improvement back at once.
    const refund: Int =
      takerBuys && taker.orderType === 'LIMIT' && t < taker.price ? s.cost(sub(taker.price, t), q) : 0;
    const buyerRelease = add(c, refund);
    buyer.lock = sub(buyer.lock, buyerRelease);
    bA.frozen[quote] = sub(bA.frozen[quote] as Int, buyerRelease);
    const feeB = fee(q, takerBuys ? s.cfg.takerFeeRate : s.cfg.makerFeeRate);
    let buyerBaseDelta = sub(q, feeB);
    let buyerQuoteDelta = refund;
    // Seller: gives q from frozen base, receives c minus fee.
    seller.lock = sub(seller.lock, q);
    sA.frozen[base] = sub(sA.frozen[base] as Int, q);
    const feeS = fee(c, takerBuys ? s.cfg.makerFeeRate : s.cfg.takerFeeRate);
    const sellerQuoteDelta = sub(c, feeS);
    let sellerBaseDelta: Int = 0;

    const notional = mul(t, q);
    maker.filled = add(maker.filled, q);
    maker.filledQuote = add(maker.filledQuote, c);
    maker.filledNotional = add(maker.filledNotional, notional);
    taker.filled = add(taker.filled, q);
    taker.filledQuote = add(taker.filledQuote, c);
    taker.filledNotional = add(taker.filledNotional, notional);
    maker.remaining = sub(maker.remaining, q);
    if (taker.quoteQty === 0) taker.remaining = sub(taker.remaining, q);
    level.total = sub(level.total, q);
    this.touch(level);

    // Orders that end here give back what they still hold (rounding dust).
    maker.status = maker.remaining === 0 ? 'FILLED' : 'PARTIALLY_FILLED';
    taker.status = taker.quoteQty === 0 && taker.remaining === 0 ? 'FILLED' : 'PARTIALLY_FILLED';
    if (maker.status === 'FILLED') {
      opp.unlink(maker);
      this.forget(maker);
    }
    if (buyer.status === 'FILLED' && buyer.lock !== 0) {
      buyerQuoteDelta = add(buyerQuoteDelta, buyer.lock);
      bA.frozen[quote] = sub(bA.frozen[quote] as Int, buyer.lock);
      buyer.lock = 0;
    }
    if (seller.status === 'FILLED' && seller.lock !== 0) {
      sellerBaseDelta = add(sellerBaseDelta, seller.lock);
      sA.frozen[base] = sub(sA.frozen[base] as Int, seller.lock);
      seller.lock = 0;
    }
    bA.avail[quote] = add(bA.avail[quote] as Int, buyerQuoteDelta);
    bA.avail[base] = add(bA.avail[base] as Int, buyerBaseDelta);
    sA.avail[quote] = add(sA.avail[quote] as Int, sellerQuoteDelta);
    sA.avail[base] = add(sA.avail[base] as Int, sellerBaseDelta);
    const fa = this.feeAccount;
    if (feeB !== 0) fa.avail[base] = add(fa.avail[base] as Int, feeB);
    if (feeS !== 0) fa.avail[quote] = add(fa.avail[quote] as Int, feeS);

    const tradeId = this.nextTradeId++;
    this.out.trade(
      tradeId,
      s.cfg.id,
      t,
      q,
      c,
      taker.side,
      maker.id,
      maker.userId,
      taker.id,
      taker.userId,
      takerBuys ? feeS : feeB,
      takerBuys ? feeB : feeS,
      this.now,
    );
    this.orderEvent(maker);
    this.orderEvent(taker);
    if (bA === sA) {
      // Self-trade: one balance event per asset with the combined change.
      buyerBaseDelta = add(buyerBaseDelta, sellerBaseDelta);
      buyerQuoteDelta = add(buyerQuoteDelta, sellerQuoteDelta);
      this.balanceEvent(bA, base, buyerBaseDelta, 'trade_settled');
      this.balanceEvent(bA, quote, buyerQuoteDelta, 'trade_settled');
    } else if (takerBuys) {
      // Maker (seller) first, then taker (buyer).
      this.balanceEvent(sA, base, sellerBaseDelta, 'trade_settled');
      this.balanceEvent(sA, quote, sellerQuoteDelta, 'trade_settled');
      this.balanceEvent(bA, base, buyerBaseDelta, 'trade_settled');
      this.balanceEvent(bA, quote, buyerQuoteDelta, 'trade_settled');
    } else {
      this.balanceEvent(bA, base, buyerBaseDelta, 'trade_settled');
      this.balanceEvent(bA, quote, buyerQuoteDelta, 'trade_settled');
      this.balanceEvent(sA, base, sellerBaseDelta, 'trade_settled');
      this.balanceEvent(sA, quote, sellerQuoteDelta, 'trade_settled');
    }
    if (feeB !== 0) this.balanceEvent(fa, base, feeB, 'fee');
    if (feeS !== 0) this.balanceEvent(fa, quote, feeS, 'fee');
  }

  // ---- cancel ----

  private cancel(cmd: CancelOrderCommand): ResultCode {
    let order: Order | undefined;
    if (cmd.orderId !== null) order = this.orders.get(cmd.orderId);
    else if (cmd.cid !== null) order = this.account(cmd.userId)?.cids?.get(cmd.cid);
    else return 'INVALID_ORDER';
    // Unknown or already ended: nothing to do, not an error in the core.
    if (order === undefined) return 'OK';
    if (order.userId !== cmd.userId) return 'NOT_ORDER_OWNER';
    const s = this.symbols[order.symbolId] as SymbolState;
    const side = s.book.sideOf(order.side);
    this.depthSymbol = order.symbolId;
    this.touch(order.level as Level);
    side.remove(order);
    this.forget(order);
    this.finish(order, 'CANCELED', order.side === 'BUY' ? s.quote : s.base);
    return 'OK';
  }

  // ---- helpers ----

  /** Takes an ended order out of the index (it is recycled after this command). */
  private forget(order: Order): void {
    this.orders.delete(order.id);
    if (order.cid !== null) order.account.cids?.delete(order.cid);
    this.ended[this.endedCount++] = order;
  }

  /** The current command's ended orders go to the pool (their events are written). */
  private recycle(): void {
    const ended = this.ended;
    const pool = this.pool;
    for (let i = 0; i < this.endedCount; i++) {
      const o = ended[i] as Order;
      ended[i] = undefined;
      o.cid = null;
      if (pool.length < POOL_MAX) pool.push(o);
    }
    this.endedCount = 0;
  }

  /** Moves an order's remaining lock back to avail (no event). */
  private unfreeze(order: Order): void {
    const s = this.symbols[order.symbolId] as SymbolState;
    const asset = order.side === 'BUY' ? s.quote : s.base;
    const acc = order.account;
    acc.frozen[asset] = sub(acc.frozen[asset] as Int, order.lock);
    acc.avail[asset] = add(acc.avail[asset] as Int, order.lock);
    order.lock = 0;
  }

  /** Ends an order that is out of the book: status event, then the unfrozen remainder. */
  private finish(order: Order, status: 'FILLED' | 'EXPIRED' | 'CANCELED', lockAsset: number): void {
    order.status = status;
    const released = order.lock;
    if (released !== 0) this.unfreeze(order);
    this.orderEvent(order);
    if (released !== 0) this.balanceEvent(order.account, lockAsset, released, 'order_unfrozen');
  }

  private touch(level: Level): void {
    if (level.touched !== this.stamp) {
      level.touched = this.stamp;
      this.touched[this.touchedCount++] = level;
    }
  }

  /** One depth event per level the command touched, with the level's final total. */
  private flushDepth(): void {
    const symbolId = this.depthSymbol;
    const touched = this.touched;
    for (let i = 0; i < this.touchedCount; i++) {
      const level = touched[i] as Level;
      touched[i] = undefined;
      this.out.depth(symbolId, level.side, level.price, level.total);
    }
    this.touchedCount = 0;
  }

  private orderEvent(o: Order): void {
    this.out.orderOf(o, this.now);
  }

  private orderEventOf(cmd: PlaceOrderCommand, status: 'REJECTED' | 'EXPIRED', reason: RejectReason | null): void {
    const price = cmd.orderType === 'LIMIT' ? cmd.price : 0;
    this.out.order(
      cmd.orderId,
      cmd.userId,
      cmd.symbolId,
      cmd.side,
      cmd.orderType,
      cmd.tif,
      price,
      cmd.qty,
      cmd.quoteQty,
      cmd.cid,
      status,
      0,
      0,
      0,
      0,
      reason,
      cmd.ts,
    );
  }

  private reject(cmd: PlaceOrderCommand, reason: RejectReason): ResultCode {
    this.orderEventOf(cmd, 'REJECTED', reason);
    return reason;
  }

  private balanceEvent(acc: Account, asset: number, delta: Int, reason: BalanceReason): void {
    this.out.balance(acc.userId, asset, acc.avail[asset] as Int, acc.frozen[asset] as Int, delta, reason);
  }
}
