// `fillstream candles check|rebuild` against a real database that a real server filled with trades (SQLite, and
// PostgreSQL when DATABASE_URL is set): check passes on what settlement wrote, finds candles that were removed
// or altered, rebuild restores exactly what the server served; and a server started on a database whose candles
// are gone folds the stored trades into them again before it serves.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { openStore } from '../../src/adapters/store/index.js';
import { add } from '../../src/core/int64.js';
import { KLINE_INTERVAL_MS } from '../../src/pipeline/candles.js';
import { storedCandles } from '../../src/pipeline/candle-store.js';
import { Lab, type StoreKind, sleep, postgresUrl } from '../http/harness.js';
import { limit } from '../http/api-helpers.js';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], {
    env: { PATH: process.env['PATH'] ?? '', FILLSTREAM_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });

function suite(kind: StoreKind): void {
  describe(`candles CLI and start-up catch-up (${kind})`, () => {
    const lab = new Lab(kind);
    after(() => lab.cleanup());

    test('check, damage, check finds it, rebuild restores it; lost candles come back at start', async () => {
      const db = await lab.database();
      const s1 = await lab.start({}, db);
      const a = await s1.fundedUser({ USDT: '100000' });
      const b = await s1.fundedUser({ BTC: '10' });
      await s1.place(b, limit('SELL', '30000', '0.3'));
      await s1.place(a, limit('BUY', '30000', '0.1'));
      await sleep(1100);
      await s1.place(a, limit('BUY', '30000', '0.05'));
      await s1.place(b, limit('SELL', '30100', '0.2'));
      await s1.place(a, limit('BUY', '30100', '0.2'));
      // What the server serves, without is_closed (it changes with the clock, not with the data).
      const served = async (s: typeof s1) => {
        const out: unknown[] = [];
        for (const i of ['1s', '1m', '1d']) {
          const candles = await s.ok<Array<Record<string, unknown>>>(`/api/v1/klines?symbol=BTC_USDT&interval=${i}`);
          out.push(candles.map(({ is_closed: _closed, ...rest }) => rest));
        }
        return out;
      };
      const before = await served(s1);
      assert.ok((before[0] as unknown[]).length >= 2);
      await s1.close();

      const ok = cli('candles', 'check', '--db', db.url);
      assert.equal(ok.status, 0, ok.stderr + ok.stdout);
      assert.match(ok.stdout, /^BTC_USDT 1s: \d+ candles, ok$/m);
      assert.match(ok.stdout, /^ETH_USDT 1d: 0 candles, ok$/m);

      // Damage: the 1 s candles gone, one 1 m candle altered.
      let store = await openStore(db.url);
      const minute = await storedCandles(store, 1, 60_000);
      await store.replaceKlines(1, 1000, []);
      const m0 = minute[0];
      assert.ok(m0 !== undefined);
      await store.replaceKlines(1, 60_000, [{ ...m0, high: add(m0.high, 1) }, ...minute.slice(1)]);
      await store.close();
      const bad = cli('candles', 'check', '--db', db.url, '--symbol', 'BTC_USDT');
      assert.equal(bad.status, 2, bad.stdout);
      assert.match(bad.stdout, /^BTC_USDT 1s: \d+ candles, \d+ differ/m);
      assert.match(
        bad.stdout,
        new RegExp(`^BTC_USDT 1m: \\d+ candles, 1 differ \\(first at open_time ${m0.openTime}\\)$`, 'm'),
      );
      assert.match(bad.stdout, /^BTC_USDT 5m: \d+ candles, ok$/m);
      assert.doesNotMatch(bad.stdout, /ETH_USDT/);
      assert.match(bad.stderr, /candles differ from the trades/);

      const rebuilt = cli('candles', 'rebuild', '--db', db.url);
      assert.equal(rebuilt.status, 0, rebuilt.stderr);
      assert.match(rebuilt.stdout, /^BTC_USDT 1s: \d+ candles written$/m);
      assert.equal(cli('candles', 'check', '--db', db.url).status, 0);
      const s2 = await lab.start({}, db);
      assert.deepEqual(await served(s2), before);
      await s2.close();

      // Every candle lost: the engine folds the stored trades into candles again at start.
      store = await openStore(db.url);
      for (const ms of KLINE_INTERVAL_MS) await store.replaceKlines(1, ms, []);
      await store.close();
      const s3 = await lab.start({}, db);
      assert.deepEqual(await served(s3), before);
      // ... and goes on from them.
      await s3.place(a, limit('BUY', '30100', '0.01'));
      const day = (await s3.ok<Array<{ trade_count: number }>>('/api/v1/klines?symbol=BTC_USDT&interval=1d')).at(-1);
      assert.ok(day !== undefined && day.trade_count >= 1);
      await s3.close();
      assert.equal(cli('candles', 'check', '--db', db.url).status, 0);
    });

    test('--help and bad input', () => {
      for (const sub of ['check', 'rebuild']) {
        const h = cli('candles', sub, '--help');
        assert.equal(h.status, 0);
        for (const flag of ['--config', '--db', '--symbol']) assert.ok(h.stdout.includes(flag));
      }
      const r = cli('candles', 'check', '--db', 'sqlite::memory:', '--symbol', 'NOPE');
      assert.equal(r.status, 2);
      assert.match(r.stderr, /unknown symbol "NOPE"/);
    });
  });
}

suite('sqlite');
if (postgresUrl() === undefined) {
  console.log('candles CLI postgres suite SKIPPED (needs DATABASE_URL)');
  test('candles CLI (postgres)', { skip: 'SKIPPED (needs DATABASE_URL)' }, () => {});
} else {
  suite('postgres');
}
