// Runs the Store contract suite against PostgreSQL (DATABASE_URL), one fresh schema per store.

import { after, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/adapters/store/postgres-store.js';
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
}
