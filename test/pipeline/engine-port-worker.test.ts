// The engine port suite against the in-process transport of serve: EngineHost and its worker thread (SQLite file).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreConfig, loadConfig } from '../../src/config.js';
import { EngineHost } from '../../src/pipeline/engine-host.js';
import { PORT_RATE_LIMITS, enginePortSuite } from './engine-port-suite.js';

enginePortSuite('worker thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-port-'));
  const port = await EngineHost.start(
    {
      databaseUrl: `sqlite:${join(dir, 'port.db')}`,
      market: coreConfig(loadConfig({ env: {} })),
      maxBatch: 4096,
      eventRetentionMs: 86_400_000,
      pruneIntervalMs: 60_000,
      rateLimits: PORT_RATE_LIMITS,
    },
    1000,
  );
  return {
    port,
    cleanup: async () => {
      await port.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
