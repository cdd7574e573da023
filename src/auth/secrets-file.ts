// The generated-secrets file (<data dir>/secrets.json): secrets a demo set-up did not configure are generated
// once and kept there so tokens and API keys survive restarts. The file is written only when something new was
// generated, atomically (a temporary file in the same directory, fsynced, then renamed over), with mode 600; a
// file that cannot be read as ours stops start-up with a message naming it, instead of being regenerated over
// (which would make every stored API secret unreadable). Values are never logged.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { ApiKeyRecord } from '../adapters/store/store.js';
import { parseStoreUrl } from '../adapters/store/index.js';
import { type Config, ENCRYPTION_KEY_PATTERN } from '../config.js';
import { type Secrets, decryptSecret, newEncryptionKey, newTokenSecret } from './credentials.js';

export const SECRET_NAMES = ['tokenSecret', 'encryptionKey', 'adminToken'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
export type SavedSecrets = Partial<Record<SecretName, string>>;

/** Directory for files the server keeps beside its data (the SQLite file's folder, else ./data). */
export function dataDirOf(config: Config): string {
  try {
    const t = parseStoreUrl(config.databaseUrl);
    if (t.driver === 'sqlite' && t.path !== ':memory:') return dirname(t.path);
  } catch {
    // openStore reports a bad URL with its own message.
  }
  return 'data';
}

/** A secrets file that cannot be used: start-up stops with this message (exit code 2, like a bad setting). */
export class SecretsFileError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'SecretsFileError';
  }
}

const VALID: Readonly<Record<SecretName, (v: string) => boolean>> = {
  tokenSecret: (v) => v.length >= 32 && v.length <= 512,
  encryptionKey: (v) => ENCRYPTION_KEY_PATTERN.test(v),
  adminToken: (v) => v.length >= 16 && v.length <= 512,
};

/** The saved secrets, {} when the file does not exist; throws SecretsFileError when it is not a valid file. */
export function readSecretsFile(file: string): SavedSecrets {
  if (!existsSync(file)) return {};
  const fix = `repair or restore it from a backup (deleting it makes the stored API secrets unreadable)`;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? 'not valid JSON';
    throw new SecretsFileError(`secrets file ${file}: cannot read it (${why}); ${fix}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SecretsFileError(`secrets file ${file}: expected a JSON object; ${fix}`);
  }
  const out: SavedSecrets = {};
  for (const [k, v] of Object.entries(json)) {
    if (!(SECRET_NAMES as readonly string[]).includes(k)) {
      throw new SecretsFileError(`secrets file ${file}: unknown entry "${k}" (known: ${SECRET_NAMES.join(', ')})`);
    }
    if (typeof v !== 'string' || !VALID[k as SecretName](v)) {
      throw new SecretsFileError(`secrets file ${file}: "${k}" is not a valid value; ${fix}`);
    }
    out[k as SecretName] = v;
  }
  return out;
}

/** Writes the file atomically with mode 600 (its directory 700 when created). */
export function writeSecretsFile(file: string, secrets: SavedSecrets): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.secrets.json.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(secrets, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  // The rename itself must survive a power cut too.
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

// ---- resolving the secrets a server runs with ----

export interface ResolvedSecrets {
  readonly secrets: Secrets;
  /** The generated-secrets file in use, or null when every secret came from the configuration. */
  readonly file: string | null;
}

/**
 * The server's secrets: each from the configuration when set, else from the secrets file, else generated and
 * saved there. `storedKey` is one API key of the database (or null): when the encryption key would have to be
 * generated although API secrets are stored, or when the key in force does not decrypt a stored secret, start-up
 * stops (SecretsFileError) instead of serving 500s on every signed request.
 */
export function resolveSecrets(
  config: Config,
  log: Pick<Logger, 'warn'>,
  storedKey: ApiKeyRecord | null,
): ResolvedSecrets {
  const configured: SavedSecrets = {};
  for (const name of SECRET_NAMES) {
    const v = config[name];
    if (v !== null) configured[name] = v;
  }
  let file: string | null = null;
  let saved: SavedSecrets = {};
  if (configured.tokenSecret === undefined || configured.encryptionKey === undefined) {
    file = join(dataDirOf(config), 'secrets.json');
    saved = readSecretsFile(file);
    const generated: SecretName[] = [];
    const next: SavedSecrets = { ...saved };
    for (const name of SECRET_NAMES) {
      if (configured[name] !== undefined || saved[name] !== undefined) continue;
      if (name === 'encryptionKey' && storedKey !== null) {
        throw new SecretsFileError(
          `no encryption key: FILLSTREAM_ENCRYPTION_KEY is not set and ${file} holds none, but the database ` +
            'holds API secrets encrypted with one; restore the file or set FILLSTREAM_ENCRYPTION_KEY',
        );
      }
      next[name] = name === 'encryptionKey' ? newEncryptionKey() : newTokenSecret();
      generated.push(name);
    }
    if (generated.length > 0) writeSecretsFile(file, next);
    saved = next;
    log.warn(
      { file, generated },
      'secrets not configured: using generated ones kept in this file (set FILLSTREAM_* in production)',
    );
  }
  const secrets: Secrets = {
    tokenSecret: (configured.tokenSecret ?? saved.tokenSecret) as string,
    encryptionKey: (configured.encryptionKey ?? saved.encryptionKey) as string,
    adminToken: configured.adminToken ?? (file === null ? null : (saved.adminToken ?? null)),
  };
  if (storedKey !== null) {
    try {
      decryptSecret(storedKey.secretEnc, secrets.encryptionKey);
    } catch {
      const from = configured.encryptionKey !== undefined ? 'FILLSTREAM_ENCRYPTION_KEY' : `the key in ${file}`;
      throw new SecretsFileError(
        `${from} does not decrypt the API secrets stored in the database: it is not the key they were ` +
          'encrypted with; configure that key (or restore its secrets file)',
      );
    }
  }
  return { secrets, file };
}
