// The engine port's contract, run against each transport (the worker thread of serve: engine-port-worker.test.ts;
// NATS + PostgreSQL of the cluster: test/cluster/engine-port-nats.test.ts): ready with a snapshot of every book;
// commands answered after commit with the sequencer's order ids; each user's private events committed once, in
// gap-free seq order; public market data for a trade; nothing taken after stop(); the per-user order and cancel
// rate limits, charged at each command's `at` (never later than the engine's clock), refused commands answered
// RATE_LIMITED and not applied.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnginePort } from '../../src/pipeline/engine-port.js';
import { EngineUnavailableError } from '../../src/pipeline/engine-port.js';
import type { Ack, CommittedMessage, MarketMessage } from '../../src/pipeline/protocol.js';
import type { RateLimits } from '../../src/rate-limit.js';
import { decodeLine } from '../../src/pipeline/event-codec.js';

/** The limits every transport under test is started with. */
export const PORT_RATE_LIMITS: RateLimits = { ordersPerSec: 5, cancelsPerSec: 3, queriesPerSec: 100 };

export interface PortUnderTest {
  readonly port: EnginePort;
  /** Stops whatever else the transport needs (engine process side, connections, databases). */
  cleanup(): Promise<void>;
}

const BTC = 1;
const USDT = 3;
const BTC_USDT = 1;
const SELLER = 101;
const BUYER = 102;

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function enginePortSuite(name: string, make: () => Promise<PortUnderTest>): void {
  test(`engine port (${name}): answers after commit, private events once in seq order, market data, stop`, async () => {
    const { port, cleanup } = await make();
    try {
      await until('ready', () => port.ready);
      assert.ok(port.snapshot !== null, 'a snapshot of the books');
      assert.deepEqual(
        port.snapshot.books.map((b) => b.symbolId).sort(),
        [1, 2],
        'every symbol has a book in the snapshot',
      );
      const committed: CommittedMessage[] = [];
      const market: MarketMessage[] = [];
      port.on('committed', (m) => committed.push(m));
      port.on('market', (m) => market.push(m));

      const deposits = await Promise.all([
        port.submit({ kind: 'deposit', userId: SELLER, assetId: BTC, amount: 100_000_000 }),
        port.submit({ kind: 'deposit', userId: BUYER, assetId: USDT, amount: 1_000_000n }),
      ]);
      assert.deepEqual(
        deposits.map((a) => a.code),
        ['OK', 'OK'],
      );
      const base = {
        symbolId: BTC_USDT,
        orderType: 'LIMIT',
        tif: 'GTC',
        quoteQty: 0,
        cid: null,
        at: Date.now(),
      } as const;
      const ask = await port.submit({
        ...base,
        kind: 'place',
        userId: SELLER,
        side: 'SELL',
        price: 10_000,
        qty: 2_000_000,
      });
      assert.equal(ask.code, 'OK');
      assert.ok(typeof ask.orderId === 'number' && ask.orderId > 0, 'the sequencer gave the order an id');
      const bid = await port.submit({
        ...base,
        kind: 'place',
        userId: BUYER,
        side: 'BUY',
        price: 10_000,
        qty: 1_000_000,
      });
      assert.equal(bid.code, 'OK');
      assert.ok((bid.orderId as number) > (ask.orderId as number), 'order ids grow');
      const cancel = await port.submit({
        kind: 'cancel',
        userId: SELLER,
        orderId: ask.orderId,
        cid: null,
        at: Date.now(),
      });
      assert.equal(cancel.code, 'OK');
      assert.equal(cancel.canceled, true, 'the rest of the ask was canceled');
      const wrong = await port.submit({
        ...base,
        kind: 'place',
        userId: BUYER,
        side: 'BUY',
        price: 10_000,
        qty: 10n ** 15n,
      });
      assert.equal(wrong.code, 'INSUFFICIENT_BALANCE', 'a refused order is answered with its reason');
      assert.equal(port.inFlight, 0);

      // Every answer above came after its commit, so its events are already here (pushes go first).
      const seqs = new Map<number, number[]>();
      for (const m of committed) {
        for (const c of m.events) {
          const lines = c.body.split('\n');
          assert.equal(lines.length, c.lastSeq - c.firstSeq + 1, 'one line per seq');
          const list = seqs.get(c.userId) ?? [];
          for (let s = c.firstSeq; s <= c.lastSeq; s++) list.push(s);
          seqs.set(c.userId, list);
        }
      }
      for (const user of [SELLER, BUYER]) {
        const list = seqs.get(user) ?? [];
        assert.ok(list.length >= 3, `user ${user} got its events (${list.length})`);
        assert.deepEqual(
          list,
          list.map((_, i) => i + 1),
          `user ${user}: seq 1..n once each, in order`,
        );
      }
      const trades = market.flatMap((m) => m.trades);
      assert.equal(trades.length, 1, 'one public trade');
      assert.equal(BigInt(trades[0]?.qty ?? 0), 1_000_000n);
      assert.equal(BigInt(trades[0]?.price ?? 0), 10_000n);
      assert.equal(trades[0]?.takerSide, 'BUY');
      const askLevels = market.flatMap((m) => m.depth).filter((d) => d.side === 'SELL');
      assert.equal(BigInt(askLevels.at(-1)?.qty ?? -1), 0n, 'the canceled ask left the book');

      await port.stop();
      assert.equal(port.ready, false);
      await assert.rejects(
        port.submit({ kind: 'deposit', userId: SELLER, assetId: BTC, amount: 1 }),
        EngineUnavailableError,
        'nothing is taken after stop()',
      );
    } finally {
      await cleanup();
    }
  });

  test(`engine port (${name}): per-user order and cancel rate limits at the command's time`, async () => {
    const { port, cleanup } = await make();
    try {
      await until('ready', () => port.ready);
      const committed: CommittedMessage[] = [];
      port.on('committed', (m) => committed.push(m));
      const [A, B, C] = [301, 302, 303];
      for (const userId of [A, B, C]) {
        assert.equal((await port.submit({ kind: 'deposit', userId, assetId: USDT, amount: 10n ** 12n })).code, 'OK');
      }
      const { ordersPerSec: burst, cancelsPerSec: cancels } = PORT_RATE_LIMITS;
      // In the past, so the engine's clock never caps these times.
      const t0 = Date.now() - 60_000;
      const bid = (userId: number, at: number) =>
        port.submit({
          kind: 'place',
          userId,
          symbolId: BTC_USDT,
          side: 'BUY',
          orderType: 'LIMIT',
          tif: 'GTC',
          price: 10_000,
          qty: 1_000_000,
          quoteQty: 0,
          cid: null,
          at,
        });
      const codes = (acks: readonly Ack[]) => acks.map((a) => a.code).join(',');
      const many = (n: number, f: () => Promise<Ack>) => Promise.all(Array.from({ length: n }, f));
      const times = (n: number, code: string) => Array.from({ length: n }, () => code).join(',');

      // burst + 2 at one instant: the burst is placed, the other two are refused unapplied.
      const first = await many(burst + 2, () => bid(A, t0));
      assert.equal(codes(first), `${times(burst, 'OK')},${times(2, 'RATE_LIMITED')}`);
      for (const a of first.slice(burst)) {
        assert.deepEqual(a.limited, { cls: 'order', perSec: burst });
        assert.equal(a.orderId, null, 'a refused order takes no order id');
      }
      // Another user has a bucket of its own.
      assert.equal(codes(await many(burst, () => bid(B, t0))), times(burst, 'OK'));
      // 1000 / rate ms later exactly one token is back.
      const refill = t0 + 1000 / burst;
      assert.equal(codes(await many(2, () => bid(A, refill))), 'OK,RATE_LIMITED');
      // Cancels are a class of their own (A's order bucket is empty): `cancels` pass, the next is refused.
      const cancel = (orderId: number) => port.submit({ kind: 'cancel', userId: A, orderId, cid: null, at: refill });
      const open = first.slice(0, cancels + 1).map((a) => a.orderId as number);
      const canceled = await Promise.all(open.map(cancel));
      assert.equal(codes(canceled), `${times(cancels, 'OK')},RATE_LIMITED`);
      assert.deepEqual(
        canceled.map((a) => a.canceled),
        [...Array.from({ length: cancels }, () => true), false],
      );
      assert.deepEqual(canceled.at(-1)?.limited, { cls: 'cancel', perSec: cancels });
      // Every refused command left no event: A's order events are those of the placed and canceled orders only.
      const orderEvents = committed
        .flatMap((m) => m.events.filter((c) => c.userId === A).flatMap((c) => c.body.split('\n')))
        .map(decodeLine)
        .filter((e) => e.kind === 'order' || (e.kind === 'rendered' && e.type === 'order.update')).length;
      assert.equal(orderEvents, burst + 1 + cancels, 'one NEW per placed order, one CANCELED per cancel');

      // A time from the future is charged at the engine's clock: it cannot hand out tokens early.
      const before = Date.now();
      const now = await many(burst, () => bid(C, before));
      const future = await many(burst, () => bid(C, before + 3_600_000));
      const elapsed = Date.now() - before;
      assert.equal(codes(now), times(burst, 'OK'));
      const early = future.filter((a) => a.code === 'OK').length;
      assert.ok(early <= Math.floor((elapsed * burst) / 1000), `${early} accepted within ${elapsed} ms`);
    } finally {
      await cleanup();
    }
  });
}
