// The lint rule that keeps src/core pure actually fires: I/O imports, the clock,
// randomness, process.* and float parsing are refused there, and allowed elsewhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

const impure: Array<[string, string]> = [
  ['node built-in', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n"],
  ['bare fs', "import fs from 'fs';\nexport const f = fs;\n"],
  ['database driver', "import pg from 'pg';\nexport const p = pg;\n"],
  ['clock', 'export const t = Date.now();\n'],
  ['new Date', 'export const t = new Date();\n'],
  ['randomness', 'export const r = Math.random();\n'],
  ['environment', 'export const e = process.env.X;\n'],
  ['parseFloat', "export const x = parseFloat('1.5');\n"],
  ['toFixed', 'export const x = (1.5).toFixed(2);\n'],
];

for (const [name, code] of impure) {
  test(`src/core refuses ${name}`, async () => {
    const ids = await ruleIds(code, 'src/core/probe.ts');
    assert.ok(
      ids.some((id) => id.startsWith('no-restricted')),
      `expected a no-restricted-* error, got ${JSON.stringify(ids)}`,
    );
  });
}

test('the same code is fine outside src/core', async () => {
  const ids = await ruleIds('export const t = Date.now() + Math.random();\n', 'src/cli/probe.ts');
  assert.deepEqual(ids, []);
});

test('the real src/core passes the rule', async () => {
  const results = await eslint.lintFiles(['src/core/']);
  const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.ruleId} ${m.message}`));
  assert.deepEqual(problems, []);
});
