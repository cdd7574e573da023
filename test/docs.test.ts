// The protocol documents hold to the code: every route the server registers is in docs/api.md; every message
// type the push server sends or accepts, and every WebSocket close code it uses, is in docs/ws-protocol.md (and
// the documents name none that the code does not have); the README links only to files inside the repository.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WS_CLOSE } from '../src/errors.js';
import { CLOSE } from '../src/push/connection.js';
import { Lab } from './http/harness.js';

const root = new URL('../../', import.meta.url).pathname;
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const API = read('docs/api.md');
const WS = read('docs/ws-protocol.md');

const lab = new Lab('sqlite');
after(() => lab.cleanup());

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => read(join(dir, f)));
}

/** Section `## N. Title` of ws-protocol.md up to the next `## `. */
function section(title: RegExp): string {
  const start = WS.search(title);
  assert.ok(start >= 0, `ws-protocol.md has a section ${title}`);
  const rest = WS.slice(start + 3);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

const typesIn = (text: string) => new Set([...text.matchAll(/`([a-z_]+(?:\.[a-z_]+)?)`/g)].map((m) => m[1] as string));

test('every registered route is documented in docs/api.md', async () => {
  const s = await lab.start();
  const routes = s.srv.routes.map((r) => `${r.method} ${r.url.replace(/:([a-z_]+)/g, '{$1}')}`);
  assert.ok(routes.length >= 15, `routes found: ${routes.join(', ')}`);
  const missing = routes.filter((r) => !API.includes(r));
  assert.deepEqual(missing, [], `routes missing from docs/api.md: ${missing.join(', ')}`);
  // ... and the document names no route the server does not have.
  const documented = new Set([...API.matchAll(/`(GET|POST|DELETE|PUT) (\/[^`\s?]*)`/g)].map((m) => `${m[1]} ${m[2]}`));
  const stale = [...documented].filter((r) => !routes.includes(r));
  assert.deepEqual(stale, [], `docs/api.md documents routes the server lacks: ${stale.join(', ')}`);
});

test('every WebSocket message type is documented in docs/ws-protocol.md, and no other', () => {
  const code = [...sources('src/push'), read('src/wire/format.ts'), read('src/errors.ts')].join('\n');
  // Messages built as objects (type: 'x') or as pre-serialized text ("type":"x").
  const sent = new Set(
    [...code.matchAll(/type: '([a-z_]+(?:\.[a-z_]+)?)'|"type":"([a-z_]+(?:\.[a-z_]+)?)"/g)].map(
      (m) => (m[1] ?? m[2]) as string,
    ),
  );
  const push = read('src/push/push-server.ts');
  const accepted = new Set([...push.matchAll(/case '([a-z_]+(?:\.[a-z_]+)?)':/g)].map((m) => m[1] as string));
  assert.ok(sent.has('order.update') && sent.has('depth.snapshot') && accepted.has('subscribe'), 'the scan works');
  const list = section(/^## \d+\. Message types/m);
  const [clientPart, serverPart] = list.split(/Server → client:/);
  assert.ok(serverPart !== undefined, 'the section names the server messages');
  const docClient = typesIn(clientPart as string);
  const docServer = typesIn(serverPart);
  assert.deepEqual([...accepted].sort(), [...docClient].sort(), 'client -> server types');
  assert.deepEqual([...sent].sort(), [...docServer].sort(), 'server -> client types');
  // Each type also appears in the body of the document, described.
  for (const t of [...sent, ...accepted]) {
    const uses = WS.split(`"type":"${t}"`).length - 1 + (WS.split(`\`${t}\``).length - 1);
    assert.ok(uses >= 2, `${t} is described outside the list`);
  }
});

test('every WebSocket close code is documented in docs/ws-protocol.md, and no other', () => {
  const table = section(/^## \d+\. Close codes/m);
  const documented = new Set([...table.matchAll(/^\| (\d{4}) \|/gm)].map((m) => Number(m[1])));
  const used = new Set<number>([...Object.values(CLOSE), ...Object.values(WS_CLOSE)]);
  assert.deepEqual([...used].sort(), [...documented].sort());
});

test('the README links only to files inside the repository, and to the protocol documents', () => {
  const readme = read('README.md');
  assert.doesNotMatch(readme, /\.\.\/shared/, 'a fresh clone has no ../shared');
  for (const doc of ['docs/api.md', 'docs/ws-protocol.md']) assert.ok(readme.includes(doc), `README links ${doc}`);
  for (const m of readme.matchAll(/\]\((?!https?:)([^)#]+)/g)) {
    assert.ok(existsSync(join(root, m[1] as string)), `README links ${m[1]}, which exists`);
  }
});
