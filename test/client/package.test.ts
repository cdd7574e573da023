// The client as an installed package: `npm pack` of packages/client, unpacked into a temp app's node_modules (no
// network), imported from plain Node ESM; its files import nothing but each other and `ws`; the browser path
// (`ws` swapped for browser-ws.js as the `browser` field says, the platform WebSocket, Buffer unused) talks to a real
// server; and examples/quickstart.ts, run as a child process against a real server, prints its order and pushes.
// The README's Client block is the example file.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Lab, type TestServer } from '../http/harness.js';

const root = process.cwd();
const pkgDir = join(root, 'packages', 'client');
const work = mkdtempSync(join(tmpdir(), 'fs-client-pkg-'));
const lab = new Lab('sqlite');
let s: TestServer;
let tarball: string;
let files: string[];

/** A temp app with the unpacked package in node_modules and `ws` as given. */
function app(name: string, ws: (dir: string) => void): string {
  const dir = join(work, name);
  const installed = join(dir, 'node_modules', '@fillstream', 'client');
  mkdirSync(installed, { recursive: true });
  const r = spawnSync('tar', ['xzf', tarball, '-C', installed, '--strip-components=1']);
  assert.equal(r.status, 0, r.stderr.toString());
  ws(join(dir, 'node_modules', 'ws'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  return dir;
}

/** Runs `node args` in `cwd`; its stdout once it exits (fails on a non-zero exit). */
function run(cwd: string, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`node ${args.join(' ')} exited ${code}\n${out}\n${err}`));
    });
  });
}

before(async () => {
  const r = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--offline', '--pack-destination', work], {
    cwd: pkgDir,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, info[0]!.filename);
  files = info[0]!.files.map((f) => f.path).sort();
  s = await lab.start();
});
after(async () => {
  await lab.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the built ESM, its declarations, package.json and README, and no sources', () => {
  assert.ok(files.includes('package.json') && files.includes('README.md'), files.join(', '));
  const js = files.filter((f) => f.endsWith('.js'));
  assert.ok(js.includes('dist/index.js') && js.includes('dist/ws-client.js') && js.includes('dist/browser-ws.js'));
  for (const f of js) assert.ok(files.includes(f.replace(/\.js$/, '.d.ts')), `${f} has declarations`);
  assert.deepEqual(
    files.filter((f) => !/^dist\/[a-z0-9-]+\.(js|d\.ts)$/.test(f) && f !== 'package.json' && f !== 'README.md'),
    [],
  );
  // Every source file of src/client is in the package.
  const sources = readdirSync(join(root, 'src', 'client')).filter((f) => f.endsWith('.ts'));
  for (const f of sources) assert.ok(files.includes(`dist/${f.replace(/\.ts$/, '.js')}`), f);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(pkg.type, 'module');
  assert.deepEqual(Object.keys(pkg.dependencies as object), ['ws']);
  assert.deepEqual(Object.keys(pkg.peerDependencies as object), ['@types/ws']);
  assert.deepEqual(pkg.browser, { ws: './dist/browser-ws.js' });
});

test('the package imports only its own files and ws: no node: module, nothing of the server', () => {
  const dist = join(pkgDir, 'dist');
  for (const f of readdirSync(dist).filter((n) => n.endsWith('.js'))) {
    const text = readFileSync(join(dist, f), 'utf8');
    const specs = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1] as string);
    specs.push(...[...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] as string));
    for (const spec of specs) {
      assert.ok(/^\.\/[a-z0-9-]+\.js$/.test(spec) || spec === 'ws', `${f} imports ${spec}`);
    }
  }
});

test('installed from the tarball, it imports from plain Node ESM and signs like the server', async () => {
  const dir = app('plain', (ws) => symlinkSync(join(root, 'node_modules', 'ws'), ws, 'dir'));
  writeFileSync(
    join(dir, 'check.mjs'),
    `import * as c from '@fillstream/client';
const sig = await c.signRequest('s3cret', '1702944000000', 'GET', '/api/v1/balances', '');
const rest = new c.RestClient({ baseUrl: process.argv[2] });
const symbols = await rest.symbols();
console.log(JSON.stringify({ exports: Object.keys(c).sort(), sig, symbol: symbols.symbols[0].symbol, code: c.ErrorCode.BAD_CREDENTIALS }));
`,
  );
  const out = JSON.parse(await run(dir, ['check.mjs', s.url])) as Record<string, unknown>;
  const { signRequest } = await import('../../src/auth/credentials.js');
  assert.equal(out.sig, signRequest('s3cret', '1702944000000', 'GET', '/api/v1/balances', ''));
  assert.equal(out.symbol, 'BTC_USDT');
  assert.equal(out.code, 2002);
  for (const name of [
    'RestClient',
    'PushClient',
    'TokenSource',
    'LocalDepthBook',
    'decodeServerMessage',
    'ErrorCode',
  ]) {
    assert.ok((out.exports as string[]).includes(name), name);
  }
});

