// The engine server (NatsEngineServer, in this process, real NATS and PostgreSQL) after a late batch: its clock runs
// a minute behind, so it takes a command whose deadline already passed by the database's clock; the batch holding it
// rolls back (LateBatchError) and the engine stops ('fatal'). A command published to the stream afterwards (valid by
// every clock) is neither matched (no market data published) nor committed (no batch, no answer, no row, the
// stream cursor unmoved): the engine's memory is ahead of the database and must never be used again.
//
// Two guards hold this: the engine runner drops every request once it failed (engine-runner.ts fail()), and the
// server takes no command once it heard 'fatal' (nats-engine-server.ts `failed`). The runner posts 'fatal' only after
// setting its own flag, so in this composition either guard alone keeps this test green; it fails with both removed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import type { EngineCommand } from '../../src/pipeline/engine-port.js';
import { type CommandEnvelope, clusterNames, encode } from '../../src/cluster/wire.js';
import {
  deleteStream,
  freshDatabase,
  freshPrefix,
  needServices,
  services,
  startEngine,
  waitFor,
} from './cluster-lab.js';

const place = (price: number): EngineCommand => ({
  kind: 'place',
  userId: 7,
  symbolId: 1,
  side: 'BUY',
  orderType: 'LIMIT',
  tif: 'GTC',
  price,
  qty: 1_000_000,
  quoteQty: 0,
  cid: null,
  at: Date.now(),
});

if (needServices('cluster: the engine server after a late batch')) {
  test('after a late batch the engine server matches and commits nothing more', { timeout: 60_000 }, async () => {
    const s = services() as { nats: string };
    const prefix = freshPrefix();
    const names = clusterNames(prefix);
    const db = await freshDatabase();
    let behindMs = 0;
    const engine = await startEngine(prefix, db.url, 120_000, undefined, {
      deadlineMarginMs: 500,
      now: () => Date.now() - behindMs,
    });
    const fatal: string[] = [];
    engine.server.on('fatal', (e) => fatal.push(e));
    const nc = await connect({ servers: s.nats });
    const seen: Array<{ subject: string; at: number }> = [];
    for (const subject of [names.marketSubject, names.committedSubject, names.answersSubject]) {
      nc.subscribe(subject, {
        callback: (err) => {
          if (err === null) seen.push({ subject, at: Date.now() });
        },
      });
    }
    await nc.flush();
    const js = jetstream(nc);
    const send = async (id: string, cmd: EngineCommand, deadline: number) => {
      const env: CommandEnvelope = { id, deadline, cmd };
      await js.publish(names.commandSubject, encode(env), { msgID: id });
    };
    const count = (subject: string, since = 0) => seen.filter((m) => m.subject === subject && m.at >= since).length;
    try {
      await send('deposit', { kind: 'deposit', userId: 7, assetId: 3, amount: 10_000_000_000 }, Date.now() + 5000);
      await waitFor('deposit committed', () => count(names.committedSubject) === 1);
      const cursor = async () =>
        (await engine.pool.query<{ seq: string }>('SELECT last_seq::text AS seq FROM cluster_consumers')).rows;
      const cursorBefore = await cursor();
      assert.equal(cursorBefore.length, 1, 'the deposit moved the cursor');

      // Engine clock a minute behind: a deadline 10 s ago is still ahead by it; by the database's clock the batch is
      // past deadline + margin and rolls back.
      behindMs = 60_000;
      await send('late', place(1000), Date.now() - 10_000);
      await waitFor('the engine stops on the late batch', () => fatal.length > 0, 20_000);
      assert.match(fatal[0] as string, /late batch rolled back/);
      assert.equal(count(names.marketSubject), 1, 'the late order was matched (its depth published) before commit');
      const afterFatal = Date.now();

      // A command valid by every clock reaches the stopped engine.
      behindMs = 0;
      await send('after', place(900), Date.now() + 5000);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(count(names.marketSubject, afterFatal), 0, 'not matched: no market data');
      assert.equal(count(names.committedSubject, afterFatal), 0, 'no batch committed');
      assert.equal(count(names.answersSubject, afterFatal), 0, 'not answered');
      const results = await engine.pool.query<{ command_id: string }>(
        'SELECT command_id FROM cluster_command_results ORDER BY command_id',
      );
      assert.deepEqual(
        results.rows.map((r) => r.command_id),
        ['deposit'],
        'only the deposit is recorded',
      );
      assert.deepEqual((await engine.pool.query('SELECT order_id FROM orders')).rows, [], 'no order landed');
      assert.deepEqual(await cursor(), cursorBefore, 'the stream cursor did not move: the next engine reads both');
    } finally {
      await Promise.race([engine.stop(), new Promise((r) => setTimeout(r, 5000))]);
      await deleteStream(nc, names);
      await nc.close();
      await db.drop();
    }
  });
}
