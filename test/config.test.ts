// The configuration: defaults, precedence flags > env > file > defaults, validation messages that name the setting
// and its source, the market section converted to core units, deep freezing, and the market index.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Config,
  ConfigError,
  DEFAULT_MARKET_INPUT,
  SETTINGS,
  configForLog,
  coreConfig,
  loadConfig,
  marketIndex,
} from '../src/config.js';
import { Engine } from '../src/core/engine.js';
import { encryptionKeyBytes } from '../src/auth/credentials.js';

const dir = mkdtempSync(join(tmpdir(), 'fillstream-config-'));
let n = 0;
function file(content: unknown): string {
  const p = join(dir, `c${n++}.json`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

function configError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: the documented values, secrets absent, every source "default"', () => {
  const c = loadConfig();
  assert.equal(c.port, 8080);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.databaseUrl, 'sqlite:./data/fillstream.db');
  assert.equal(c.devAuth, false);
  assert.equal(c.adminToken, null);
  assert.equal(c.tokenSecret, null);
  assert.equal(c.encryptionKey, null);
  assert.equal(c.tokenTtlSeconds, 3600);
  assert.deepEqual(c.rateLimits, { ordersPerSec: 10, cancelsPerSec: 10, queriesPerSec: 100 });
  assert.equal(c.queueCapacity, 10000);
  assert.equal(c.bodyLimitBytes, 16384);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.feeAccountId, 1);
  assert.equal(c.eventRetentionSeconds, 86400);
  assert.equal(c.eventPruneIntervalSeconds, 60);
  assert.equal(c.ws.authTimeoutMs, 10000);
  assert.equal(c.ws.maxFrameBytes, 16384);
  assert.ok(Object.values(c.sources).every((s) => s === 'default'));
  assert.equal(Object.keys(c.sources).length, Object.keys(SETTINGS).length + 1);
});

test('the default market is the demo market converted to core units', () => {
  const c = loadConfig();
  assert.deepEqual(c.market.assets, [
    { id: 1, name: 'BTC', decimals: 8, displayDecimals: 6 },
    { id: 2, name: 'ETH', decimals: 8, displayDecimals: 6 },
    { id: 3, name: 'USDT', decimals: 2, displayDecimals: 2 },
  ]);
  const [btc, eth] = c.market.symbols;
  assert.deepEqual(btc, {
    id: 1,
    name: 'BTC_USDT',
    baseAssetId: 1,
    quoteAssetId: 3,
    priceDecimals: 2,
    priceDisplayDecimals: 2,
    minQty: 100,
    maxQty: 0,
    minNotional: 0,
    makerFeeRate: 100_000,
    takerFeeRate: 200_000,
    stpMode: 'NONE',
  });
  assert.equal(eth?.name, 'ETH_USDT');
  assert.equal(eth?.baseAssetId, 2);
  // The core accepts it as is.
  const engine = new Engine(coreConfig(c));
  assert.equal(engine.feeAccount.userId, 1);
});

test('the config is deeply frozen', () => {
  const c = loadConfig();
  const mutable = c as unknown as { port: number; rateLimits: { ordersPerSec: number } };
  assert.throws(() => (mutable.port = 1), TypeError);
  assert.throws(() => (mutable.rateLimits.ordersPerSec = 1), TypeError);
  const sym = c.market.symbols[0] as unknown as { takerFeeRate: number };
  assert.throws(() => (sym.takerFeeRate = 0), TypeError);
  assert.throws(() => (c.market.assets as unknown as unknown[]).push({}), TypeError);
});

test('precedence per setting: flags > env > file > defaults, and the source is recorded', () => {
  const f = file({ port: 7000, host: '127.0.0.1', logLevel: 'warn' });
  const env = { FILLSTREAM_PORT: '7100', FILLSTREAM_HOST: '10.0.0.1' };
  const all = loadConfig({ file: f, env, flags: { port: 7200 } });
  assert.equal(all.port, 7200);
  assert.equal(all.sources.port, 'flag');
  assert.equal(all.host, '10.0.0.1');
  assert.equal(all.sources.host, 'env');
  assert.equal(all.logLevel, 'warn');
  assert.equal(all.sources.logLevel, 'file');
  assert.equal(all.queueCapacity, 10000);
  assert.equal(all.sources.queueCapacity, 'default');
  assert.equal(loadConfig({ file: f, env }).port, 7100);
  assert.equal(loadConfig({ file: f }).port, 7000);
  // A flag given as undefined (an unset CLI option) does not count.
  assert.equal(loadConfig({ file: f, env, flags: { port: undefined } }).port, 7100);
  // An empty env var counts as unset.
  assert.equal(loadConfig({ file: f, env: { FILLSTREAM_PORT: '' } }).port, 7000);
});

