// The engine port's contract, run against each transport (the worker thread of serve: engine-port-worker.test.ts;
// NATS + PostgreSQL of the cluster: test/cluster/engine-port-nats.test.ts): ready with a snapshot of every book;
// commands answered after commit with the sequencer's order ids; each user's private events committed once, in
// gap-free seq order; public market data for a trade; nothing taken after stop().

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnginePort } from '../../src/pipeline/engine-port.js';
import { EngineUnavailableError } from '../../src/pipeline/engine-port.js';
import type { CommittedMessage, MarketMessage } from '../../src/pipeline/protocol.js';

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
      const base = { symbolId: BTC_USDT, orderType: 'LIMIT', tif: 'GTC', quoteQty: 0, cid: null } as const;
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
      const cancel = await port.submit({ kind: 'cancel', userId: SELLER, orderId: ask.orderId, cid: null });
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
}
