// The start banner of `fillstream serve`: the listen URLs from the bound addresses (a wildcard bind expands to the
// interfaces it covers, loopback first, no link-local IPv6), and a real server bound to 0.0.0.0 whose banner lists
// addresses that each answer /healthz, the console URL and the /docs reference, which answers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { type NetworkInterfaceInfo, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listenUrls } from '../../src/cli/banner.js';
import { freePort } from '../support/net.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const nic = (address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null, scopeid: 0 }) as NetworkInterfaceInfo;
const INTERFACES = {
  eth0: [nic('192.0.2.2', 'IPv4', false), nic('fd00::2', 'IPv6', false), nic('fe80::fc:ff:fe00:1', 'IPv6', false)],
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
};

test('listen URLs: a wildcard bind lists the interfaces it covers, loopback first; a host bind itself', () => {
  assert.deepEqual(listenUrls([{ address: '0.0.0.0', family: 'IPv4', port: 80 }], INTERFACES), [
    'http://127.0.0.1:80',
    'http://192.0.2.2:80',
  ]);
  assert.deepEqual(listenUrls([{ address: '::', family: 'IPv6', port: 8080 }], INTERFACES), [
    'http://127.0.0.1:8080',
    'http://[::1]:8080',
    'http://192.0.2.2:8080',
    'http://[fd00::2]:8080',
  ]);
  assert.deepEqual(listenUrls([{ address: '10.1.2.3', family: 'IPv4', port: 1 }], INTERFACES), ['http://10.1.2.3:1']);
  assert.deepEqual(
    listenUrls(
      [
        { address: '::1', family: 'IPv6', port: 9 },
        { address: '127.0.0.1', family: 'IPv4', port: 9 },
      ],
      INTERFACES,
    ),
    ['http://[::1]:9', 'http://127.0.0.1:9'],
  );
});

test(
  'serve bound to 0.0.0.0: every listed address answers; console URL and docs files',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-banner-'));
    const port = await freePort();
    const env = {
      PATH: process.env['PATH'] ?? '',
      FILLSTREAM_PORT: String(port),
      FILLSTREAM_HOST: '0.0.0.0',
      DATABASE_URL: `sqlite:${join(dir, 'b.db')}`,
      FILLSTREAM_LOG_LEVEL: 'silent',
    };
    const server = spawn(process.execPath, [MAIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 400 && !/^ {2}try: /m.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      const listed = /^ {2}addresses: +(.+)$/m.exec(out)?.[1]?.split(/\s+/) ?? [];
      const ipv4 = Object.values(networkInterfaces())
        .flatMap((l) => l ?? [])
        .filter((i) => i.family === 'IPv4');
      assert.deepEqual(
        [...listed].sort(),
        ipv4.map((i) => `http://${i.address}:${port}`).sort(),
        `every IPv4 interface: ${out}`,
      );
      assert.equal(listed[0], `http://127.0.0.1:${port}`, 'loopback first');
      for (const url of listed) assert.equal((await fetch(`${url}/healthz`)).status, 200, url);
      assert.match(out, new RegExp(`^ {2}console: +http://127\\.0\\.0\\.1:${port}/$`, 'm'));
      assert.match(out, new RegExp(`^ {2}WebSocket: +ws://127\\.0\\.0\\.1:${port}/ws$`, 'm'));
      // The server serves its API reference: the banner names /docs, and it answers.
      assert.match(out, new RegExp(`^ {2}docs: +http://127\\.0\\.0\\.1:${port}/docs$`, 'm'));
      const docs = await fetch(`http://127.0.0.1:${port}/docs`);
      assert.equal(docs.status, 200);
      assert.match(docs.headers.get('content-type') ?? '', /^text\/html/);
    } finally {
      const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
      server.kill('SIGTERM');
      assert.equal(await exited, 0);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('serve on a port another process holds: exit 2 with what to do, no stack trace, nothing left running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-busy-'));
  const taken = createServer(() => undefined);
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  try {
    const env = {
      PATH: process.env['PATH'] ?? '',
      FILLSTREAM_PORT: String(port),
      FILLSTREAM_HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dir, 'b.db')}`,
      FILLSTREAM_LOG_LEVEL: 'silent',
    };
    const child = spawn(process.execPath, [MAIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 2, err);
    assert.match(err, new RegExp(`^error: 127\\.0\\.0\\.1:${port} is already in use.*--port or FILLSTREAM_PORT`, 'm'));
    assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
  } finally {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