test('env values are parsed by type: integers, booleans, nested rate limits, secrets', () => {
  const key = 'ab'.repeat(32);
  const c = loadConfig({
    env: {
      FILLSTREAM_DEV_AUTH: 'yes',
      FILLSTREAM_RATE_ORDERS: '5',
      FILLSTREAM_RATE_CANCELS: '6',
      FILLSTREAM_RATE_QUERIES: '7',
      FILLSTREAM_ADMIN_TOKEN: 'admin-token-0123456789',
      FILLSTREAM_TOKEN_SECRET: 's'.repeat(32),
      FILLSTREAM_ENCRYPTION_KEY: key,
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
      PATH: '/usr/bin',
    },
  });
  assert.equal(c.devAuth, true);
  assert.deepEqual(c.rateLimits, { ordersPerSec: 5, cancelsPerSec: 6, queriesPerSec: 7 });
  assert.equal(c.adminToken, 'admin-token-0123456789');
  assert.equal(c.tokenSecret, 's'.repeat(32));
  assert.equal(c.encryptionKey, key);
  assert.equal(c.databaseUrl, 'postgres://u:p@127.0.0.1:5432/db');
  assert.equal(loadConfig({ env: { FILLSTREAM_DEV_AUTH: 'false' } }).devAuth, false);
  assert.equal(loadConfig({ flags: { devAuth: 'true' } }).devAuth, true);
});

test('nested settings from the file and from flags, as objects or dotted keys', () => {
  const f = file({ rateLimits: { cancelsPerSec: 3 }, ws: { pingIntervalMs: 5000 } });
  const c = loadConfig({ file: f, flags: { 'rateLimits.queriesPerSec': 50, ws: { maxConnectionsPerUser: 2 } } });
  assert.deepEqual(c.rateLimits, { ordersPerSec: 10, cancelsPerSec: 3, queriesPerSec: 50 });
  assert.equal(c.ws.pingIntervalMs, 5000);
  assert.equal(c.ws.maxConnectionsPerUser, 2);
  assert.equal(c.sources['rateLimits.cancelsPerSec'], 'file');
});

test('validation errors name the setting and its source', () => {
  assert.equal(
    configError(() => loadConfig({ env: { FILLSTREAM_PORT: 'abc' } })),
    'FILLSTREAM_PORT="abc": expected an integer 0..65535',
  );
  assert.equal(
    configError(() => loadConfig({ env: { FILLSTREAM_PORT: '70000' } })),
    'FILLSTREAM_PORT="70000": expected an integer 0..65535',
  );
  assert.equal(
    configError(() => loadConfig({ flags: { port: -1 } })),
    'flag port=-1: expected an integer 0..65535',
  );
  assert.equal(
    configError(() => loadConfig({ flags: { port: '1.5' } })),
    'flag port="1.5": expected an integer 0..65535',
  );
  const f = file({ port: '8080' });
  assert.equal(
    configError(() => loadConfig({ file: f })),
    `config file ${f}: port="8080": expected an integer 0..65535`,
  );
  assert.match(
    configError(() => loadConfig({ env: { FILLSTREAM_DEV_AUTH: 'maybe' } })),
    /^FILLSTREAM_DEV_AUTH="maybe"/,
  );
  assert.match(
    configError(() => loadConfig({ env: { FILLSTREAM_LOG_LEVEL: 'loud' } })),
    /one of fatal, error/,
  );
  assert.match(
    configError(() => loadConfig({ env: { FILLSTREAM_RATE_ORDERS: '0' } })),
    /^FILLSTREAM_RATE_ORDERS="0"/,
  );
  assert.match(
    configError(() => loadConfig({ env: { DATABASE_URL: 'mysql://x' } })),
    /^DATABASE_URL="mysql:\/\/x"/,
  );
});

test('cluster deadlines: the margin is bounded, and TTL + margin must fit in the duplicate window', () => {
  assert.equal(loadConfig({ env: {} }).cluster.deadlineMarginMs, 1000);
  assert.equal(loadConfig({ env: { FILLSTREAM_CLUSTER_DEADLINE_MARGIN_MS: '250' } }).cluster.deadlineMarginMs, 250);
  assert.match(
    configError(() => loadConfig({ env: { FILLSTREAM_CLUSTER_DEADLINE_MARGIN_MS: '50' } })),
    /^FILLSTREAM_CLUSTER_DEADLINE_MARGIN_MS="50": expected an integer 100\.\.60000/,
  );
  assert.match(
    configError(() =>
      loadConfig({
        env: {
          FILLSTREAM_CLUSTER_COMMAND_TTL_MS: '5000',
          FILLSTREAM_CLUSTER_DEADLINE_MARGIN_MS: '1000',
          FILLSTREAM_CLUSTER_DUPLICATE_WINDOW_MS: '5500',
        },
      }),
    ),
    /cluster\.commandTtlMs \(5000\) \+ cluster\.deadlineMarginMs \(1000\) must not exceed cluster\.duplicateWindowMs \(5500\)/,
  );
});

