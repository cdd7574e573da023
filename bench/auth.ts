// bench:auth — what the credential hardening of issue 9 costs per request and in memory, each against a baseline
// measured in the same process, interleaved run by run (the machine is shared and noisy): medians over the runs
// and the ratio.
//
//   npm run bench:auth [-- --runs 7 --ops 200000]
//
// - bearer: authenticate() with a cached token, revocation list of 10,000 users + 10,000 keys, vs. the same call
//   with nothing to check (what the base code did).
// - signed: authenticate() of a signed request with the revocation check and the replay claim vs. the same call
//   with nothing to check (the base code's work). Every request is distinct, as real ones are; the replay cache
//   grows to `--ops` entries (a worst case: real entries expire after ~10 s).
// - throttle: AuthThrottle.check on tables of 100,000 addresses and keys vs. two Map.get on a Map of that size.
// - memory: heap held by a full replay cache (200,000 signatures) and a full throttle (100,000 + 100,000
//   entries), vs. a plain Map<string, number> of the same 200,000 signatures.

import { randomBytes } from 'node:crypto';
import type { ApiKeyRecord } from '../src/adapters/store/store.js';
import {
  type AuthDeps,
  SIGNATURE_WINDOW_MS,
  authenticate,
  encryptSecret,
  issueToken,
  keyIdOf,
  newApiSecret,
  newEncryptionKey,
  signRequest,
  verifySignature,
} from '../src/auth/credentials.js';
import { AuthThrottle } from '../src/auth/throttle.js';
import { ReplayGuard } from '../src/auth/replay-guard.js';
import { exitOnHelp } from './help.js';

exitOnHelp(`bench:auth: what the credential checks cost per request (bearer + revocation, signed + revocation + replay claim,
ban check) and in memory (replay cache, throttle), each against a baseline in the same process, interleaved.

usage: npm run bench:auth [-- --runs 7 --ops 200000]
  --runs N   interleaved runs of each measure (default 7)
  --ops N    calls per run (default 200000)`);

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const RUNS = arg('--runs', 7);
const OPS = arg('--ops', 200_000);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** ns per call of `f(i)` over `n` calls (awaiting each result when it is a promise). */
async function nsPerOp(n: number, f: (i: number) => unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = f(i);
    if (r instanceof Promise) await r;
  }
  return Number(process.hrtime.bigint() - t0) / n;
}

function report(name: string, unit: string, subject: number[], base: number[], baseName: string): void {
  const s = median(subject);
  const b = median(base);
  console.log(
    `${name.padEnd(10)} ${s.toFixed(0).padStart(8)} ${unit}  vs ${baseName} ${b.toFixed(0)} ${unit}: ` +
      `${(s / b).toFixed(2)}x  (runs: ${subject.map((x, i) => (x / (base[i] as number)).toFixed(2)).join(', ')})`,
  );
}

const NOW = Date.now();
const SECRET = 'bench-token-secret-'.padEnd(48, 'x');
const KEY = newEncryptionKey();
const API_SECRET = newApiSecret();
const record: ApiKeyRecord = {
  apiKey: 'ak_bench',
  userId: 1001,
  secretEnc: encryptSecret(API_SECRET, KEY),
  createdAt: 1,
  revoked: false,
};
// The stored secret decrypted once, as the server's lookups are cheap next to it in memory here.
const lookup = async (k: string) => (k === record.apiKey ? record : null);
const decrypt = () => API_SECRET;

const users = new Set<number>(Array.from({ length: 10_000 }, (_, i) => 50_000 + i));
const keys = new Set<string>(Array.from({ length: 10_000 }, (_, i) => keyIdOf(`ak_revoked_${i}`)));
const revocations = { isRevoked: (u: number, k: string | null | undefined) => users.has(u) || keys.has(k ?? '') };
const nothing = { isRevoked: () => false };
const base: Omit<AuthDeps, 'revoked' | 'replay'> = {
  tokenSecret: SECRET,
  devAuth: false,
  lookupApiKey: lookup,
  decryptSecret: decrypt,
};

