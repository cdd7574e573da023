// Server-side CLI: `user create`, `user revoke`, `key revoke`, `deposit` and
// `token` talk to a running server's admin API (or sign a token locally) with
// the admin credential and token secret of the configuration (or the data
// directory's generated secrets.json); `serve` itself is in serve-command.ts.
// Revocations go through the server so that it refuses the credentials (and
// closes their WebSocket connections) at once.

import { join } from 'node:path';
import type { Command as Program } from 'commander';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { issueToken } from '../auth/credentials.js';
import { type SavedSecrets, SecretsFileError, dataDirOf, readSecretsFile } from '../auth/secrets-file.js';
import { InputError } from '../replay/errors.js';
import { intOption } from './option-parsers.js';

export interface ServerFlags {
  config?: string;
  port?: number;
  host?: string;
  db?: string;
  devAuth?: boolean;
  logLevel?: string;
  server?: string;
}

/** THE configuration from the command's flags, the environment and the config file; a bad one exits 2. */
export function configOf(o: ServerFlags): Config {
  const flags: Record<string, unknown> = {};
  if (o.port !== undefined) flags['port'] = o.port;
  if (o.host !== undefined) flags['host'] = o.host;
  if (o.db !== undefined) flags['databaseUrl'] = o.db;
  if (o.devAuth === true) flags['devAuth'] = true;
  if (o.logLevel !== undefined) flags['logLevel'] = o.logLevel;
  try {
    return loadConfig({ flags, env: process.env, ...(o.config !== undefined ? { file: o.config } : {}) });
  } catch (e) {
    if (e instanceof ConfigError) throw new InputError(e.message);
    throw e;
  }
}

function savedSecrets(config: Config): SavedSecrets {
  try {
    return readSecretsFile(join(dataDirOf(config), 'secrets.json'));
  } catch (e) {
    if (e instanceof SecretsFileError) throw new InputError(e.message);
    throw e;
  }
}

function serverUrl(o: ServerFlags, config: Config): string {
  return o.server ?? `http://127.0.0.1:${config.port}`;
}

async function admin(o: ServerFlags, path: string, body: unknown): Promise<Record<string, unknown>> {
  const config = configOf(o);
  const token = config.adminToken ?? savedSecrets(config).adminToken;
  if (token === undefined) throw new InputError('no admin token: set FILLSTREAM_ADMIN_TOKEN (or run the server once)');
  let res: Response;
  try {
    res = await fetch(serverUrl(o, config) + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-admin-token': token },
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new InputError(
      `cannot reach the server at ${serverUrl(o, config)} (${(e as Error).message}); is it running?`,
    );
  }
  const json = (await res.json()) as { code: number; msg: string; data: Record<string, unknown> };
  if (json.code !== 0) throw new InputError(`${path}: ${json.code} ${json.msg}`);
  return json.data;
}

function withServerOptions(cmd: Program): Program {
  return cmd
    .option('--config <file>', 'JSON configuration file')
    .option('--server <url>', 'server base URL (default http://127.0.0.1:<configured port>)');
}

function parseDeposits(text: string): Array<{ asset: string; qty: string }> {
  return text.split(',').map((pair) => {
    const [asset, qty] = pair.split('=');
    if (!asset || !qty) throw new InputError(`--deposit expects ASSET=QTY[,ASSET=QTY...], got "${pair}"`);
    return { asset: asset.trim(), qty: qty.trim() };
  });
}

export function registerServerCommands(program: Program): void {
  const user = program.command('user').summary('manage users of a running server');
  withServerOptions(user.command('create'))
    .summary('create a user; prints its id, API key and secret, and a token')
    .option('--deposit <list>', 'deposits after creation, e.g. BTC=1.5,USDT=100000')
    .action(async (o: ServerFlags & { deposit?: string }) => {
      const deposits = o.deposit !== undefined ? parseDeposits(o.deposit) : [];
      const u = await admin(o, '/api/v1/admin/users', {});
      for (const d of deposits) await admin(o, '/api/v1/admin/deposit', { user_id: u['user_id'], ...d });
      process.stdout.write(
        `user_id     ${String(u['user_id'])}\napi_key     ${String(u['api_key'])}\n` +
          `api_secret  ${String(u['api_secret'])}   (shown once; only its encryption is stored)\n` +
          `token       ${String(u['token'])}\n` +
          (deposits.length > 0 ? `deposited   ${deposits.map((d) => `${d.qty} ${d.asset}`).join(', ')}\n` : ''),
      );
    });

  withServerOptions(user.command('revoke'))
    .summary('revoke a user: all of its API keys and tokens are refused, its WebSocket connections closed')
    .argument('<user_id>', 'user id', intOption(1))
    .action(async (userId: number, o: ServerFlags) => {
      const d = await admin(o, '/api/v1/admin/revoke_user', { user_id: userId });
      process.stdout.write(
        `revoked user ${String(d['user_id'])} (${String(d['api_keys_revoked'])} API keys newly revoked)\n`,
      );
    });

  const key = program.command('key').summary('manage API keys of a running server');
  withServerOptions(key.command('revoke'))
    .summary('revoke an API key: its signatures and the tokens it minted are refused')
    .argument('<api_key>', 'the API key (ak_...)')
    .action(async (apiKey: string, o: ServerFlags) => {
      const d = await admin(o, '/api/v1/admin/revoke_key', { api_key: apiKey });
      process.stdout.write(`revoked API key ${String(d['api_key'])} of user ${String(d['user_id'])}\n`);
    });

  withServerOptions(program.command('deposit'))
    .summary('deposit to a user through a running server')
    .requiredOption('--user <id>', 'user id', intOption(1))
    .requiredOption('--asset <name>', 'asset, e.g. BTC')
    .requiredOption('--qty <decimal>', 'amount, e.g. 1.5')
    .action(async (o: ServerFlags & { user: number; asset: string; qty: string }) => {
      const d = await admin(o, '/api/v1/admin/deposit', { user_id: o.user, asset: o.asset, qty: o.qty });
      process.stdout.write(`deposited ${String(d['qty'])} ${String(d['asset'])} to user ${String(d['user_id'])}\n`);
    });

  program
    .command('token')
    .summary('sign a bearer token for a user with the configured token secret')
    .requiredOption('--user <id>', 'user id', intOption(1))
    .option('--config <file>', 'JSON configuration file')
    .action(async (o: ServerFlags & { user: number }) => {
      const config = configOf(o);
      const secret = config.tokenSecret ?? savedSecrets(config).tokenSecret;
      if (secret === undefined)
        throw new InputError('no token secret: set FILLSTREAM_TOKEN_SECRET (or run the server once)');
      const t = await issueToken(o.user, config.tokenTtlSeconds, secret, Date.now());
      process.stdout.write(`${t.token}\n`);
    });
}
