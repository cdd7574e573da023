// The audit log: one structured line per failed authentication (HTTP and WebSocket), per ban that failures start,
// and per admin or revocation action with its outcome. Who (user id when known, API key prefix), what (channel,
// method, route, code, reason), from where (ip); HTTP lines carry the request id (Fastify's request logger binds
// reqId), WebSocket lines the connection id. Every line has `audit` set, so `jq 'select(.audit)'` finds them.
//
// Never a secret: these functions take no token, signature, API secret or admin token, and an API key is logged
// only as its first 11 characters ("ak_" + 8 hex digits: enough to tell keys apart, not to use one).

export interface AuditLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export type AuditChannel = 'http' | 'ws';

/** The loggable prefix of a presented API key (characters outside [A-Za-z0-9_-] shown as "?"), or null. */
export function keyPrefix(apiKey: string | null | undefined): string | null {
  if (apiKey === null || apiKey === undefined || apiKey === '') return null;
  return apiKey.slice(0, 11).replace(/[^A-Za-z0-9_-]/g, '?');
}

export interface AuthFailure {
  readonly channel: AuditChannel;
  readonly method: string;
  readonly route: string;
  readonly code: number;
  readonly reason: string;
  readonly ip: string;
  readonly userId?: number | null | undefined;
  readonly apiKey?: string | null | undefined;
  readonly conn?: number | undefined;
}

/** A refused credential. */
export function auditAuthFailure(log: Pick<AuditLogger, 'warn'>, f: AuthFailure): void {
  log.warn(
    {
      audit: 'auth.failure',
      channel: f.channel,
      method: f.method,
      route: f.route,
      code: f.code,
      reason: f.reason,
      ip: f.ip,
      user_id: f.userId ?? null,
      key_prefix: keyPrefix(f.apiKey),
      ...(f.conn !== undefined ? { conn: f.conn } : {}),
    },
    'authentication failed',
  );
}

/** A ban the last failure started (the refused attempts during it are counted in a metric, not logged one by one). */
export function auditBan(
  log: Pick<AuditLogger, 'warn'>,
  b: { channel: AuditChannel; scope: 'ip' | 'api_key'; ip: string; apiKey?: string | undefined; until: number },
): void {
  log.warn(
    {
      audit: 'auth.ban',
      channel: b.channel,
      scope: b.scope,
      ip: b.ip,
      key_prefix: b.scope === 'api_key' ? keyPrefix(b.apiKey) : null,
      until: b.until,
    },
    'too many failed authentications: banned',
  );
}

export interface ActionRecord {
  /** e.g. "admin.deposit", "admin.revoke_key", "user.revoke_key" */
  readonly action: string;
  readonly outcome: 'ok' | 'refused' | 'error';
  readonly ip: string;
  /** The acting user (user routes); admin actions act with the admin credential. */
  readonly actor: 'admin' | number;
  readonly code?: number | undefined;
  readonly reason?: string | undefined;
  /** What it acted on: user id, key prefix, asset and amount, counts; never a credential. */
  readonly target?: Readonly<Record<string, string | number | boolean | null>> | undefined;
}

/** An admin or revocation action and how it ended. */
export function auditAction(log: AuditLogger, a: ActionRecord): void {
  log.info(
    {
      audit: 'action',
      action: a.action,
      outcome: a.outcome,
      actor: a.actor,
      ip: a.ip,
      ...(a.code !== undefined ? { code: a.code } : {}),
      ...(a.reason !== undefined ? { reason: a.reason } : {}),
      ...(a.target !== undefined ? { target: a.target } : {}),
    },
    `${a.action}: ${a.outcome}`,
  );
}