async function main(): Promise<void> {
  console.log(`bench:auth: ${RUNS} runs x ${OPS.toLocaleString('en-US')} operations, node ${process.version}`);
  const { token } = await issueToken(1001, 3600, SECRET, NOW, keyIdOf(record.apiKey));
  const bearerReq = { headers: { authorization: `Bearer ${token}` }, method: 'GET', pathWithQuery: '/x', body: '' };
  const signedReqs = Array.from({ length: OPS }, (_, i) => {
    const ts = String(NOW);
    const path = `/api/v1/balances?i=${i}`;
    const signature = signRequest(API_SECRET, ts, 'GET', path, '');
    return { apiKey: record.apiKey, timestamp: ts, signature, method: 'GET', pathWithQuery: path, body: '' };
  });
  const throttle = new AuthThrottle({ maxFailures: 1_000_000, failureWindowMs: 60_000, banMs: 60_000 }, 100_000);
  const ips: string[] = [];
  const apiKeys: string[] = [];
  const plain = new Map<string, number>();
  for (let i = 0; i < 100_000; i++) {
    ips.push(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    apiKeys.push(`ak_${i.toString(16).padStart(32, '0')}`);
    throttle.fail(ips[i] as string, apiKeys[i], NOW);
    plain.set(ips[i] as string, i);
    plain.set(apiKeys[i] as string, i);
  }

  const bearer: number[] = [];
  const bearerBase: number[] = [];
  const signed: number[] = [];
  const signedBase: number[] = [];
  const hmac: number[] = [];
  const check: number[] = [];
  const checkBase: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const withRevocations = { ...base, revoked: revocations, replay: new ReplayGuard(SIGNATURE_WINDOW_MS, OPS + 1) };
    const without = { ...base, revoked: nothing, replay: { claim: () => 'ok' as const } };
    await authenticate(bearerReq, withRevocations, NOW); // warms the verified-token cache
    // Baseline first on even runs, second on odd ones, so that warm-up and drift hit both sides.
    const pair = async (a: () => Promise<void>, b: () => Promise<void>) => {
      if (run % 2 === 0) await a().then(b);
      else await b().then(a);
    };
    await pair(
      async () => void bearerBase.push(await nsPerOp(OPS, () => authenticate(bearerReq, without, NOW))),
      async () => void bearer.push(await nsPerOp(OPS, () => authenticate(bearerReq, withRevocations, NOW))),
    );
    const signedAuth = (deps: AuthDeps) => (i: number) => {
      const r = signedReqs[i]!;
      const headers = { 'x-api-key': r.apiKey, 'x-timestamp': r.timestamp, 'x-signature': r.signature };
      return authenticate({ headers, method: r.method, pathWithQuery: r.pathWithQuery, body: '' }, deps, NOW);
    };
    await pair(
      async () => void signedBase.push(await nsPerOp(OPS, signedAuth(without))),
      async () => void signed.push(await nsPerOp(OPS, signedAuth(withRevocations))),
    );
    hmac.push(await nsPerOp(OPS, (i) => verifySignature(signedReqs[i]!, lookup, decrypt, NOW)));
    let sink = 0;
    await pair(
      async () =>
        void checkBase.push(
          await nsPerOp(OPS, (i) => {
            sink += (plain.get(ips[i % 100_000]!) ?? 0) + (plain.get(apiKeys[(i * 7) % 100_000]!) ?? 0);
          }),
        ),
      async () =>
        void check.push(await nsPerOp(OPS, (i) => throttle.check(ips[i % 100_000]!, apiKeys[(i * 7) % 100_000], NOW))),
    );
    if (sink < 0) console.log(sink);
  }
  report('bearer', 'ns', bearer, bearerBase, 'no revocation check');
  report('signed', 'ns', signed, signedBase, 'no revocation or replay check');
  console.log(`           (verifySignature alone, the HMAC and key lookup: ${median(hmac).toFixed(0)} ns)`);
  report('throttle', 'ns', check, checkBase, '2 x Map.get');

  const heap = (build: () => unknown): number => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const held = build();
    gc();
    const after = process.memoryUsage().heapUsed;
    if (held === null) console.log('');
    return after - before;
  };
  const sigs = Array.from({ length: 200_000 }, () => randomBytes(32).toString('hex'));
  const guardBytes: number[] = [];
  const mapBytes: number[] = [];
  const throttleBytes: number[] = [];
  for (let run = 0; run < Math.min(RUNS, 3); run++) {
    mapBytes.push(heap(() => new Map(sigs.map((s) => [s.toUpperCase().toLowerCase(), NOW] as const))));
    guardBytes.push(
      heap(() => {
        const g = new ReplayGuard(SIGNATURE_WINDOW_MS, 200_000);
        for (const s of sigs) g.claim(s.toUpperCase(), NOW, NOW);
        return g;
      }),
    );
    throttleBytes.push(
      heap(() => {
        const t = new AuthThrottle({ maxFailures: 1_000_000, failureWindowMs: 60_000, banMs: 60_000 }, 100_000);
        for (let i = 0; i < 100_000; i++) t.fail(`${ips[i]}x`, `${apiKeys[i]}x`, NOW);
        return t;
      }),
    );
  }
  const mb = (b: number[]) => `${(median(b) / 1048576).toFixed(1)} MiB`;
  console.log(
    `memory     replay cache of 200,000 signatures ${mb(guardBytes)} (${(median(guardBytes) / 200_000).toFixed(0)} B each)` +
      ` vs Map of the same ${mb(mapBytes)}: ${(median(guardBytes) / median(mapBytes)).toFixed(2)}x;` +
      ` throttle of 100,000 addresses + 100,000 keys ${mb(throttleBytes)}`,
  );
}

await main();
