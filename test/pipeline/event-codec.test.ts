// The event log's line format (pipeline/event-codec.ts): a logged line rendered with renderPrivateEvent is exactly
// the text the direct builders (orderUpdateMessage, tradeMessage, balanceUpdateMessage) give for the same event and
// seq; decodeLine gives back every field exactly (canonical Int: number while safe, bigint beyond); a malformed line
// is refused with EventLineError, never with another error.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadConfig, marketIndex } from '../../src/config.js';
import { INT64_MAX, INT64_MIN, type Int, norm } from '../../src/core/int64.js';
import {
  BalanceEvent,
  OrderEvent,
  TradeEvent,
  type BalanceReason,
  type OrderStatus,
  type OrderType,
  type RejectReason,
  type Side,
  type TimeInForce,
} from '../../src/core/types.js';
import {
  balanceUpdateMessage,
  marketTradeMessage,
  orderUpdateMessage,
  renderPrivateEvent,
  tradeMessage,
} from '../../src/wire/format.js';
import { orderEventOf, specOrderEvent } from '../support/fixtures.js';
import {
  decodeLine,
  encodeBalance,
  encodeOrder,
  encodeTrade,
  EventLineError,
  type LoggedEvent,
  type Role,
} from '../../src/pipeline/event-codec.js';

const config = loadConfig();
const market = marketIndex(config);
const BTC = 1;
const ETH = 2;
const USDT = 3;
const BTC_USDT = 1;
const ETH_USDT = 2;
const TS = 1734533790000;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TWO_53 = 2n ** 53n;

/** Seed for every property below (fixed so a failure reproduces; fast-check prints the counterexample). */
const SEED = 20_241_218;
const RUNS = 1500;

// Records keyed by the union types: a value missing from a union fails to compile, so "every" stays every.
const STATUSES = Object.keys({
  NEW: 1,
  PARTIALLY_FILLED: 1,
  FILLED: 1,
  CANCELED: 1,
  REJECTED: 1,
  EXPIRED: 1,
} satisfies Record<OrderStatus, 1>) as OrderStatus[];
const REJECT_REASONS = Object.keys({
  UNKNOWN_SYMBOL: 1,
  UNKNOWN_ASSET: 1,
  INVALID_PRICE: 1,
  INVALID_QUANTITY: 1,
  BELOW_MIN_QTY: 1,
  ABOVE_MAX_QTY: 1,
  BELOW_MIN_NOTIONAL: 1,
  AMOUNT_OUT_OF_RANGE: 1,
  INSUFFICIENT_BALANCE: 1,
  POST_ONLY_WOULD_TAKE: 1,
  DUPLICATE_ORDER_ID: 1,
  DUPLICATE_CID: 1,
  INVALID_ORDER: 1,
} satisfies Record<RejectReason, 1>) as RejectReason[];
const BALANCE_REASONS = Object.keys({
  order_frozen: 1,
  trade_settled: 1,
  order_unfrozen: 1,
  deposit: 1,
  withdrawal: 1,
  fee: 1,
} satisfies Record<BalanceReason, 1>) as BalanceReason[];
const TIFS = Object.keys({ GTC: 1, IOC: 1, FOK: 1, POST_ONLY: 1 } satisfies Record<TimeInForce, 1>) as TimeInForce[];
const SIDES: Side[] = ['BUY', 'SELL'];
const ORDER_TYPES: OrderType[] = ['LIMIT', 'MARKET'];
const ROLES: Role[] = ['MAKER', 'TAKER'];

const CID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-:.';
/** Every character a cid may hold. */
const CID_ALL = CID_CHARS;

// ---- arbitraries (canonical Int only: a value beyond 2^53 is a bigint, a safe one a number) ----

const EDGES: bigint[] = [
  0n,
  1n,
  -1n,
  99n,
  TWO_53 - 1n,
  TWO_53,
  TWO_53 + 1n,
  -(TWO_53 - 1n),
  -TWO_53,
  -(TWO_53 + 1n),
  10n ** 15n - 1n, // 15 digits
  10n ** 15n, // 16 digits, still safe
  -(10n ** 15n - 1n),
  -(10n ** 15n),
  10n ** 18n,
  INT64_MAX,
  INT64_MAX - 1n,
  INT64_MIN,
  INT64_MIN + 1n,
];

