// The demo users and the file that remembers them (<data dir>/demo-users.json, mode 600): per database, each role's
// user id, API key and API secret, so that every start on the same database signs in as the same users instead of
// creating new ones. A saved user is recognised by signing in with its key through the public API; one the server
// refuses (another database, a revoked user) is replaced by a new user made through the admin API. The file holds
// API secrets in clear, like secrets.json beside it holds the server's: it is for a demo, never for production.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ApiClientError, type RestClient } from '../client/index.js';
import { type DemoCredentials, type IssuedToken, signIn } from './bot-session.js';

interface SavedUser {
  readonly user_id: number;
  readonly api_key: string;
  readonly api_secret: string;
}

interface DemoUsersFile {
  readonly version: 1;
  /** Database key -> role -> user. */
  readonly databases: Record<string, Record<string, SavedUser>>;
}

/** A file that is not ours: start-up stops with this message instead of overwriting it. */
export class DemoUsersFileError extends Error {
  readonly exitCode = 2;
}

/** Names a database without its password: a SQLite file by its absolute path, PostgreSQL by its URL. */
export function databaseKey(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return `sqlite:${resolve(databaseUrl.slice('sqlite:'.length))}`;
  try {
    const u = new URL(databaseUrl);
    u.password = '';
    return u.toString();
  } catch {
    return databaseUrl.replace(/:\/\/([^:@/]*):[^@/]*@/, '://$1@');
  }
}

const isUser = (v: unknown): v is SavedUser => {
  const u = v as Partial<SavedUser> | null;
  return (
    typeof u === 'object' &&
    u !== null &&
    Number.isSafeInteger(u.user_id) &&
    typeof u.api_key === 'string' &&
    typeof u.api_secret === 'string'
  );
};

export function readDemoUsersFile(file: string): DemoUsersFile {
  if (!existsSync(file)) return { version: 1, databases: {} };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DemoUsersFileError(
      `demo users file ${file}: cannot read it (${(e as Error).message}); delete it to start over`,
    );
  }
  const f = json as Partial<DemoUsersFile> | null;
  const ok =
    typeof f === 'object' &&
    f !== null &&
    f.version === 1 &&
    typeof f.databases === 'object' &&
    f.databases !== null &&
    Object.values(f.databases).every((roles) => typeof roles === 'object' && Object.values(roles).every(isUser));
  if (!ok) throw new DemoUsersFileError(`demo users file ${file}: not a file of this version; delete it to start over`);
  return f as DemoUsersFile;
}

/** Writes atomically (temporary file, fsync, rename) with mode 600. */
function writeDemoUsersFile(file: string, content: DemoUsersFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(file), `.demo-users.json.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(content, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export interface DemoUser extends DemoCredentials {
  readonly role: string;
  /** True when this start created the user (it has no funds yet). */
  readonly created: boolean;
  /** A token from signing in (or from creating the user). */
  readonly token: IssuedToken;
}

/**
 * The users of `roles` on the database `dbKey`: the saved ones the server accepts, new ones (admin API) for the
 * others; the file is rewritten when a user was created.
 */
export async function ensureDemoUsers(
  baseUrl: string,
  admin: RestClient,
  file: string,
  dbKey: string,
  roles: readonly string[],
): Promise<Map<string, DemoUser>> {
  const content = readDemoUsersFile(file);
  const saved = { ...(content.databases[dbKey] ?? {}) };
  const out = new Map<string, DemoUser>();
  let changed = false;
  for (const role of roles) {
    const s = saved[role];
    if (s !== undefined) {
      const creds = { userId: s.user_id, apiKey: s.api_key, apiSecret: s.api_secret };
      try {
        out.set(role, { ...creds, role, created: false, token: await signIn(baseUrl, creds) });
        continue;
      } catch (e) {
        // Refused: not a user of this database (or revoked); anything else (server down...) stops the demo.
        if (!(e instanceof ApiClientError) || e.code !== 2002) throw e;
      }
    }
    const u = await admin.createUser();
    saved[role] = { user_id: u.user_id, api_key: u.api_key, api_secret: u.api_secret };
    out.set(role, {
      userId: u.user_id,
      apiKey: u.api_key,
      apiSecret: u.api_secret,
      role,
      created: true,
      token: { token: u.token, expiresAt: u.token_expires_at },
    });
    changed = true;
  }
  if (changed) writeDemoUsersFile(file, { version: 1, databases: { ...content.databases, [dbKey]: saved } });
  return out;
}
