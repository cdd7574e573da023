// The cluster roles: `fillstream engine` (sequencer, core, settlement, writing store; commands from NATS) and
// `fillstream gateway` (HTTP API, /ws, queries; the engine over NATS). Both need PostgreSQL and a NATS URL; a
// gateway also needs the secrets every gateway must share. A role started without them exits 2 with what to set.

import type { Command as Program } from 'commander';
import { pino } from 'pino';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { PINO_REDACT } from '../auth/credentials.js';
import { SecretsFileError } from '../auth/secrets-file.js';
import { startEngineNode } from '../node/engine-node.js';
import { startGatewayNode } from '../node/gateway-node.js';
import { type ClusterRole, RoleConfigError, checkRole } from '../node/role-requirements.js';
import { InputError } from '../replay/errors.js';
import { intOption } from './option-parsers.js';

interface RoleFlags {
  config?: string;
  port?: number;
  host?: string;
  db?: string;
  nats?: string;
  prefix?: string;
  devAuth?: boolean;
  logLevel?: string;
}

function roleConfig(role: ClusterRole, o: RoleFlags): Config {
  const flags: Record<string, unknown> = {};
  if (o.port !== undefined) flags['port'] = o.port;
  if (o.host !== undefined) flags['host'] = o.host;
  if (o.db !== undefined) flags['databaseUrl'] = o.db;
  if (o.nats !== undefined) flags['natsUrl'] = o.nats;
  if (o.prefix !== undefined) flags['cluster.prefix'] = o.prefix;
  if (o.devAuth === true) flags['devAuth'] = true;
  if (o.logLevel !== undefined) flags['logLevel'] = o.logLevel;
  try {
    const config = loadConfig({ flags, env: process.env, ...(o.config !== undefined ? { file: o.config } : {}) });
    checkRole(role, config);
    return config;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof RoleConfigError) throw new InputError(e.message);
    throw e;
  }
}

function onSignals(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const once = (signal: string) => {
    if (stopping) return;
    stopping = true;
    void stop(signal).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => once('SIGTERM'));
  process.on('SIGINT', () => once('SIGINT'));
}

const common = (cmd: Program): Program =>
  cmd
    .option('--config <file>', 'JSON configuration file')
    .option('--db <url>', 'PostgreSQL: postgres://user@host:5432/db')
    .option('--nats <url>', 'NATS server: nats://host:4222')
    .option('--prefix <name>', 'prefix of the cluster subjects and stream (default fillstream)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent');

export function registerClusterCommands(program: Program): void {
  common(
    program
      .command('engine')
      .summary('cluster role: the engine (sequencer, core, settlement, writing store); commands from NATS'),
  ).action(async (o: RoleFlags) => {
    const config = roleConfig('engine', o);
    const log = pino({ level: config.logLevel, redact: PINO_REDACT });
    const node = await startEngineNode(config, log);
    node.server.on('fatal', (error) => {
      log.fatal({ error }, 'engine stopped');
      process.exit(1);
    });
    // Whatever it would commit now is fenced off anyway: stop at once, a standby (or a restart) takes over.
    // Except the lease's own 'stopped' during a shutdown: the engine has committed what it took, and the key is
    // being given back so that a standby takes over at once (exiting here would leave it to expire).
    let shuttingDown = false;
    node.lease.on('lost', (reason) => {
      if (shuttingDown && reason === 'stopped') return;
      log.fatal({ reason, epoch: node.leaderEpoch }, 'engine lost the leader lease: stepping down');
      process.exit(1);
    });
    onSignals(async (signal) => {
      shuttingDown = true;
      log.info({ signal }, 'engine shutting down: committing what it took');
      await node.close();
    });
    process.stdout.write(
      `fillstream engine ready (epoch ${node.server.epoch}, leader epoch ${node.leaderEpoch}, prefix ${config.cluster.prefix})\n`,
    );
  });
  common(
    program
      .command('gateway')
      .summary('cluster role: a gateway (HTTP API, /ws, queries from PostgreSQL); the engine over NATS')
      .option('--port <n>', 'listen port', intOption(0))
      .option('--host <host>', 'listen address')
      .option('--dev-auth', 'trust X-User-ID headers (development only; logs a loud warning)'),
  ).action(async (o: RoleFlags) => {
    const config = roleConfig('gateway', o);
    let srv;
    try {
      srv = await startGatewayNode(config);
    } catch (e) {
      if (e instanceof SecretsFileError) throw new InputError(e.message);
      throw e;
    }
    const running = srv;
    running.ctx.engine.on('fatal', () => process.exit(1));
    onSignals(async (signal) => {
      running.app.log.info({ signal }, 'gateway shutting down');
      await running.close();
    });
    process.stdout.write(`fillstream gateway listening on ${running.url} (prefix ${config.cluster.prefix})\n`);
  });
}
