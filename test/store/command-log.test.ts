// The cluster command log's settle (src/adapters/store/command-log-sql.ts) on real PostgreSQL (DATABASE_URL): a
// gateway that got no answer records 'expired' unless an answer is there, and reads back the one outcome; a batch
// holding a settled command, or one past its deadline + margin by the database's clock, rolls back whole
// (LateBatchError) and writes nothing; a gateway's settle racing an engine batch that holds the command waits for
// that batch: committed, its answer wins; rolled back, 'expired' does. A fenced batch (its leader was deposed)
// writes nothing either, its market seqs included, and one that meets a takeover under way waits for it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/adapters/store/postgres-store.js';
import {
  FencedError,
  LateBatchError,
  ensureCommandLog,
  expiredAnswer,
  raiseFence,
  settleCommand,
} from '../../src/adapters/store/command-log-sql.js';
import type { CommandLog } from '../../src/adapters/store/store.js';
import { batch, order } from './fixtures.js';

const url = process.env.DATABASE_URL;

if (!url) {
  console.log('command log tests SKIPPED (needs DATABASE_URL)');
  test('command log', { skip: 'SKIPPED (needs DATABASE_URL)' }, () => {});
} else {
  const schema = `fs_test_${randomBytes(5).toString('hex')}_cmdlog`;
  let store: PostgresStore;
  let pool: pg.Pool;
  before(async () => {
    store = new PostgresStore(url, { schema, max: 2 });
    await store.migrate();
    pool = new pg.Pool({ connectionString: url, max: 3, options: `-c search_path=${schema}` });
    await ensureCommandLog(pool);
  });
  after(async () => {
    await store?.close();
    await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool?.end();
  });

  const answerOf = (id: string) => JSON.stringify({ id, ack: { code: 'OK', orderId: 1, ts: 5 } });
  const log = (seq: number, results: CommandLog['results']): CommandLog => ({ stream: 'S', consumedSeq: seq, results });
  const count = async (sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]?.n);
  let nextOrder = 1;
  /** A batch of one new order, with its command log. */
  const orderBatch = (results: CommandLog['results'], seq: number) => {
    const orderId = nextOrder++;
    return { orderId, b: { ...batch({ orders: [order({ orderId })] }), commands: log(seq, results) } };
  };
  const hasOrder = async (orderId: number) =>
    (await count(`SELECT count(*) AS n FROM orders WHERE order_id = ${orderId}`)) === 1;
  const consumed = async () =>
    Number(
      (await pool.query<{ s: string }>("SELECT last_seq AS s FROM cluster_consumers WHERE stream = 'S'")).rows[0]?.s ??
        0,
    );

  test('settle: nothing recorded -> expired recorded and read back; an answer recorded -> that answer', async () => {
    assert.equal(await settleCommand(pool, 'c-none', 100), expiredAnswer('c-none'));
    assert.equal(await settleCommand(pool, 'c-none', 200), expiredAnswer('c-none'), 'settling again: the same');
    const { b } = orderBatch([{ commandId: 'c-done', answer: answerOf('c-done'), ts: 5 }], 1);
    await store.applyBatch(b);
    assert.equal(await settleCommand(pool, 'c-done', 300), answerOf('c-done'), "the engine's answer wins");
  });

  test('a batch holding a command already settled as expired rolls back whole (LateBatchError)', async () => {
    await settleCommand(pool, 'c-late', 100);
    const before = await consumed();
    const { orderId, b } = orderBatch(
      [
        { commandId: 'c-fresh', answer: answerOf('c-fresh'), ts: 5 },
        { commandId: 'c-late', answer: answerOf('c-late'), ts: 5 },
      ],
      before + 10,
    );
    await assert.rejects(store.applyBatch(b), (e: unknown) => e instanceof LateBatchError && /c-late/.test(e.message));
    assert.equal(await hasOrder(orderId), false, 'the order did not land');
    assert.equal(await consumed(), before, 'nor the stream position');
    assert.equal(await settleCommand(pool, 'c-late', 1), expiredAnswer('c-late'), 'c-late stays expired');
    assert.equal(await settleCommand(pool, 'c-fresh', 1), expiredAnswer('c-fresh'), 'c-fresh was not recorded');
  });

  test("a batch past a command's deadline + margin by the database's clock rolls back; within it, commits", async () => {
    const before = await consumed();
    const late = orderBatch(
      [{ commandId: 'c-old', answer: answerOf('c-old'), ts: 5, notAfter: Date.now() - 60_000 }],
      before + 1,
    );
    await assert.rejects(store.applyBatch(late.b), LateBatchError);
    assert.equal(await hasOrder(late.orderId), false);
    assert.equal(await count("SELECT count(*) AS n FROM cluster_command_results WHERE command_id = 'c-old'"), 0);
    const fine = orderBatch(
      [{ commandId: 'c-new', answer: answerOf('c-new'), ts: 5, notAfter: Date.now() + 60_000 }],
      before + 2,
    );
    await store.applyBatch(fine.b);
    assert.equal(await hasOrder(fine.orderId), true);
    assert.equal(await consumed(), before + 2);
  });

  for (const outcome of ['commit', 'rollback'] as const) {
    test(`a settle racing an open batch that holds the command waits for it (${outcome})`, async () => {
      const id = `c-race-${outcome}`;
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('INSERT INTO cluster_command_results (command_id, answer, ts) VALUES ($1, $2, 5)', [
          id,
          answerOf(id),
        ]);
        let settled: string | null = null;
        const settle = settleCommand(pool, id, 100).then((a) => (settled = a));
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(settled, null, 'the settle waits for the batch holding the row');
        await c.query(outcome === 'commit' ? 'COMMIT' : 'ROLLBACK');
        await settle;
        assert.equal(settled, outcome === 'commit' ? answerOf(id) : expiredAnswer(id));
      } finally {
        c.release();
      }
    });
  }

  const marketSeq = async (symbolId: number) =>
    (await pool.query<{ s: string }>('SELECT depth_seq AS s FROM market_seqs WHERE symbol_id = $1', [symbolId])).rows[0]
      ?.s;

  test('a fenced batch writes nothing (FencedError); under the current epoch it commits', async () => {
    assert.ok(await raiseFence(pool, 'fs-a', 5, 'node-a', 1));
    assert.ok(await raiseFence(pool, 'fs-a', 6, 'node-b', 2));
    const before = await consumed();
    const stale = orderBatch([{ commandId: 'c-stale', answer: answerOf('c-stale'), ts: 5 }], before + 1);
    const fenced = { ...stale.b, marketSeqs: [{ symbolId: 41, depthSeq: 3, tradeSeq: 1 }] };
    await assert.rejects(
      store.applyBatch({ ...fenced, commands: { ...fenced.commands, fence: { name: 'fs-a', epoch: 5 } } }),
      (e: unknown) => e instanceof FencedError && e.current === 6,
    );
    assert.equal(await hasOrder(stale.orderId), false, 'the order did not land');
    assert.equal(await consumed(), before, 'nor the stream position');
    assert.equal(await marketSeq(41), undefined, 'nor the market seqs');
    assert.equal(await settleCommand(pool, 'c-stale', 1), expiredAnswer('c-stale'), 'nor the answer');
    const none = orderBatch([{ commandId: 'c-nobody', answer: answerOf('c-nobody'), ts: 5 }], before + 1);
    await assert.rejects(
      store.applyBatch({ ...none.b, commands: { ...none.b.commands, fence: { name: 'fs-none', epoch: 1 } } }),
      (e: unknown) => e instanceof FencedError && e.current === null,
      'no leader row: fenced',
    );
    const fine = orderBatch([{ commandId: 'c-lead', answer: answerOf('c-lead'), ts: 5 }], before + 2);
    const current = { ...fine.b, marketSeqs: [{ symbolId: 41, depthSeq: 4, tradeSeq: 1 }] };
    await store.applyBatch({ ...current, commands: { ...current.commands, fence: { name: 'fs-a', epoch: 6 } } });
    assert.equal(await hasOrder(fine.orderId), true);
    assert.equal(await consumed(), before + 2);
    assert.equal(await marketSeq(41), '4');
    assert.equal(await settleCommand(pool, 'c-lead', 1), answerOf('c-lead'));
  });

  test('a batch that meets a takeover under way waits for it, then is fenced', async () => {
    assert.ok(await raiseFence(pool, 'fs-b', 1, 'node-a', 1));
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      assert.ok(await raiseFence(c, 'fs-b', 2, 'node-b', 2));
      const before = await consumed();
      const { orderId, b } = orderBatch([{ commandId: 'c-taken', answer: answerOf('c-taken'), ts: 5 }], before + 1);
      const seen: { outcome: unknown } = { outcome: null };
      const outcome = (): unknown => seen.outcome;
      const applied = store.applyBatch({ ...b, commands: { ...b.commands, fence: { name: 'fs-b', epoch: 1 } } }).then(
        () => (seen.outcome = 'committed'),
        (e: unknown) => (seen.outcome = e),
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(outcome(), null, 'the batch waits for the takeover holding the leader row');
      await c.query('COMMIT');
      await applied;
      assert.ok(outcome() instanceof FencedError, `fenced after the takeover, got ${String(outcome())}`);
      assert.equal(await hasOrder(orderId), false);
      assert.equal(await consumed(), before);
    } finally {
      c.release();
    }
  });
}