const int64 = (min: bigint, max: bigint): fc.Arbitrary<Int> =>
  fc
    .oneof(
      { weight: 3, arbitrary: fc.constantFrom(...EDGES.filter((v) => v >= min && v <= max)) },
      { weight: 3, arbitrary: fc.bigInt({ min, max }) },
      { weight: 2, arbitrary: fc.bigInt({ min: min > -1_000_000_000n ? min : -1_000_000_000n, max: 1_000_000_000n }) },
    )
    .map(norm);

const amount = int64(0n, INT64_MAX);
const signed = int64(INT64_MIN, INT64_MAX);
const id = fc.oneof(fc.constantFrom(1, MAX_SAFE), fc.integer({ min: 1, max: MAX_SAFE }));
const ts = fc.oneof(fc.constant(TS), fc.integer({ min: 0, max: MAX_SAFE }));
const seqArb = fc.oneof(fc.constantFrom(1, MAX_SAFE), fc.integer({ min: 1, max: MAX_SAFE }));
const cid = fc.oneof(
  fc.constant(null),
  fc.constantFrom(CID_ALL, '0', '-1', '.', 'my-1', 'a:b_c.d-e'),
  fc.string({ unit: fc.constantFrom(...CID_CHARS), minLength: 1, maxLength: 64 }),
);

const orderArb: fc.Arbitrary<OrderEvent> = fc
  .record({
    orderId: id,
    userId: id,
    symbolId: fc.constantFrom(BTC_USDT, ETH_USDT),
    side: fc.constantFrom(...SIDES),
    orderType: fc.constantFrom(...ORDER_TYPES),
    tif: fc.constantFrom(...TIFS),
    price: amount,
    qty: amount,
    quoteQty: signed,
    cid,
    status: fc.constantFrom(...STATUSES),
    filledQty: signed,
    filledQuote: amount,
    filledNotional: signed,
    lock: amount,
    rejectReason: fc.option(fc.constantFrom(...REJECT_REASONS), { nil: null }),
    ts,
  })
  .map((o) => orderEventOf(o, o.ts));

const tradeArb: fc.Arbitrary<TradeEvent> = fc
  .record({
    tradeId: id,
    symbolId: fc.constantFrom(BTC_USDT, ETH_USDT),
    price: amount,
    qty: amount,
    quoteQty: amount,
    takerSide: fc.constantFrom(...SIDES),
    makerOrderId: id,
    makerUserId: id,
    takerOrderId: id,
    takerUserId: id,
    makerFee: signed,
    takerFee: signed,
    ts,
  })
  .map(
    (t) =>
      new TradeEvent(
        t.tradeId,
        t.symbolId,
        t.price,
        t.qty,
        t.quoteQty,
        t.takerSide,
        t.makerOrderId,
        t.makerUserId,
        t.takerOrderId,
        t.takerUserId,
        t.makerFee,
        t.takerFee,
        t.ts,
      ),
  );

const balanceArb: fc.Arbitrary<BalanceEvent> = fc
  .record({
    userId: id,
    assetId: fc.constantFrom(BTC, ETH, USDT),
    avail: signed,
    frozen: signed,
    delta: signed,
    reason: fc.constantFrom(...BALANCE_REASONS),
  })
  .map((b) => new BalanceEvent(b.userId, b.assetId, b.avail, b.frozen, b.delta, b.reason));

// ---- what decodeLine must give back ----

function loggedOrder(e: OrderEvent): LoggedEvent {
  return {
    kind: 'order',
    orderId: e.orderId,
    symbolId: e.symbolId,
    side: e.side,
    orderType: e.orderType,
    tif: e.tif,
    price: e.price,
    qty: e.qty,
    quoteQty: e.quoteQty,
    cid: e.cid,
    status: e.status,
    filledQty: e.filledQty,
    filledNotional: e.filledNotional,
    rejectReason: e.rejectReason,
    ts: e.ts,
  };
}

