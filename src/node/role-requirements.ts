// What each cluster role needs before it starts, checked at once so a misconfigured node stops with a message that
// says what to set instead of failing later (or, worse, running with secrets no other node shares).

import type { Config } from '../config.js';
import { parseStoreUrl } from '../adapters/store/index.js';

export type ClusterRole = 'engine' | 'gateway';

export class RoleConfigError extends Error {
  readonly exitCode = 2;
}

/** Every missing requirement of the role, in one message; nothing when it may start. */
export function roleProblems(role: ClusterRole, config: Config): string[] {
  const problems: string[] = [];
  if (config.natsUrl === null) problems.push('no broker: set --nats nats://host:4222 or FILLSTREAM_NATS_URL');
  let driver: string;
  try {
    driver = parseStoreUrl(config.databaseUrl).driver;
  } catch {
    driver = 'unknown';
  }
  if (driver !== 'postgres') {
    problems.push(
      `the ${role} role needs PostgreSQL (every node reads the same database; SQLite is one process's file): ` +
        'set --db postgres://user@host:5432/db or DATABASE_URL',
    );
  }
  if (role === 'gateway') {
    // A generated secret would differ on every gateway: a token from one would not verify on another.
    if (config.tokenSecret === null) problems.push('set FILLSTREAM_TOKEN_SECRET (the same on every gateway)');
    if (config.encryptionKey === null) problems.push('set FILLSTREAM_ENCRYPTION_KEY (the same on every gateway)');
    if (config.adminToken === null) problems.push('set FILLSTREAM_ADMIN_TOKEN (the same on every gateway)');
  }
  return problems;
}

export function checkRole(role: ClusterRole, config: Config): void {
  const problems = roleProblems(role, config);
  if (problems.length > 0) throw new RoleConfigError(`cannot start the ${role} role: ${problems.join('; ')}`);
}
