// --help everywhere a newcomer may ask: every command and subcommand of the fillstream CLI (walked from the command
// tree itself) and every `npm run bench:*` entry point (read from package.json) answers --help with exit 0, names
// each of its flags, and runs nothing (a bench started in an empty directory leaves it empty).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** The repository (tests run from it, as `npm test` does). */
const ROOT = process.cwd();

interface Cmd {
  readonly path: string[];
  readonly flags: string[];
}

function walk(cmd: Command, path: string[] = []): Cmd[] {
  const here: Cmd = { path, flags: cmd.options.map((o) => o.long ?? o.short ?? '') };
  return [here, ...cmd.commands.flatMap((c) => walk(c, [...path, c.name()]))];
}

test('every CLI command and subcommand answers --help: exit 0, its usage and every option', () => {
  const commands = walk(buildProgram());
  assert.ok(commands.length >= 12, `commands found: ${commands.map((c) => c.path.join(' ')).join(', ')}`);
  for (const c of commands) {
    const r = spawnSync(process.execPath, [MAIN, ...c.path, '--help'], { encoding: 'utf8' });
    const what = `fillstream ${c.path.join(' ')} --help: ${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, what);
    assert.equal(r.stderr, '', what);
    assert.match(r.stdout, new RegExp(`^Usage: fillstream ${c.path.join(' ')}`.trimEnd(), 'm'), what);
    assert.match(r.stdout, /-h, --help/, what);
    for (const f of c.flags) assert.ok(r.stdout.includes(f), `${what}\nmissing ${f}`);
  }
});

/** A bench's flags: the ones its code compares against ('--x') and the ones its header comment shows. */
function benchFlags(source: string): string[] {
  const literals = [...source.matchAll(/'(--[a-z][a-z-]*)'/g)].map((m) => m[1] as string);
  const header = source
    .split('\n')
    .filter((l, i, all) => l.startsWith('//') && all.slice(0, i).every((x) => x.startsWith('//')));
  const shown = header.flatMap((l) => [...l.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g)].map((m) => m[1] as string));
  return [...new Set([...literals, ...shown])].sort();
}

test('every bench:* answers --help: exit 0, every flag it reads, and nothing run', () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts;
  const benches = Object.entries(scripts)
    .filter(([name]) => name.startsWith('bench:'))
    .map(([name, cmd]) => {
      const m = /node (?:--\S+ )*(dist\/bench\/([\w-]+)\.js)/.exec(cmd);
      assert.ok(m !== null, `${name}: no dist/bench entry point in "${cmd}"`);
      return { name, script: resolve(ROOT, m[1] as string), source: join(ROOT, 'bench', `${m[2]}.ts`) };
    });
  assert.ok(benches.length >= 5, benches.map((b) => b.name).join(', '));
  for (const b of benches) {
    const flags = benchFlags(readFileSync(b.source, 'utf8'));
    assert.ok(flags.length > 0, `${b.name}: flags found in ${b.source}`);
    const cwd = mkdtempSync(join(tmpdir(), 'fs-bench-help-'));
    try {
      for (const ask of ['--help', '-h']) {
        const r = spawnSync(process.execPath, [b.script, ask], { cwd, encoding: 'utf8', timeout: 30_000 });
        const what = `${b.name} ${ask}: ${r.stdout}${r.stderr}`;
        assert.equal(r.status, 0, what);
        assert.match(r.stdout, new RegExp(`^usage: npm run ${b.name}`, 'm'), what);
        for (const f of flags) assert.ok(r.stdout.includes(f), `${what}\nmissing ${f}`);
        assert.deepEqual(readdirSync(cwd), [], `${b.name} ${ask} ran: it wrote into its working directory`);
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }
});
