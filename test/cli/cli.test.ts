// The CLI as a user runs it: real child processes of `node dist/src/cli/main.js` on files in a temp dir.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  HAND_EXPECTED_BALANCES,
  HAND_EXPECTED_TRADES,
  tmpDir,
  writeDataSet,
  writeHandSet,
} from '../replay/fixtures.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const read = (dir: string, file: string) => readFileSync(join(dir, file));

test('replay --dir --out: exact outputs of the hand-made set, summary on stdout and in summary.json', () => {
  const dir = writeHandSet(tmpDir());
  const out = join(tmpDir(), 'nested', 'out');
  const r = cli('replay', '--dir', dir, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(read(out, 'balances.csv').toString(), HAND_EXPECTED_BALANCES);
  assert.equal(read(out, 'trades.csv').toString(), HAND_EXPECTED_TRADES);
  const summary = JSON.parse(read(out, 'summary.json').toString());
  assert.equal(summary.accepted, 7);
  assert.equal(summary.rejected, 1);
  assert.equal(summary.trades, 4);
  assert.equal(summary.bestBid, '29000.00');
  assert.equal(summary.format, 'action');
  assert.equal(summary.skippedRows, 0);
  assert.match(r.stdout, /^symbol +BTC_USDT$/m);
  assert.match(r.stdout, /^orders +8 \(accepted 7, rejected 1: INSUFFICIENT_BALANCE 1\)$/m);
  assert.match(r.stdout, /^best bid\/ask +29000\.00 \/ 30000\.00$/m);
  assert.match(r.stdout, /orders\/s$/m);
});

test('replay with explicit paths, internal units and --json', () => {
  const dir = writeHandSet(tmpDir(), true);
  const r = cli(
    'replay',
    '--orders',
    join(dir, 'orders.csv'),
    '--balances',
    join(dir, 'balances_init.csv'),
    '--assets',
    join(dir, 'assets_config.csv'),
    '--symbols',
    join(dir, 'symbols_config.csv'),
    '--units',
    'internal',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.trades, 4);
  assert.equal(s.cancelsApplied, 1);
});

test('gen-orders: same seed gives identical bytes, another seed does not; N rows', () => {
  const a = tmpDir();
  const b = tmpDir();
  const c = tmpDir();
  const args = ['--orders', '20000', '--users', '40', '--cancel-ratio', '0.25'];
  for (const [dir, seed] of [
    [a, '11'],
    [b, '11'],
    [c, '12'],
  ] as const) {
    const r = cli('gen-orders', '--out', dir, '--seed', seed, ...args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^wrote 20000 order rows \(\d+ places, \d+ cancels, action format\) for 40 users/);
  }
  const files = readdirSync(a).sort();
  assert.deepEqual(files, ['assets_config.csv', 'balances_init.csv', 'orders.csv', 'symbols_config.csv']);
  for (const f of files) assert.ok(read(a, f).equals(read(b, f)), f);
  assert.ok(!read(a, 'orders.csv').equals(read(c, 'orders.csv')));
  assert.equal(read(a, 'orders.csv').toString().split('\n').length, 20_000 + 2);
});

test('determinism: two processes replaying the same generated set write identical balances and trades', () => {
  const data = tmpDir();
  assert.equal(cli('gen-orders', '--out', data, '--orders', '60000', '--seed', '5').code, 0);
  const out1 = tmpDir();
  const out2 = tmpDir();
  const r1 = cli('replay', '--dir', data, '--out', out1, '--json');
  const r2 = cli('replay', '--dir', data, '--out', out2, '--json');
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal(r2.code, 0, r2.stderr);
  assert.ok(read(out1, 'balances.csv').equals(read(out2, 'balances.csv')));
  assert.ok(read(out1, 'trades.csv').equals(read(out2, 'trades.csv')));
  const s = JSON.parse(r1.stdout);
  assert.equal(s.skippedRows, 0);
  assert.equal(s.rejected, 0);
  assert.ok(s.trades > 10_000, `trades ${s.trades}`);
  assert.equal(read(out1, 'trades.csv').toString().split('\n').length, s.trades + 2);
});

test('replay --runs 3: one warm-up run shown apart, then the median of the warm runs; same outputs as one run', () => {
  const data = tmpDir();
  assert.equal(cli('gen-orders', '--out', data, '--orders', '20000', '--profile', 'wide', '--seed', '2').code, 0);
  const once = tmpDir();
  const thrice = tmpDir();
  const r1 = cli('replay', '--dir', data, '--out', once, '--json');
  const r3 = cli('replay', '--dir', data, '--out', thrice, '--json', '--runs', '3');
  assert.equal(r3.code, 0, r3.stderr);
  for (const f of ['balances.csv', 'trades.csv']) assert.ok(read(once, f).equals(read(thrice, f)), f);
  const s1 = JSON.parse(r1.stdout);
  const s3 = JSON.parse(r3.stdout);
  assert.equal(s1.runs, 1);
  assert.equal(s1.warmupOrdersPerSec, null);
  assert.deepEqual(s1.runsOrdersPerSec, [s1.ordersPerSec]);
  assert.equal(s3.runs, 3);
  assert.ok(s3.warmupOrdersPerSec > 0);
  assert.equal(s3.runsOrdersPerSec.length, 2);
  const [a, b] = s3.runsOrdersPerSec as [number, number];
  assert.equal(s3.ordersPerSec, Math.round((a + b) / 2), 'median of the two warm runs');
  const { elapsedMs, ordersPerSec, runs, warmupOrdersPerSec, runsOrdersPerSec, loadMs, ...rest3 } = s3;
  const {
    elapsedMs: _e,
    ordersPerSec: _o,
    runs: _r,
    warmupOrdersPerSec: _w,
    runsOrdersPerSec: _rs,
    loadMs: _l,
    ...rest1
  } = s1;
  assert.deepEqual(rest3, rest1, 'everything but the timing is the same');
  assert.ok(
    elapsedMs > 0 && ordersPerSec > 0 && runs === 3 && warmupOrdersPerSec > 0 && runsOrdersPerSec && loadMs >= 0,
  );
  assert.ok(s1.bidLevels > 3_000 && s1.askLevels > 3_000, `a wide book: ${s1.bidLevels} / ${s1.askLevels} levels`);

  const text = cli('replay', '--dir', data, '--runs', '4');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^warm-up +run 1: \d+ orders\/s \(not counted\)$/m);
  assert.match(text.stdout, /^runs 2\.\.4 +\d+, \d+, \d+ orders\/s$/m);
  assert.match(text.stdout, /^replay +median of 3 warm runs: [\d.]+ ms, \d+ orders\/s$/m);
  assertUserError(cli('replay', '--dir', data, '--runs', '0'), /--runs <n>' argument '0' is invalid/);
  assertUserError(cli('gen-orders', '--out', tmpDir(), '--profile', 'tall'), /argument 'tall' is invalid/);
});

test('--progress draws a bar on stderr even when it is not a terminal', () => {
  const dir = writeHandSet(tmpDir());
  const r = cli('replay', '--dir', dir, '--progress');
  assert.equal(r.code, 0);
  assert.match(r.stderr, /^\[#{30}\] 100% 13\/13 commands$/m);
  assert.equal(cli('replay', '--dir', dir).stderr, '');
});

function assertUserError(r: ReturnType<typeof cli>, message: string | RegExp): void {
  assert.equal(r.code, 2, `exit code; stderr: ${r.stderr}`);
  if (typeof message === 'string') assert.ok(r.stderr.includes(message), r.stderr);
  else assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

test('bad input exits with code 2 and a clear message, never a stack trace', () => {
  const empty = tmpDir();
  assertUserError(cli('replay', '--dir', empty), `error: cannot read ${join(empty, 'assets_config.csv')}: ENOENT`);

  const bad = writeDataSet(tmpDir(), {
    'orders.csv': 'order_id,user_id,side,price,qty\n1,1,buy,1.00,1\n2,1,buy,1.234,1\n',
  });
  const out = join(tmpDir(), 'out');
  assertUserError(
    cli('replay', '--dir', bad, '--out', out),
    `error: ${join(bad, 'orders.csv')}:3: price "1.234" has 3 decimals, at most 2 allowed`,
  );
  assert.ok(!existsSync(out), 'nothing written');

  assertUserError(
    cli('replay', '--orders', join(bad, 'orders.csv')),
    'error: missing --assets <file>, --symbols <file>, --balances <file> (or --dir <dir>)',
  );
  assertUserError(cli('replay', '--dir', bad, '--units', 'cents'), /argument 'cents' is invalid/);
  assertUserError(cli('replay', '--dir', bad, '--maker-fee', '2'), 'error: maker fee: "2" is above 1');
  assertUserError(cli('replay', '--dir', bad, '--bogus'), /unknown option '--bogus'/);
  assertUserError(cli('gen-orders', '--out', empty, '--orders', '1e6'), /--orders <n>' argument '1e6' is invalid/);
  assertUserError(cli('gen-orders', '--orders', '10'), /required option '--out <dir>' not specified/);
  assertUserError(cli('gen-orders', '--out', empty, '--cancel-ratio', '1.5'), /expected a decimal in \[0, 1\)/);
  assertUserError(cli('frobnicate'), /unknown command 'frobnicate'/);
});

test('--skip-bad-rows: reported on stderr, counted, the rest replays', () => {
  const dir = writeDataSet(tmpDir(), {
    'orders.csv': 'order_id,user_id,side,price,qty\n1,2,sell,1.00,1\n2,1,buy,1.234,1\n3,1,buy,1.00,0.5\n',
  });
  const r = cli('replay', '--dir', dir, '--skip-bad-rows', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stderr,
    `warning: ${join(dir, 'orders.csv')}:3: price "1.234" has 3 decimals, at most 2 allowed (row skipped)\n`,
  );
  const s = JSON.parse(r.stdout);
  assert.equal(s.skippedRows, 1);
  assert.equal(s.orders, 2);
  assert.equal(s.trades, 1);
});
