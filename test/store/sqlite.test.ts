// Runs the Store contract suite against SQLite files, plus SQLite- and URL-specific checks.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, parseStoreUrl } from '../../src/adapters/store/index.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { ALICE, batch, event } from './fixtures.js';
import { storeSuite } from './store-suite.js';

const root = mkdtempSync(join(tmpdir(), 'fs-sqlite-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

storeSuite('sqlite store', async () => {
  const path = join(root, `run-${++n}`, 'nested', 'store.db'); // parent dirs do not exist yet
  const store = await openStore(`sqlite:${path}`);
  return { store, reopen: () => openStore(path) };
});

test('sqlite: WAL journal, synchronous=NORMAL (flush() syncs the WAL), a busy timeout', async () => {
  const store = new SqliteStore(join(root, 'pragmas', 'x.db'));
  try {
    await store.migrate();
    assert.deepEqual(store.settings(), { journalMode: 'wal', synchronous: 1, busyTimeoutMs: 5000 });
  } finally {
    await store.close();
  }
});

test('sqlite: flush() fdatasyncs the WAL; flushes asked for during a sync share one more sync', async () => {
  const path = join(root, 'flush', 'x.db');
  const store = new SqliteStore(path);
  try {
    await store.migrate();
    const synced = store.walSyncs;
    await store.applyBatch(batch({ events: [event(ALICE, 1)], meta: { lastOrderId: 1, lastTradeId: 0 } }));
    const first = store.flush();
    // These callers may have committed after the running sync began: they wait for the next one.
    const second = store.flush();
    const third = store.flush();
    assert.notEqual(first, second);
    assert.equal(second, third);
    await Promise.all([first, second, third]);
    assert.equal(store.walSyncs, synced + 2);
    await store.flush();
    assert.equal(store.walSyncs, synced + 3);
    assert.ok(statSync(`${path}-wal`).size > 0, 'the commit is in the WAL file');
    const other = new SqliteStore(path);
    try {
      assert.equal((await other.recover()).meta.lastOrderId, 1);
    } finally {
      await other.close();
    }
  } finally {
    await store.close();
  }
  const memory = new SqliteStore(':memory:');
  await memory.migrate();
  await memory.flush(); // nothing to sync in memory
  assert.equal(memory.walSyncs, 0);
  await memory.close();
});

test('sqlite: with checkpointThread a thread of its own checkpoints the WAL, so commits reach the database file', async () => {
  /** What the database file alone holds (a copy without its -wal): only what a checkpoint has moved into it. */
  const inFileAlone = (path: string): number | null => {
    const copy = `${path}.copy`;
    copyFileSync(path, copy);
    const db = new Database(copy);
    try {
      return Number(
        (db.prepare('SELECT last_order_id FROM meta WHERE id = 1').get() as { last_order_id: number }).last_order_id,
      );
    } catch {
      return null; // not even the schema is in the file yet
    } finally {
      db.close();
    }
  };
  for (const checkpointThread of [false, true]) {
    const path = join(root, `checkpoint-${checkpointThread}`, 'x.db');
    const store = new SqliteStore(path, { checkpointThread });
    try {
      await store.migrate();
      await store.applyBatch(batch({ events: [event(ALICE, 1)], meta: { lastOrderId: 7, lastTradeId: 0 } }));
      store.flushNow();
      assert.equal(store.checkpointer !== null, checkpointThread);
      // Two checkpoints after the commit: the second began after it.
      const seen = store.checkpointer?.checkpoints ?? 0;
      for (let t = 0; t < 100 && (store.checkpointer?.checkpoints ?? 0) < seen + 2; t++) await sleep(50);
      assert.equal(store.checkpointer?.lastError ?? null, null);
      // Without the thread the writer checkpoints only every 20,000 pages: the file does not hold the commit yet.
      assert.equal(inFileAlone(path), checkpointThread ? 7 : null);
      assert.equal((await store.recover()).meta.lastOrderId, 7);
    } finally {
      await store.close();
    }
  }
});

test('sqlite: flushNow() fdatasyncs the WAL in the calling thread, once per call; nothing to do in memory', async () => {
  const path = join(root, 'flush-now', 'x.db');
  const store = new SqliteStore(path);
  try {
    await store.migrate();
    const synced = store.walSyncs;
    await store.applyBatch(batch({ events: [event(ALICE, 1)], meta: { lastOrderId: 7, lastTradeId: 0 } }));
    store.flushNow();
    assert.equal(store.walSyncs, synced + 1, 'synced before flushNow() returned');
    store.flushNow();
    assert.equal(store.walSyncs, synced + 2);
    const other = new SqliteStore(path);
    try {
      assert.equal((await other.recover()).meta.lastOrderId, 7);
    } finally {
      await other.close();
    }
  } finally {
    await store.close();
  }
  const memory = new SqliteStore(':memory:');
  await memory.migrate();
  memory.flushNow();
  assert.equal(memory.walSyncs, 0);
  await memory.close();
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
