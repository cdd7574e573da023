// scripts/build.mjs on a small project of its own (real tsc, real files and mtimes): --if-stale builds when there
// is no stamp, then leaves an up-to-date build alone, and rebuilds after a source is edited, a source is deleted,
// tsconfig.json changes, or a failed build (which stamps nothing); without the flag it always rebuilds. And
// `npm start` uses --if-stale while `npm run build` stays the full rebuild.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(process.cwd(), 'scripts', 'build.mjs');

function build(root: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, '--root', root, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

test(
  'build.mjs --if-stale rebuilds exactly when an input changed since the stamped build',
  { timeout: 120_000 },
  () => {
    const root = mkdtempSync(join(tmpdir(), 'fs-build-'));
    try {
      mkdirSync(join(root, 'src'));
      writeFileSync(
        join(root, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            outDir: 'dist',
            rootDir: '.',
            module: 'NodeNext',
            target: 'ES2022',
            strict: true,
            types: [],
          },
          include: ['src/**/*.ts'],
        }),
      );
      writeFileSync(join(root, 'src', 'a.ts'), 'export const a: number = 1;\n');
      writeFileSync(join(root, 'src', 'b.ts'), 'export const b: number = 1;\n');
      const marker = join(root, 'dist', 'marker');
      const out = (f: string) => readFileSync(join(root, 'dist', 'src', f), 'utf8');

      let r = build(root, '--if-stale');
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /^building: no build stamp$/m);
      assert.match(out('a.js'), /a = 1/);
      assert.ok(existsSync(join(root, 'dist', '.build-stamp')));

      writeFileSync(marker, '');
      r = build(root, '--if-stale');
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /^build is up to date/m);
      assert.ok(existsSync(marker), 'an up-to-date build is left alone');

      writeFileSync(join(root, 'src', 'a.ts'), 'export const a: number = 2;\n');
      r = build(root, '--if-stale');
      assert.match(r.out, /^building: src\/a\.ts changed since the last build$/m);
      assert.match(out('a.js'), /a = 2/);
      assert.ok(!existsSync(marker), 'a rebuild starts from an empty dist/');

      rmSync(join(root, 'src', 'b.ts'));
      r = build(root, '--if-stale');
      assert.match(r.out, /^building: src changed since the last build$/m, 'a deleted file counts');
      assert.ok(!existsSync(join(root, 'dist', 'src', 'b.js')));

      const now = Date.now() / 1000 + 1;
      utimesSync(join(root, 'tsconfig.json'), now, now);
      r = build(root, '--if-stale');
      assert.match(r.out, /^building: tsconfig\.json changed since the last build$/m);

      writeFileSync(join(root, 'src', 'a.ts'), 'export const a: number = "two";\n');
      r = build(root, '--if-stale');
      assert.notEqual(r.code, 0, 'a type error fails the build');
      assert.ok(!existsSync(join(root, 'dist', '.build-stamp')), 'a failed build stamps nothing');
      writeFileSync(join(root, 'src', 'a.ts'), 'export const a: number = 3;\n');
      const past = Date.now() / 1000 - 3600;
      utimesSync(join(root, 'src', 'a.ts'), past, past);
      r = build(root, '--if-stale');
      assert.match(r.out, /^building: no build stamp$/m, 'after a failed build, the next start builds again');
      assert.match(out('a.js'), /a = 3/);

      writeFileSync(marker, '');
      r = build(root);
      assert.equal(r.code, 0, r.out);
      assert.ok(!existsSync(marker), 'without --if-stale it always rebuilds');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);

test('npm start builds only when stale and serves the demo; npm run build is the full rebuild', () => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  assert.match(
    scripts['start'] ?? '',
    /^node scripts\/build\.mjs --if-stale && node dist\/src\/cli\/main\.js serve --demo$/,
  );
  assert.equal(scripts['build'], 'node scripts/build.mjs');
  const help = spawnSync(process.execPath, [SCRIPT, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--if-stale/);
});
