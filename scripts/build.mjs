// The build and its freshness stamp. `node scripts/build.mjs` is the full rebuild: dist/ removed, tsc, the web
// console (when the tree has web/: type-checked with web/tsconfig.json, bundled by esbuild into dist/web/ with its
// index.html and app.css), then dist/.build-stamp recording when that build started. With --if-stale it builds only
// when there is no stamp or an input (src/, bench/, test/, web/, tsconfig.json, package.json, package-lock.json;
// folders too, so that a deleted or renamed file counts) was modified at or after the stamped start; otherwise it
// says so and exits 0.
// --root DIR builds another tree (the tests do); TypeScript is taken from this script's own node_modules.
// The client package (packages/client, when the tree has one) is compiled from src/client into
// packages/client/dist with declarations, and linked as node_modules/@fillstream/client (examples import it).

import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import process from 'node:process';

const INPUTS = [
  'src',
  'bench',
  'test',
  'examples',
  'web',
  'tsconfig.json',
  'package.json',
  'package-lock.json',
  'packages/client/package.json',
  'packages/client/tsconfig.json',
];
const STAMP = join('dist', '.build-stamp');
const USAGE = `usage: node scripts/build.mjs [--if-stale] [--root DIR]
  (no flag)     full rebuild: remove dist/, compile with tsc, bundle the web console, stamp the build
  --if-stale    rebuild only when a source is newer than the last build's start (or nothing was stamped)
  --root DIR    the project to build (default: the current directory)
`;

/** The most recently modified input under root (files and folders), or null when there is none. */
function newestInput(root) {
  let newest = null;
  const visit = (path) => {
    const st = statSync(path);
    if (newest === null || st.mtimeMs > newest.mtimeMs) newest = { path, mtimeMs: st.mtimeMs };
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  for (const input of INPUTS) if (existsSync(join(root, input))) visit(join(root, input));
  return newest;
}

/** Why root needs a build, or null when its build is up to date. */
function staleness(root) {
  let startedAt;
  try {
    startedAt = JSON.parse(readFileSync(join(root, STAMP), 'utf8')).startedAt;
  } catch {
    return 'no build stamp';
  }
  if (typeof startedAt !== 'number') return 'no valid build stamp';
  const newest = newestInput(root);
  if (newest !== null && newest.mtimeMs >= startedAt)
    return `${relative(root, newest.path)} changed since the last build`;
  return null;
}

function tsc(root, project) {
  const bin = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [bin, '-p', project], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** packages/client/dist from src/client, and node_modules/@fillstream/client pointing at the package. */
function buildClientPackage(root) {
  const pkg = join(root, 'packages', 'client');
  if (!existsSync(join(pkg, 'tsconfig.json'))) return;
  rmSync(join(pkg, 'dist'), { recursive: true, force: true });
  tsc(root, join('packages', 'client', 'tsconfig.json'));
  const scope = join(root, 'node_modules', '@fillstream');
  if (existsSync(join(root, 'node_modules')) && !existsSync(join(scope, 'client'))) {
    mkdirSync(scope, { recursive: true });
    symlinkSync(join('..', '..', 'packages', 'client'), join(scope, 'client'), 'dir');
  }
}

function build(root) {
  const startedAt = Date.now();
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  tsc(root, 'tsconfig.json');
  buildClientPackage(root);
  if (existsSync(join(root, 'web', 'src', 'main.tsx'))) buildConsole(root);
  writeFileSync(join(root, STAMP), JSON.stringify({ startedAt }) + '\n');
}

/** The web console: type-check (DOM types, JSX), then one minified ES module bundle with its page and styles. */
function buildConsole(root) {
  tsc(root, join('web', 'tsconfig.json'));
  const esbuild = createRequire(import.meta.url)('esbuild');
  const out = join(root, 'dist', 'web');
  esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: [join('web', 'src', 'main.tsx')],
    outfile: join(out, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    // src/client/ws-client.ts imports the `ws` package; in a page it runs on the browser's WebSocket instead.
    alias: { ws: join(root, 'web', 'src', 'ws-shim.ts') },
    legalComments: 'eof',
    logLevel: 'warning',
  });
  mkdirSync(out, { recursive: true });
  for (const name of ['index.html', 'app.css']) copyFileSync(join(root, 'web', name), join(out, name));
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const rootAt = args.indexOf('--root');
const root = resolve(rootAt >= 0 ? (args[rootAt + 1] ?? '.') : '.');
if (args.includes('--if-stale')) {
  const why = staleness(root);
  if (why === null) {
    process.stdout.write('build is up to date (no source newer than dist/.build-stamp)\n');
  } else {
    process.stdout.write(`building: ${why}\n`);
    build(root);
  }
} else {
  build(root);
}