test('secret values are never echoed in error messages; database passwords are masked', () => {
  const m = configError(() => loadConfig({ env: { FILLSTREAM_TOKEN_SECRET: 'tooshort-secret' } }));
  assert.ok(!m.includes('tooshort-secret'), m);
  assert.match(m, /^FILLSTREAM_TOKEN_SECRET=<hidden, 15 characters>: expected a string of 32\.\.512 characters$/);
  const a = configError(() => loadConfig({ flags: { adminToken: 'short' } }));
  assert.ok(!a.includes('short"'), a);
  const k = configError(() => loadConfig({ env: { FILLSTREAM_ENCRYPTION_KEY: 'not-a-key' } }));
  assert.ok(!k.includes('not-a-key'), k);
  const d = configError(() => loadConfig({ flags: { databaseUrl: 'mysql://root:hunter2@db/x' } }));
  assert.ok(!d.includes('hunter2'), d);
  const logged = JSON.stringify(
    configForLog(
      loadConfig({
        env: {
          FILLSTREAM_ADMIN_TOKEN: 'admin-token-0123456789',
          DATABASE_URL: 'postgres://u:hunter2@h/db',
        },
      }),
    ),
  );
  assert.ok(!logged.includes('admin-token-0123456789') && !logged.includes('hunter2'), logged);
  assert.match(logged, /"adminToken":"\[set\]"/);
  assert.match(logged, /"tokenSecret":null/);
});

test('encryption keys: 64 hex digits or base64 of exactly 32 bytes, as auth decodes them', () => {
  const hex = '0f'.repeat(32);
  const b64 = Buffer.alloc(32, 7).toString('base64');
  for (const key of [hex, b64]) {
    assert.equal(loadConfig({ flags: { encryptionKey: key } }).encryptionKey, key);
    assert.equal(encryptionKeyBytes(key).length, 32);
  }
  for (const bad of ['0f'.repeat(31), Buffer.alloc(31).toString('base64'), Buffer.alloc(33).toString('base64')]) {
    configError(() => loadConfig({ flags: { encryptionKey: bad } }));
  }
});

test('unknown settings are refused in flags, file and FILLSTREAM_* env (typos do not pass silently)', () => {
  assert.match(
    configError(() => loadConfig({ flags: { prot: 1 } })),
    /flag prot: unknown setting/,
  );
  const f = file({ rateLimits: { orderPerSec: 1 } });
  assert.match(
    configError(() => loadConfig({ file: f })),
    /rateLimits\.orderPerSec: unknown setting/,
  );
  assert.match(
    configError(() => loadConfig({ env: { FILLSTREAM_PROT: '1' } })),
    /^FILLSTREAM_PROT: unknown setting/,
  );
});

test('config file: FILLSTREAM_CONFIG names it; unreadable, invalid JSON or non-object files are refused', () => {
  const f = file({ port: 9001 });
  assert.equal(loadConfig({ env: { FILLSTREAM_CONFIG: f } }).port, 9001);
  assert.match(
    configError(() => loadConfig({ file: join(dir, 'missing.json') })),
    /cannot read it \(ENOENT\)/,
  );
  assert.match(
    configError(() => loadConfig({ file: file('{"port":') })),
    /not valid JSON/,
  );
  assert.match(
    configError(() => loadConfig({ file: file('[1]') })),
    /expected a JSON object/,
  );
});

test('market from the file: decimal strings converted with the right decimals; replaces the default market', () => {
  const market = {
    assets: [
      { id: 0, name: 'SOL', decimals: 9, displayDecimals: 4 },
      { id: 5, name: 'USDC', decimals: 6, displayDecimals: 2 },
    ],
    symbols: [
      {
        id: 7,
        name: 'SOL_USDC',
        base: 'SOL',
        quote: 'USDC',
        priceDecimals: 3,
        priceDisplayDecimals: 2,
        makerFee: '0',
        takerFee: '0.00075',
        minQty: '0.01',
        maxQty: '1000',
        minNotional: '5',
        stpMode: 'EXPIRE_TAKER',
      },
    ],
  };
  const c = loadConfig({ file: file({ market }) });
  assert.equal(c.sources.market, 'file');
  assert.deepEqual(
    c.market.assets.map((a) => a.name),
    ['SOL', 'USDC'],
  );
  assert.deepEqual(c.market.symbols[0], {
    id: 7,
    name: 'SOL_USDC',
    baseAssetId: 0,
    quoteAssetId: 5,
    priceDecimals: 3,
    priceDisplayDecimals: 2,
    minQty: 10_000_000,
    maxQty: 1_000_000_000_000,
    minNotional: 5_000_000,
    makerFeeRate: 0,
    takerFeeRate: 75_000,
    stpMode: 'EXPIRE_TAKER',
  });
});

