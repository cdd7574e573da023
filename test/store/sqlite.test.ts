// Runs the Store contract suite against SQLite files, plus SQLite- and URL-specific checks.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, parseStoreUrl } from '../../src/adapters/store/index.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { storeSuite } from './store-suite.js';

const root = mkdtempSync(join(tmpdir(), 'fs-sqlite-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

storeSuite('sqlite store', async () => {
  const path = join(root, `run-${++n}`, 'nested', 'store.db'); // parent dirs do not exist yet
  const store = await openStore(`sqlite:${path}`);
  return { store, reopen: () => openStore(path) };
});

test('sqlite: WAL journal, synchronous=FULL, a busy timeout', async () => {
  const store = new SqliteStore(join(root, 'pragmas', 'x.db'));
  try {
    await store.migrate();
    assert.deepEqual(store.settings(), { journalMode: 'wal', synchronous: 2, busyTimeoutMs: 5000 });
  } finally {
    await store.close();
  }
});

test('openStore: URL forms and the error for an unknown driver', async () => {
  assert.deepEqual(parseStoreUrl('sqlite:/a/b.db'), { driver: 'sqlite', path: '/a/b.db' });
  assert.deepEqual(parseStoreUrl('sqlite:///a/b.db'), { driver: 'sqlite', path: '/a/b.db' });
  assert.deepEqual(parseStoreUrl('file:///a/b.db'), { driver: 'sqlite', path: '/a/b.db' });
  assert.deepEqual(parseStoreUrl('file:rel/x.sqlite', { dataDir: '/data' }), {
    driver: 'sqlite',
    path: '/data/rel/x.sqlite',
  });
  assert.deepEqual(parseStoreUrl('x.db', { dataDir: '/data' }), { driver: 'sqlite', path: '/data/x.db' });
  assert.deepEqual(parseStoreUrl('sqlite::memory:'), { driver: 'sqlite', path: ':memory:' });
  for (const url of ['postgres://u@h:5432/db', 'postgresql://u@h/db']) {
    assert.deepEqual(parseStoreUrl(url), { driver: 'postgres', url });
  }
  await assert.rejects(openStore('mysql://u@h/db'), {
    message:
      'unknown database driver "mysql:" — use sqlite:<path> (or file:<path>, or a path ending in .db) or postgres://user@host:port/database',
  });
  await assert.rejects(openStore('just-a-name'), /unknown database URL "just-a-name" — use sqlite:<path>/);
  await assert.rejects(openStore('sqlite:'), /has no file path/);

  const store = await openStore('data.db', { dataDir: join(root, 'dd') });
  assert.equal(store.kind, 'sqlite');
  assert.ok(existsSync(join(root, 'dd', 'data.db')));
  await store.close();
});
