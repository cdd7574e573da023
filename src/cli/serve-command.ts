// `fillstream serve [--demo]`: runs the exchange server until SIGTERM / SIGINT, prints the start banner, and with
// --demo runs the live demo market (src/demo/) on it: demo users, funds, and a market maker and a taker per symbol
// trading through the public API. Shutdown stops the bots first, then the server (which commits what is queued).

import { networkInterfaces } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import type { Command as Program } from 'commander';
import type { Config } from '../config.js';
import { type DemoMarket, startDemo } from '../demo/demo-market.js';
import { DemoUsersFileError, databaseKey } from '../demo/demo-users.js';
import { ListenAddressInUseError, type RunningServer, startServer } from '../node/server-node.js';
import { SecretsFileError, dataDirOf } from '../auth/secrets-file.js';
import { InputError } from '../replay/errors.js';
import { type BoundAddress, banner, docsLocations, listenUrls } from './banner.js';
import { intOption } from './option-parsers.js';
import { type ServerFlags, configOf } from './server-commands.js';

/** How the banner names this CLI: `node <path as run>`. */
function cliName(): string {
  const script = process.argv[1] ?? 'dist/src/cli/main.js';
  const rel = relative(process.cwd(), script);
  return `node ${rel.startsWith('..') || isAbsolute(rel) ? script : rel}`;
}

async function startDemoOn(srv: RunningServer, config: Config, usersFile: string): Promise<DemoMarket> {
  const adminToken = srv.ctx.secrets.adminToken;
  if (adminToken === null) {
    throw new InputError('--demo creates and funds its users through the admin API: set FILLSTREAM_ADMIN_TOKEN too');
  }
  try {
    return await startDemo({
      baseUrl: srv.url,
      adminToken,
      usersFile,
      databaseKey: databaseKey(config.databaseUrl),
      rateLimits: config.rateLimits,
      log: srv.app.log,
    });
  } catch (e) {
    if (e instanceof DemoUsersFileError) throw new InputError(e.message);
    throw e;
  }
}

export function registerServe(program: Program): void {
  program
    .command('serve')
    .summary('run the exchange server (HTTP API and WebSocket push); --demo adds a live demo market')
    .option('--config <file>', 'JSON configuration file')
    .option('--port <n>', 'listen port', intOption(0))
    .option('--host <host>', 'listen address')
    .option('--db <url>', 'database: sqlite:<path> (default) or postgres://...')
    .option('--dev-auth', 'trust X-User-ID headers (development only; logs a loud warning)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .option('--demo', 'demo users and funds, and a market maker and a random taker per symbol (bots on the public API)')
    .action(async (o: ServerFlags & { demo?: boolean }) => {
      const config = configOf(o);
      let srv: RunningServer;
      try {
        srv = await startServer(config);
      } catch (e) {
        // A secrets file or key that cannot serve the stored data: a clear message, not a stack.
        if (e instanceof SecretsFileError || e instanceof ListenAddressInUseError) throw new InputError(e.message);
        throw e;
      }
      const usersFile = join(dataDirOf(config), 'demo-users.json');
      const demo = o.demo === true ? startDemoOn(srv, config, usersFile) : Promise.resolve(null);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        srv.ctx.engine.removeAllListeners('fatal');
        srv.app.log.info({ signal }, 'shutting down: flushing the last commits');
        const d = await demo.catch(() => null);
        await d?.stop();
        await srv.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
      srv.ctx.engine.on('fatal', () => process.exit(1));

      let market: DemoMarket | null;
      try {
        market = await demo;
      } catch (e) {
        stopping = true;
        await srv.close();
        throw e;
      }
      const bound = srv.app.addresses().filter((a): a is BoundAddress => typeof a === 'object');
      process.stdout.write(
        banner({
          url: srv.url,
          store: srv.ctx.store.kind,
          listening: listenUrls(bound, networkInterfaces()),
          docs: docsLocations(srv.url, srv.routes),
          cli: cliName(),
          demo:
            market === null
              ? null
              : {
                  symbols: config.market.symbols.map((s) => s.name),
                  bots: market.bots,
                  user: { ...market.human, token: market.human.token.token },
                  usersFile,
                },
        }),
      );
    });
}
