// At most once through the command stream (real NATS, real PostgreSQL, engine in this process): a command
// published twice with the same Nats-Msg-Id is stored once (JetStream dedupe); the same command id again after the
// duplicate window, or under a new msg id, is answered with its original answer and not applied again; after an
// engine restart the answer comes from cluster_command_results and nothing consumed before is applied twice; a
// command past its deadline is never applied (answered "expired").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import pg from 'pg';
import {
  type Answer,
  type CommandEnvelope,
  type CommittedEnvelope,
  clusterNames,
  decode,
  encode,
} from '../../src/cluster/wire.js';
import type { EngineCommand } from '../../src/pipeline/engine-port.js';
import {
  deleteStream,
  freshDatabase,
  freshPrefix,
  needServices,
  services,
  startEngine,
  waitFor,
} from './cluster-lab.js';

const DUPLICATE_WINDOW_MS = 1000;

/** Every answer the engine publishes (in batches and on the answers subject), by command id. */
function collectAnswers(nc: NatsConnection, prefix: string): Map<string, Answer[]> {
  const names = clusterNames(prefix);
  const seen = new Map<string, Answer[]>();
  const add = (a: Answer) => seen.set(a.id, [...(seen.get(a.id) ?? []), a]);
  nc.subscribe(names.committedSubject, { callback: (_e, m) => decode<CommittedEnvelope>(m.data).answers.forEach(add) });
  nc.subscribe(names.answersSubject, { callback: (_e, m) => decode<Answer[]>(m.data).forEach(add) });
  return seen;
}

if (needServices('cluster: redelivered commands')) {
  test(
    'a redelivered command id is applied once and answered with its original answer',
    { timeout: 60_000 },
    async () => {
      const s = services() as { nats: string };
      const prefix = freshPrefix();
      const names = clusterNames(prefix);
      const db = await freshDatabase();
      const nc = await connect({ servers: s.nats });
      const js = jetstream(nc);
      const answers = collectAnswers(nc, prefix);
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      let engine = await startEngine(prefix, db.url, DUPLICATE_WINDOW_MS);
      const send = (id: string, cmd: EngineCommand, msgID: string, deadline = Date.now() + 60_000) =>
        js.publish(names.commandSubject, encode({ id, deadline, cmd } satisfies CommandEnvelope), { msgID });
      const answered = (id: string, n: number) =>
        waitFor(`${n} answer(s) to ${id}`, () => (answers.get(id)?.length ?? 0) >= n);
      const count = async (sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]?.n);
      try {
        await send('dep-1', { kind: 'deposit', userId: 7, assetId: 3, amount: 1_000_000 }, 'dep-1');
        const place: EngineCommand = {
          kind: 'place',
          userId: 7,
          symbolId: 1,
          side: 'BUY',
          orderType: 'LIMIT',
          tif: 'GTC',
          price: 10_000,
          qty: 1_000_000,
          quoteQty: 0,
          cid: null,
          at: Date.now(),
        };
        const first = await send('ord-1', place, 'ord-1');
        const again = await send('ord-1', place, 'ord-1');
        assert.equal(again.duplicate, true, 'JetStream stored the same msg id once');
        assert.equal(again.seq, first.seq);
        await answered('ord-1', 1);
        const original = answers.get('ord-1')?.[0] as Extract<Answer, { ack: unknown }>;
        assert.ok('ack' in original && original.ack.code === 'OK' && (original.ack.orderId ?? 0) > 0);

        // Past the duplicate window JetStream stores it again; and a new msg id with the same command id.
        await new Promise((r) => setTimeout(r, DUPLICATE_WINDOW_MS + 300));
        const late = await send('ord-1', place, 'ord-1');
        assert.equal(late.duplicate, false, 'past the window the stream takes it again');
        await send('ord-1', place, 'ord-1-retry');
        await answered('ord-1', 3);
        for (const a of answers.get('ord-1') ?? []) assert.deepEqual(a, original, 'the original answer each time');
        assert.equal(await count('SELECT count(*) AS n FROM orders'), 1, 'applied once');

        // Restart: the cursor sits after the last committed command, answers come from PostgreSQL.
        await engine.stop();
        engine = await startEngine(prefix, db.url, DUPLICATE_WINDOW_MS);
        await send('ord-1', place, 'ord-1-after-restart');
        await answered('ord-1', 4);
        assert.deepEqual(answers.get('ord-1')?.[3], original, 'the recorded answer after a restart');
        // A command whose deadline has passed is never applied.
        await send('ord-late', place, 'ord-late', Date.now() - 1);
        await answered('ord-late', 1);
        assert.deepEqual(answers.get('ord-late'), [{ id: 'ord-late', expired: true }]);
        // A fresh command still goes through, so the engine was consuming all along.
        await send('ord-2', place, 'ord-2');
        await answered('ord-2', 1);
        const second = answers.get('ord-2')?.[0] as Extract<Answer, { ack: unknown }>;
        assert.ok((second.ack.orderId ?? 0) > (original.ack.orderId ?? 0));
        assert.equal(
          await count('SELECT count(*) AS n FROM orders'),
          2,
          'nothing consumed before the restart was applied twice',
        );
        assert.equal(
          await count('SELECT count(*) AS n FROM cluster_command_results'),
          3,
          'dep-1, ord-1, ord-2 recorded',
        );
        assert.equal(
          await count(`SELECT last_seq AS n FROM cluster_consumers WHERE stream = '${names.commandStream}'`),
          (
            await jetstream(nc)
              .streams.get(names.commandStream)
              .then((st) => st.info())
          ).state.last_seq,
          'the recorded cursor is the last command of the stream',
        );
      } finally {
        await engine.stop();
        await pool.end();
        await deleteStream(nc, names);
        await nc.close();
        await db.drop();
      }
    },
  );
}
