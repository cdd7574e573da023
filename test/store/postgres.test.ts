// Runs the Store contract suite against PostgreSQL (DATABASE_URL), one fresh schema per store.

import { after, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import assert from 'node:assert/strict';
import { PostgresStore } from '../../src/adapters/store/postgres-store.js';
import { FencedError, ensureCommandLog, raiseFence } from '../../src/adapters/store/command-log-sql.js';
import { storeSuite } from './store-suite.js';

const url = process.env.DATABASE_URL;

if (!url) {
  console.log('postgres store tests SKIPPED (needs DATABASE_URL)');
  test('postgres store', { skip: 'SKIPPED (needs DATABASE_URL)' }, () => {});
} else {
  const run = `fs_test_${randomBytes(5).toString('hex')}`;
  const schemas: string[] = [];
  after(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    } finally {
      await admin.end();
    }
  });

  const open = async (schema: string) => {
    const store = new PostgresStore(url, { schema, max: 4 });
    await store.migrate();
    return store;
  };

  storeSuite('postgres store', async () => {
    const schema = `${run}_${schemas.length + 1}`;
    schemas.push(schema);
    const store = await open(schema);
    return { store, reopen: () => open(schema) };
  });

  test('postgres: a fenced market-epoch write lands only while its leadership is current', async () => {
    const schema = `${run}_${schemas.length + 1}`;
    schemas.push(schema);
    const store = await open(schema);
    const pool = new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` });
    try {
      await ensureCommandLog(pool);
      assert.ok(await raiseFence(pool, 'fs', 5, 'node-a', 1));
      await store.setMarketEpoch(3, true, { name: 'fs', epoch: 5 });
      assert.ok(await raiseFence(pool, 'fs', 6, 'node-b', 2));
      // The old leader's clean stop comes too late: it must not mark the market stopped.
      await assert.rejects(store.setMarketEpoch(3, false, { name: 'fs', epoch: 5 }), FencedError);
      assert.deepEqual(await store.marketSeqState(), { epoch: 3, running: true, seqs: [] });
      await store.setMarketEpoch(4, false, { name: 'fs', epoch: 6 });
      assert.deepEqual(await store.marketSeqState(), { epoch: 4, running: false, seqs: [] });
    } finally {
      await pool.end();
      await store.close();
    }
  });
}
