// The console's static serving over real HTTP: `/` and its bundle come with the gateway's headers plus a strict
// Content-Security-Policy; the page loads no inline script; path traversal and unknown names get the JSON 404
// envelope (never a file outside the bundle); API 404s and /ws are unchanged.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { CONSOLE_CSP, WEB_DIR } from '../../src/gateway/routes/console.js';
import { Lab, type TestServer, expectError } from '../http/harness.js';

const lab = new Lab('sqlite');
let s: TestServer;
before(async () => {
  s = await lab.start();
});
after(() => lab.cleanup());

/** A GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet(
  base: string,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('GET / is the console page with the security headers and a strict CSP', async () => {
  const r = await s.get('/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('content-security-policy'), CONSOLE_CSP);
  const csp = CONSOLE_CSP.split('; ');
  assert.ok(csp.includes("script-src 'self'") && csp.includes("default-src 'none'"), CONSOLE_CSP);
  assert.ok(!CONSOLE_CSP.includes('unsafe'), CONSOLE_CSP);
  assert.equal(r.text, readFileSync(`${WEB_DIR}index.html`, 'utf8'));
  // No inline script: every <script> loads a file of the bundle.
  const scripts = [...r.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length > 0);
  for (const [, attrs, body] of scripts) {
    assert.match(attrs as string, /src="\/console\/[a-z]+\.js"/);
    assert.equal((body as string).trim(), '');
  }
});

test('the bundle files are served with their types and the CSP', async () => {
  for (const [file, type] of [
    ['app.js', /^text\/javascript/],
    ['app.css', /^text\/css/],
  ] as const) {
    const r = await s.get(`/console/${file}`);
    assert.equal(r.status, 200, file);
    assert.match(r.headers.get('content-type') ?? '', type);
    assert.equal(r.headers.get('content-security-policy'), CONSOLE_CSP);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.text, readFileSync(`${WEB_DIR}${file}`, 'utf8'));
  }
});

test('path traversal and unknown names get the JSON 404 envelope, never a file', async () => {
  const probes = [
    '/console/..%2f..%2fpackage.json',
    '/console/%2e%2e%2f%2e%2e%2fpackage.json',
    '/console/..%5c..%5cpackage.json',
    '/console/../../package.json',
    '/../package.json',
    '/console/%2fetc%2fpasswd',
    '/console/nope.js',
    '/console/',
    '/console/index.html',
    '/app.js',
    '/package.json',
  ];
  for (const path of probes) {
    const r = await rawGet(s.url, path);
    assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status} ${r.body.slice(0, 200)}`);
    const body = JSON.parse(r.body) as { code: number; data: unknown };
    assert.deepEqual(Object.keys(body), ['code', 'msg', 'data'], path);
    assert.ok(body.code === 4041 || body.code === 1001, `${path}: ${r.body}`);
    assert.ok(!r.body.includes('"name": "fillstream"') && !r.body.includes('root:'), path);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
  }
});

test('API paths and /ws are unchanged: JSON 404 for an unknown API route, no CSP on API answers', async () => {
  expectError(await s.get('/api/v1/nope'), 404, 4041, /no route GET \/api\/v1\/nope/);
  const depth = await s.get('/api/v1/depth?symbol=BTC_USDT');
  assert.equal(depth.status, 200);
  assert.equal(depth.headers.get('content-security-policy'), null);
  // /ws without an upgrade is still the WebSocket endpoint's concern, not a console file.
  const ws = await s.get('/ws');
  assert.notEqual(ws.headers.get('content-security-policy'), CONSOLE_CSP);
});
