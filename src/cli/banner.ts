// The start banner of `fillstream serve`: the addresses the server really listens on (every interface's when it is
// bound to all of them), the console, WebSocket and docs locations, then either first commands or, with --demo, the
// demo user's credentials (printed on purpose: they are demo credentials; the logs never carry them).

import type { NetworkInterfaceInfo } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BoundAddress {
  readonly address: string;
  readonly family: string;
  readonly port: number;
}

const host = (address: string, family: string) => (family === 'IPv6' ? `[${address}]` : address);
const isLinkLocal = (i: NetworkInterfaceInfo) => i.family === 'IPv6' && /^fe[89ab]/i.test(i.address);

/**
 * Base URLs a client can use, loopback first: each bound address, and for a wildcard bind (0.0.0.0, ::) every
 * interface address it covers (:: covers IPv4 too; IPv6 link-local addresses are left out).
 */
export function listenUrls(
  bound: readonly BoundAddress[],
  interfaces: Readonly<Record<string, NetworkInterfaceInfo[] | undefined>>,
): string[] {
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  const urls: Array<{ url: string; internal: boolean }> = [];
  for (const b of bound) {
    const wildcard = b.address === '0.0.0.0' || b.address === '::';
    if (!wildcard) {
      urls.push({ url: `http://${host(b.address, b.family)}:${b.port}`, internal: /^(127\.|::1$)/.test(b.address) });
      continue;
    }
    for (const i of all) {
      if ((b.address === '0.0.0.0' && i.family !== 'IPv4') || isLinkLocal(i)) continue;
      urls.push({ url: `http://${host(i.address, i.family)}:${b.port}`, internal: i.internal });
    }
  }
  const unique = [...new Map(urls.map((u) => [u.url, u])).values()];
  return [...unique.filter((u) => u.internal), ...unique.filter((u) => !u.internal)].map((u) => u.url);
}

/** Where the docs are: the served page when the gateway has one, else the files of this package. */
export function docsLocations(base: string, routes: ReadonlyArray<{ method: string; url: string }>): string {
  if (routes.some((r) => r.method === 'GET' && r.url === '/docs')) return `${base}/docs`;
  const file = (name: string) => {
    const abs = fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));
    const rel = relative(process.cwd(), abs);
    return rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
  };
  return `${file('api.md')} (HTTP API), ${file('ws-protocol.md')} (WebSocket push)`;
}

export interface BannerInput {
  /** The URL the CLI and the demo use (loopback for a wildcard bind). */
  readonly url: string;
  readonly store: string;
  readonly listening: readonly string[];
  readonly docs: string;
  readonly cli: string;
  readonly demo: DemoBanner | null;
}

export interface DemoBanner {
  readonly symbols: readonly string[];
  readonly bots: ReadonlyArray<{ role: string; symbol: string; userId: number }>;
  readonly user: { userId: number; apiKey: string; apiSecret: string; token: string };
  readonly usersFile: string;
}

export function banner(b: BannerInput): string {
  const lines = [
    '',
    `fillstream is listening on ${b.url} (database: ${b.store})`,
    `  addresses:   ${b.listening.join('  ')}`,
    `  console:     ${b.url}/`,
    `  WebSocket:   ${b.url.replace(/^http/, 'ws')}/ws`,
    `  docs:        ${b.docs}`,
  ];
  const d = b.demo;
  if (d === null) {
    lines.push(
      `  create a user:   ${b.cli} user create --deposit BTC=1.5,USDT=100000`,
      `  get a token:     ${b.cli} token --user <user_id>`,
      `  try:             curl -H "Authorization: Bearer <token>" ${b.url}/api/v1/balances`,
    );
  } else {
    lines.push(
      '',
      `demo market on ${d.symbols.join(', ')}: a market maker and a random taker per symbol, both bots, trade`,
      'through the public API while this server runs:',
      ...d.bots.map((x) => `  ${x.role.padEnd(5)} ${x.symbol.padEnd(12)} user ${x.userId}`),
      'sign in as the demo user (demo credentials, printed on purpose; never logged):',
      `  user_id     ${d.user.userId}`,
      `  api_key     ${d.user.apiKey}`,
      `  api_secret  ${d.user.apiSecret}`,
      `  token       ${d.user.token}`,
      `  a new token: ${b.cli} token --user ${d.user.userId}   (the demo users are kept in ${d.usersFile})`,
      `  try:         curl -H "Authorization: Bearer <token>" ${b.url}/api/v1/balances`,
    );
  }
  return lines.join('\n') + '\n\n';
}