function loggedTrade(e: TradeEvent, role: Role): LoggedEvent {
  const taker = role === 'TAKER';
  return {
    kind: 'trade',
    tradeId: e.tradeId,
    symbolId: e.symbolId,
    price: e.price,
    qty: e.qty,
    orderId: taker ? e.takerOrderId : e.makerOrderId,
    side: taker ? e.takerSide : e.takerSide === 'BUY' ? 'SELL' : 'BUY',
    role,
    fee: taker ? e.takerFee : e.makerFee,
    ts: e.ts,
  };
}

function loggedBalance(e: BalanceEvent): LoggedEvent {
  return { kind: 'balance', assetId: e.assetId, avail: e.avail, frozen: e.frozen, delta: e.delta, reason: e.reason };
}

/** Every Int field of a decoded event is canonical: a safe number, or a bigint beyond the safe range. */
function assertCanonical(d: LoggedEvent): void {
  for (const [k, v] of Object.entries(d)) {
    if (typeof v === 'number') assert.ok(Number.isSafeInteger(v) && !Object.is(v, -0), `${k}: ${v} is not canonical`);
    if (typeof v === 'bigint')
      assert.ok(v > BigInt(MAX_SAFE) || v < -BigInt(MAX_SAFE), `${k}: ${v}n should be a number`);
  }
}

/** Encodes, renders and decodes one event; checks the rendered text and the decoded fields. */
function checkOrder(e: OrderEvent, seq: number): void {
  const line = encodeOrder(e);
  assert.equal(line.split('\t').length, 15);
  assert.ok(!line.includes('\n'));
  const r = renderPrivateEvent(line, seq, market);
  assert.equal(r.text, orderUpdateMessage(e, seq, market));
  assert.equal(r.type, 'order.update');
  const d = decodeLine(line);
  assert.deepStrictEqual(d, loggedOrder(e));
  assertCanonical(d);
}

function checkTrade(e: TradeEvent, role: Role, seq: number): void {
  const line = encodeTrade(e, role);
  const r = renderPrivateEvent(line, seq, market);
  assert.equal(r.text, tradeMessage(e, role, seq, market));
  assert.equal(r.type, 'trade');
  const d = decodeLine(line);
  assert.deepStrictEqual(d, loggedTrade(e, role));
  assertCanonical(d);
}

function checkBalance(e: BalanceEvent, seq: number): void {
  const line = encodeBalance(e);
  const r = renderPrivateEvent(line, seq, market);
  assert.equal(r.text, balanceUpdateMessage(e, seq, market));
  assert.equal(r.type, 'balance.update');
  const d = decodeLine(line);
  assert.deepStrictEqual(d, loggedBalance(e));
  assertCanonical(d);
}

// ---- hand-picked corner cases (each named case exists for sure, whatever the PRNG draws) ----

const order = specOrderEvent;

const BIG = norm(TWO_53 + 1n);
/** MARKET BUY by quote amount: no price, no base qty. */
const BY_QUOTE = order({
  orderType: 'MARKET',
  tif: 'IOC',
  price: 0,
  qty: 0,
  quoteQty: 10_000,
  status: 'NEW',
  filledQty: 0,
});
const REJECTED = order({
  status: 'REJECTED',
  rejectReason: 'INSUFFICIENT_BALANCE',
  filledQty: 0,
  filledNotional: 0,
  cid: null,
});
const CORNER_ORDERS: OrderEvent[] = [
  BY_QUOTE,
  REJECTED,
  ...STATUSES.map((status) => order({ status })),
  ...REJECT_REASONS.map((rejectReason) =>
    order({ status: 'REJECTED', rejectReason, filledQty: 0, filledNotional: 0, cid: null }),
  ),
  order({ status: 'REJECTED', rejectReason: null }),
  order({ orderType: 'MARKET', tif: 'IOC', price: 0, qty: 0, quoteQty: INT64_MAX, status: 'EXPIRED', cid: null }),
  order({ orderType: 'MARKET', tif: 'FOK', side: 'SELL', price: 0, qty: BIG, quoteQty: 0, status: 'CANCELED' }),
  order({ cid: null }),
  order({ cid: CID_ALL }),
  order({ cid: '0' }),
  order({ price: INT64_MAX, qty: INT64_MAX, filledQty: INT64_MAX, filledNotional: INT64_MAX }),
  order({ price: BIG, qty: BIG, filledQty: 1, filledNotional: BIG, symbolId: ETH_USDT, tif: 'POST_ONLY' }),
  order({ price: MAX_SAFE, qty: MAX_SAFE, filledQty: MAX_SAFE, filledNotional: INT64_MIN, side: 'SELL' }),
  order({ price: 0, qty: 0, quoteQty: 0, filledQty: 0, filledNotional: 0, status: 'NEW', orderId: MAX_SAFE }),
];