test('its declarations type-check a TypeScript consumer (and refuse a number where a decimal string goes)', async () => {
  const dir = app('typed', (ws) => symlinkSync(join(root, 'node_modules', 'ws'), ws, 'dir'));
  mkdirSync(join(dir, 'node_modules', '@types'));
  for (const t of ['node', 'ws']) {
    symlinkSync(join(root, 'node_modules', '@types', t), join(dir, 'node_modules', '@types', t), 'dir');
  }
  writeFileSync(
    join(dir, 'consumer.ts'),
    `import { ErrorCode, PushClient, RestClient, type CreateOrderRequest, type ServerMessage } from '@fillstream/client';
const rest = new RestClient({ baseUrl: 'http://127.0.0.1:1', apiKey: { apiKey: 'k', apiSecret: 's' } });
const req: CreateOrderRequest = { symbol: 'BTC_USDT', side: 'BUY', order_type: 'LIMIT', price: '1.00', qty: '1' };
export const id: Promise<number> = rest.createOrder(req).then((r) => r.order_id);
export const kind = (m: ServerMessage): string => (m.type === 'trade' ? m.data.fee_asset : m.type);
export const code: 2002 = ErrorCode.BAD_CREDENTIALS;
export const push = new PushClient({ url: 'ws://127.0.0.1:1/ws', autoConnect: false, wsOptions: { handshakeTimeout: 1 } });
// @ts-expect-error: prices are decimal strings, never numbers
export const bad: CreateOrderRequest = { ...req, price: 1 };
`,
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
  await run(dir, [...args, '--target', 'es2022', '--types', 'node', 'consumer.ts'], 120_000);
});

test('the browser path (ws -> browser-ws.js, platform WebSocket, Buffer unused) subscribes and authenticates', async () => {
  // What a bundler does with the `browser` field: `ws` resolves to the package's browser-ws.js.
  const dir = app('browser', (ws) => {
    mkdirSync(ws);
    writeFileSync(join(ws, 'package.json'), JSON.stringify({ name: 'ws', type: 'module', main: 'index.js' }));
    writeFileSync(join(ws, 'index.js'), "export { default } from '../@fillstream/client/dist/browser-ws.js';\n");
  });
  const u = await s.fundedUser({ USDT: '1000' });
  writeFileSync(
    join(dir, 'browser.mjs'),
    `// Node's own fetch and WebSocket need Buffer; a browser has none: record any use of it by the package's code.
const NodeBuffer = globalThis.Buffer;
const bufferUses = [];
Object.defineProperty(globalThis, 'Buffer', {
  get() {
    const caller = new Error().stack.split('\\n')[2] ?? '';
    if (caller.includes('@fillstream/client')) bufferUses.push(caller.trim());
    return NodeBuffer;
  },
});
const { PushClient, RestClient, TokenSource } = await import('@fillstream/client');
const [url, apiKey, apiSecret] = process.argv.slice(2);
const rest = new RestClient({ baseUrl: url, apiKey: { apiKey, apiSecret } });
const push = new PushClient({ url: url.replace(/^http/, 'ws') + '/ws', tokenProvider: new TokenSource({ rest, apiKey: { apiKey, apiSecret } }).provider });
const userId = await push.whenAuthenticated();
const sub = await push.subscribe('depth', 'BTC_USDT', 5);
const pong = push.waitForType('pong');
push.ping();
await pong;
const balances = await rest.getBalances();
await push.close();
console.log(JSON.stringify({ userId, levels: sub.levels, usdt: balances.balances.find((b) => b.asset === 'USDT').avail, bufferUses }));
`,
  );
  const out = JSON.parse(
    await run(dir, ['--experimental-websocket', '--no-warnings', 'browser.mjs', s.url, u.apiKey, u.apiSecret]),
  ) as Record<string, unknown>;
  assert.deepEqual(out, { userId: u.userId, levels: 5, usdt: '1000.00', bufferUses: [] });
});

test('examples/quickstart.ts runs against a real server: it prints its order and the pushes of its fill', async () => {
  const dir = app('quickstart', (ws) => symlinkSync(join(root, 'node_modules', 'ws'), ws, 'dir'));
  copyFileSync(join(root, 'dist', 'examples', 'quickstart.js'), join(dir, 'quickstart.js'));
  const buyer = await s.fundedUser({ USDT: '1000' });
  const seller = await s.fundedUser({ BTC: '1' });
  await s.place(seller, { symbol: 'BTC_USDT', side: 'SELL', order_type: 'LIMIT', price: '30000.00', qty: '0.001' });
  const child = spawn(process.execPath, ['quickstart.js', s.url, buyer.apiKey, buyer.apiSecret], { cwd: dir });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const lines = () => out.split('\n').filter((l) => l !== '');
  const done = () => {
    const l = lines();
    return (
      l.some((x) => x.startsWith('placed ')) &&
      l.some((x) => x.includes('"type":"market.trade"')) &&
      l.filter((x) => x.includes('"type":"balance.update"')).length >= 2
    );
  };
  try {
    const end = Date.now() + 20_000;
    while (!done()) {
      assert.ok(child.exitCode === null, `quickstart exited ${child.exitCode}: ${out}\n${err}`);
      assert.ok(Date.now() < end, `quickstart output so far:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.kill('SIGTERM');
  }
  const placed = JSON.parse(
    lines()
      .find((l) => l.startsWith('placed '))!
      .slice(7),
  ) as Record<string, unknown>;
  assert.equal(placed.order_status, 'ACCEPTED');
  const pushes = lines()
    .filter((l) => l.startsWith('push '))
    .map((l) => JSON.parse(l.slice(5)) as { type: string; seq?: number; data: Record<string, unknown> });
  const fill = pushes.find((m) => m.type === 'trade');
  assert.equal(fill?.data.order_id, placed.order_id);
  assert.equal(fill?.data.price, '30000.00');
  const filled = pushes.find((m) => m.type === 'order.update' && m.data.status === 'FILLED');
  assert.equal(filled?.data.order_id, placed.order_id);
  const seqs = pushes.filter((m) => m.seq !== undefined && m.type !== 'market.trade').map((m) => m.seq as number);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'private pushes in seq order',
  );
});

test("the README's Client section shows examples/quickstart.ts verbatim", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Client\n');
  assert.ok(start >= 0, 'README has a "## Client" section');
  const section = readme.slice(start + 1).split(/\n## /)[0] as string;
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(block !== null, 'the Client section has a ts block');
  assert.equal(block[1], readFileSync(join(root, 'examples', 'quickstart.ts'), 'utf8'));
});