test('market errors name the entry and field', () => {
  const withSymbol = (over: Record<string, unknown>) => ({
    market: { assets: DEFAULT_MARKET_INPUT.assets, symbols: [{ ...DEFAULT_MARKET_INPUT.symbols[0], ...over }] },
  });
  const err = (over: Record<string, unknown>) => configError(() => loadConfig({ flags: withSymbol(over) }));
  assert.match(err({ base: 'DOGE' }), /market\.symbols\[0\]\.base: unknown asset "DOGE"/);
  assert.match(err({ quote: 'BTC' }), /symbols\[0\]: base and quote must differ/);
  assert.match(err({ takerFee: '1' }), /symbols\[0\]\.takerFee: "1" must be below 1/);
  assert.match(err({ makerFee: 0.001 }), /symbols\[0\]\.makerFee/);
  assert.match(err({ minQty: '0.000000001' }), /symbols\[0\]\.minQty: "0.000000001" has 9 decimals, at most 8/);
  assert.match(err({ minQty: '2', maxQty: '1' }), /minQty: "2" is above maxQty "1"/);
  assert.match(err({ priceDecimals: 19 }), /symbols\[0\]\.priceDecimals/);
  assert.match(err({ stpMode: 'SOMETIMES' }), /symbols\[0\]\.stpMode/);
  assert.match(err({ extra: 1 }), /market\.symbols\[0\]: Unrecognized key/);
  const dupId = {
    market: {
      assets: [...DEFAULT_MARKET_INPUT.assets, { ...DEFAULT_MARKET_INPUT.assets[0], name: 'XRP' }],
      symbols: DEFAULT_MARKET_INPUT.symbols,
    },
  };
  assert.match(
    configError(() => loadConfig({ flags: dupId })),
    /assets\[3\]\.id: 1 appears twice/,
  );
  const f = file({ market: { ...DEFAULT_MARKET_INPUT, assets: [] } });
  assert.match(
    configError(() => loadConfig({ file: f })),
    new RegExp(`^config file ${f}: market\\.assets: `),
  );
  const noSymbols = { market: { assets: DEFAULT_MARKET_INPUT.assets, symbols: [] } };
  assert.match(
    configError(() => loadConfig({ flags: noSymbols })),
    /^flag market\.symbols: /,
  );
  const dup = {
    market: {
      assets: [...DEFAULT_MARKET_INPUT.assets, { ...DEFAULT_MARKET_INPUT.assets[0], id: 9 }],
      symbols: DEFAULT_MARKET_INPUT.symbols,
    },
  };
  assert.match(
    configError(() => loadConfig({ flags: dup })),
    /assets\[3\]\.name: "BTC" appears twice/,
  );
});

test('marketIndex: lookups by name and id, base/quote, cost as the core computes it', () => {
  const c: Config = loadConfig();
  const m = marketIndex(c);
  assert.equal(marketIndex(c), m, 'memoized');
  const btcUsdt = m.symbolByName('BTC_USDT');
  assert.equal(btcUsdt?.id, 1);
  assert.equal(m.symbolById(2)?.name, 'ETH_USDT');
  assert.equal(m.symbolByName('DOGE_USDT'), undefined);
  assert.equal(m.assetByName('USDT')?.id, 3);
  assert.equal(m.assetById(2)?.name, 'ETH');
  assert.equal(m.assetByName('usdt'), undefined, 'names are case-sensitive');
  assert.equal(m.baseOf(m.symbol(1)).name, 'BTC');
  assert.equal(m.quoteOf(m.symbol(1)).name, 'USDT');
  assert.throws(() => m.symbol(99), /unknown symbol id 99/);
  assert.throws(() => m.asset(99), /unknown asset id 99/);
  // 85000.00 USDT x 0.001 BTC = 85.00 USDT = 8500 quote units.
  assert.equal(m.cost(1, 8_500_000, 100_000), 8500);
  // floor: 0.00000001 BTC at 1.00 is 0.00000001 USDT -> 0 units.
  assert.equal(m.cost(1, 100, 1), 0);
});