const TRADES: TradeEvent[] = [
  // tradeId, symbol, price, qty, quoteQty, takerSide, maker order/user, taker order/user, makerFee, takerFee, ts
  new TradeEvent(5001, BTC_USDT, 8_500_000, 100_000, 8500, 'BUY', 900, 8, 1001, 7, 8, 100, TS),
  new TradeEvent(5002, ETH_USDT, 350_000, 1, 0, 'SELL', 901, 8, 1002, 7, 0, 0, TS + 1),
  new TradeEvent(
    MAX_SAFE,
    BTC_USDT,
    INT64_MAX,
    INT64_MAX,
    INT64_MAX,
    'BUY',
    MAX_SAFE,
    1,
    1,
    MAX_SAFE,
    BIG,
    INT64_MAX,
    0,
  ),
  new TradeEvent(7, ETH_USDT, BIG, BIG, BIG, 'SELL', 1, 1, 2, 1, INT64_MIN, -(TWO_53 + 1n), MAX_SAFE),
];

const BALANCES: BalanceEvent[] = [
  new BalanceEvent(7, BTC, 150_100_000, 0, 100_000, 'trade_settled'),
  new BalanceEvent(7, USDT, 0, 8500, -8500, 'order_frozen'),
  new BalanceEvent(7, BTC, 0, 0, -50, 'fee'), // rounds to "-0.000000" but keeps its sign
  new BalanceEvent(7, ETH, 0, 0, 0, 'order_unfrozen'),
  new BalanceEvent(7, USDT, INT64_MAX, INT64_MAX, INT64_MIN, 'withdrawal'),
  new BalanceEvent(7, ETH, BIG, norm(-(TWO_53 + 1n)), -(TWO_53 + 1n), 'deposit'),
  new BalanceEvent(7, BTC, -1, MAX_SAFE, -MAX_SAFE, 'deposit'),
];

