// The engine runner and a late batch (PostgreSQL, DATABASE_URL): a batch whose command is past its deadline + margin
// by the database's clock rolls back (LateBatchError) and the engine stops for good, like a fenced one: it posts
// 'fatal', and a command that reaches it afterwards (even at once, from the 'fatal' handler) is neither matched (no
// market data: the core's memory is ahead of the database and must not be used again) nor committed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { coreConfig, loadConfig } from '../../src/config.js';
import { ensureCommandLog } from '../../src/adapters/store/command-log-sql.js';
import { runEngine } from '../../src/pipeline/engine-runner.js';
import type { CommandLog } from '../../src/adapters/store/store.js';
import type { Ack, EngineMessage, EngineRequest } from '../../src/pipeline/protocol.js';
import { createDatabase } from '../http/harness.js';

const url = process.env['DATABASE_URL'];

const place = (reqId: number, price: number): EngineRequest => ({
  kind: 'place',
  reqId,
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

if (!url) {
  console.log('late batch tests SKIPPED (needs DATABASE_URL)');
  test('late batch', { skip: 'SKIPPED (needs DATABASE_URL)' }, () => {});
} else {
  test('a late batch stops the engine for good: nothing received afterwards is matched or committed', async () => {
    const db = await createDatabase('postgres');
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    let receive: ((g: readonly EngineRequest[]) => void) | null = null;
    let afterFatal = false;
    const afterFatalSeen = () => afterFatal;
    const receiveShutdown = () => receive?.([{ kind: 'shutdown', reqId: 99 }]);
    try {
      await ensureCommandLog(pool);
      const posted: EngineMessage[] = [];
      /** Commands whose batch must be late (their deadline + margin a minute ago). */
      const late = new Set<number>([3]);
      const fatal = new Promise<string>((resolve) => {
        void runEngine(
          {
            databaseUrl: db.url,
            market: coreConfig(loadConfig({ env: {} })),
            maxBatch: 4096,
            eventRetentionMs: 86_400_000,
            pruneIntervalMs: 60_000,
            rateLimits: { ordersPerSec: 1000, cancelsPerSec: 1000, queriesPerSec: 1000 },
          },
          {
            post: (m) => {
              posted.push(m);
              if (m.kind === 'fatal') {
                // At once, before anything else runs: the engine must not take it.
                afterFatal = true;
                receive?.([place(4, 900)]);
                resolve(m.error);
              }
            },
            onRequests: (r) => (receive = r),
            close: () => undefined,
            commandLog: (acks: readonly Ack[]): CommandLog => ({
              stream: 'S',
              consumedSeq: Math.max(...acks.map((a) => a.reqId)),
              results: acks.map((a) => ({
                commandId: `c-${a.reqId}`,
                answer: '{}',
                ts: a.ts,
                ...(late.has(a.reqId) ? { notAfter: Date.now() - 60_000 } : {}),
              })),
            }),
          },
        );
      });
      const until = async (what: string, ok: () => boolean) => {
        for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
        assert.ok(ok(), what);
      };
      await until('engine ready', () => posted.some((m) => m.kind === 'ready'));
      const committed = () => posted.reduce((n, m) => n + (m.kind === 'committed' ? m.acks.length : 0), 0);
      receive!([{ kind: 'deposit', reqId: 1, userId: 7, assetId: 3, amount: 10_000_000_000 }]);
      receive!([place(2, 1000)]);
      await until('deposit and first order committed', () => committed() >= 2);
      assert.equal(committed(), 2);
      receive!([place(3, 1100)]);
      assert.match(await fatal, /late batch rolled back/);
      const sinceFatal = (): EngineMessage[] => posted.slice(posted.findIndex((m) => m.kind === 'fatal') + 1);
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(afterFatal);
      assert.deepEqual(
        sinceFatal().map((m) => m.kind),
        [],
        'nothing matched (no market data) or committed after the fatal',
      );
      receive!([place(5, 800)]);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(
        sinceFatal().map((m) => m.kind),
        [],
      );
      const prices = (await pool.query<{ price: string }>('SELECT price::text FROM orders ORDER BY order_id')).rows;
      assert.deepEqual(
        prices.map((p) => Number(p.price)),
        [1000],
        'only the order before the late batch is in the database',
      );
    } finally {
      // A test that failed before the late batch leaves the engine running: stop it.
      if (!afterFatalSeen()) receiveShutdown();
      await pool.end();
      await db.drop();
    }
  });
}