describe('event log lines render exactly like the direct builders', () => {
  test('corner cases: every status and reject reason, MARKET by quote, cids, int64 and 2^53 edges', () => {
    assert.ok(CORNER_ORDERS.length > STATUSES.length + REJECT_REASONS.length);
    for (const [i, e] of CORNER_ORDERS.entries()) checkOrder(e, i + 1);
    for (const [i, e] of TRADES.entries()) for (const role of ROLES) checkTrade(e, role, 100 + i);
    for (const [i, e] of BALANCES.entries()) checkBalance(e, 200 + i);
  });

  test('the corner cases reach the features they are meant to (bigints, quote_qty, reject_reason)', () => {
    const byQuote = JSON.parse(renderPrivateEvent(encodeOrder(BY_QUOTE), 9, market).text);
    assert.deepEqual([byQuote.data.price, byQuote.data.qty, byQuote.data.quote_qty], [null, null, '100.00']);
    const rejected = JSON.parse(renderPrivateEvent(encodeOrder(REJECTED), 3, market).text);
    assert.deepEqual(
      [rejected.data.status, rejected.data.reject_reason, rejected.data.cid],
      ['REJECTED', 'INSUFFICIENT_BALANCE', null],
    );
    const huge = decodeLine(encodeOrder(order({ price: INT64_MAX, qty: BIG, quoteQty: MAX_SAFE })));
    assert.ok(huge.kind === 'order');
    assert.deepStrictEqual([huge.price, huge.qty, huge.quoteQty], [INT64_MAX, TWO_53 + 1n, MAX_SAFE]);
    const maxed = JSON.parse(renderPrivateEvent(encodeBalance(BALANCES[4]!), 5, market).text);
    assert.deepEqual(maxed.data, {
      asset: 'USDT',
      avail: '92233720368547758.07',
      frozen: '92233720368547758.07',
      delta: '-92233720368547758.08',
      reason: 'withdrawal',
    });
    const cidAll = decodeLine(encodeOrder(order({ cid: CID_ALL })));
    assert.ok(cidAll.kind === 'order' && cidAll.cid === CID_ALL);
    const tinyDebit = JSON.parse(renderPrivateEvent(encodeBalance(BALANCES[2]!), 1, market).text);
    assert.equal(tinyDebit.data.delta, '-0.000000');
  });

  test('seeded random orders: same text as orderUpdateMessage, fields decoded exactly', () => {
    fc.assert(
      fc.property(orderArb, seqArb, (e, seq) => checkOrder(e, seq)),
      { seed: SEED, numRuns: RUNS },
    );
  });

  test('seeded random trades, both roles: same text as tradeMessage, fields decoded exactly', () => {
    fc.assert(
      fc.property(tradeArb, fc.constantFrom(...ROLES), seqArb, (e, role, seq) => checkTrade(e, role, seq)),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  test('seeded random balance changes: same text as balanceUpdateMessage, fields decoded exactly', () => {
    fc.assert(
      fc.property(balanceArb, seqArb, (e, seq) => checkBalance(e, seq)),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });

  test('the random streams do cover bigints, 2^53+1, zero, negatives, null and long cids, every status', () => {
    const orders = fc.sample(orderArb, { seed: SEED, numRuns: RUNS });
    const balances = fc.sample(balanceArb, { seed: SEED + 2, numRuns: RUNS });
    const amounts = orders.flatMap((o) => [o.price, o.qty, o.quoteQty, o.filledQty, o.filledNotional]);
    assert.ok(amounts.some((v) => v === INT64_MAX));
    assert.ok(amounts.some((v) => v === TWO_53 + 1n));
    assert.ok(amounts.some((v) => v === 0));
    assert.ok(balances.some((b) => b.delta === INT64_MIN));
    assert.ok(balances.some((b) => typeof b.delta === 'number' && b.delta < 0));
    assert.ok(orders.some((o) => o.cid === null));
    assert.ok(orders.some((o) => o.cid === CID_ALL));
    assert.ok(orders.some((o) => o.orderType === 'MARKET' && o.quoteQty > 0));
    assert.deepEqual(new Set(orders.map((o) => o.status)), new Set(STATUSES));
    assert.ok(orders.some((o) => o.status === 'REJECTED' && o.rejectReason !== null));
  });

  test('a line that is already rendered JSON (rows from before the line format) is served as it is', () => {
    const texts: [string, string][] = [
      ['order.update', orderUpdateMessage(CORNER_ORDERS[0]!, 41, market)],
      ['trade', tradeMessage(TRADES[0]!, 'MAKER', 42, market)],
      ['balance.update', balanceUpdateMessage(BALANCES[0]!, 43, market)],
    ];
    for (const [type, text] of texts) {
      assert.deepStrictEqual(decodeLine(text), { kind: 'rendered', type, text });
      // The seq is in the text already; the argument does not rewrite it.
      assert.deepStrictEqual(renderPrivateEvent(text, 999, market), { type, text });
    }
  });
});

describe('decodeLine refuses malformed lines with EventLineError', () => {
  const good = {
    o: encodeOrder(order({ rejectReason: 'INVALID_PRICE', status: 'REJECTED' })),
    t: encodeTrade(TRADES[0]!, 'TAKER'),
    b: encodeBalance(BALANCES[1]!),
  };
  /** Indexes of the integer fields of each kind (0 is the kind letter). */
  const intFields = { o: [1, 2, 6, 7, 8, 11, 12, 14], t: [1, 2, 3, 4, 5, 8, 9], b: [1, 2, 3, 4] };
  /** Fields that must be safe integers (ids, times): a value beyond 2^53 is refused. */
  const safeFields = { o: [1, 2, 14], t: [1, 2, 5, 9], b: [1] };

  const refuses = (line: string): void => {
    assert.throws(() => decodeLine(line), EventLineError, `decodeLine should refuse ${JSON.stringify(line)}`);
    assert.throws(() => renderPrivateEvent(line, 1, market), EventLineError);
  };
  const withField = (line: string, i: number, v: string): string => {
    const f = line.split('\t');
    f[i] = v;
    return f.join('\t');
  };

  test('the good lines decode (so the refusals below are about the change made)', () => {
    for (const line of Object.values(good)) assert.doesNotThrow(() => decodeLine(line));
    assert.equal(good.o.split('\t').length, 15);
    assert.equal(good.t.split('\t').length, 10);
    assert.equal(good.b.split('\t').length, 6);
  });

  test('wrong field count', () => {
    for (const line of Object.values(good)) {
      refuses(`${line}\t1`);
      refuses(`${line}\t`);
      refuses(line.slice(0, line.lastIndexOf('\t')));
      refuses(line.split('\t').slice(0, 2).join('\t'));
      refuses(line[0]!);
      refuses(`${line}\n${line}`.replace('\n', '\t'));
    }
  });

  test('an integer field that is not an integer', () => {
    const bad = ['', '1.5', '1e3', 'abc', ' 1', '1 ', '+1', '0x1F', '--1', '1-', '-', 'NaN', 'Infinity', '١٢'];
    bad.push('12345678901234567890', '-12345678901234567890'); // 20 digits: beyond int64 anyway
    bad.push('9999999999999999999', '-9223372036854775809', '9223372036854775808'); // 19 digits, beyond int64
    bad.push('-0', '007', '00'); // not canonical
    for (const [kind, fields] of Object.entries(intFields) as [keyof typeof good, number[]][]) {
      for (const i of fields) for (const v of bad) refuses(withField(good[kind], i, v));
    }
  });

  test('an id or a time beyond the safe integer range', () => {
    for (const [kind, fields] of Object.entries(safeFields) as [keyof typeof good, number[]][]) {
      for (const i of fields) {
        refuses(withField(good[kind], i, String(TWO_53 + 1n)));
        assert.doesNotThrow(() => decodeLine(withField(good[kind], i, String(MAX_SAFE))));
      }
    }
  });

  test('a fixed word that is not one of its values', () => {
    const words: Record<keyof typeof good, number[]> = { o: [3, 4, 5, 10, 13], t: [6, 7], b: [5] };
    for (const [kind, fields] of Object.entries(words) as [keyof typeof good, number[]][]) {
      for (const i of fields) for (const v of ['bogus', 'buy', 'Limit', ' NEW']) refuses(withField(good[kind], i, v));
    }
  });

  test('unknown kind letter, empty line', () => {
    refuses('');
    refuses('\t');
    for (const line of Object.values(good)) {
      for (const k of ['x', 'O', 'T', 'B', 'ob', ' o', '0', '']) refuses(k + line.slice(1));
    }
  });

  test('a "{" line that is not one of the three private message types', () => {
    const trade = new TradeEvent(5001, BTC_USDT, 8_500_000, 100_000, 8500, 'BUY', 900, 8, 1001, 7, 8, 100, TS);
    for (const line of [
      '{',
      '{}',
      marketTradeMessage(trade, 9001, market),
      '{"type":"depth","symbol":"BTC_USDT"}',
      '{"type":"trades","seq":1}',
      '{"type":"order.updated","seq":1}',
      '{"type":"balance","seq":1}',
      '{"type": "trade","seq":1}',
      '{"seq":1,"type":"trade","data":{}}',
      '{"type":"TRADE","seq":1}',
      '{"type":"order update","seq":1}',
    ]) {
      refuses(line);
    }
  });

  test('fuzz: any line either decodes or throws EventLineError, nothing else', () => {
    const unit = fc.constantFrom('o', 't', 'b', '\t', '\t', '1', '0', '-', '9', '{', '"', 'x', '.', 'e');
    const check = (line: string): void => {
      try {
        decodeLine(line);
      } catch (err) {
        assert.ok(err instanceof EventLineError, `${JSON.stringify(line)}: ${String(err)}`);
      }
    };
    fc.assert(fc.property(fc.string({ unit, maxLength: 60 }), check), { seed: SEED + 3, numRuns: 3000 });
    // Valid lines with one field replaced by anything.
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(good)), fc.nat(15), fc.string({ maxLength: 22 }), (line, i, v) =>
        check(withField(line, i % line.split('\t').length, v)),
      ),
      { seed: SEED + 4, numRuns: 3000 },
    );
  });
});
