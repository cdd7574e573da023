// docs/metrics.md lists exactly the metrics the server registers itself (beside Node's default process metrics),
// each with its type and labels.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Metrics } from '../../src/metrics.js';
import { markdownTable } from '../support/markdown.js';

const DOC = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');

interface Row {
  type: string;
  labels: string[];
}

/** Rows of the table whose header starts with `| metric | type | labels |`. */
function docRows(): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const cells of markdownTable(DOC, /^\|\s*metric\s*\|\s*type\s*\|\s*labels\s*\|/, 4)) {
    const [name, type, labels, meaning] = cells as [string, string, string, string];
    assert.ok(meaning.length > 10, `${name} has a meaning`);
    assert.ok(!rows.has(name), `${name} is listed once`);
    rows.set(name.replace(/`/g, ''), {
      type,
      labels: labels === '' ? [] : labels.split(',').map((l) => l.trim()),
    });
  }
  return rows;
}

test('docs/metrics.md lists every metric the server registers, with its type and labels, and nothing else', async () => {
  const m = new Metrics();
  // A cluster gateway's leadership and settle metrics count too (serve does not register them).
  m.trackLeadership(() => ({ leader: null, problem: 'none heard' }));
  m.trackSettles();
  const own = new Map<string, Row>();
  for (const v of Object.values(m)) {
    if (!(v instanceof Counter || v instanceof Gauge || v instanceof Histogram)) continue;
    const got = await v.get();
    const labelNames = (v as unknown as { labelNames: readonly string[] }).labelNames;
    own.set(got.name, { type: String(got.type), labels: [...labelNames] });
  }
  assert.ok(own.size >= 16, `found ${own.size} metrics on Metrics`);
  const doc = docRows();
  assert.deepEqual([...doc.keys()].sort(), [...own.keys()].sort());
  for (const [name, row] of own) assert.deepEqual(doc.get(name), row, name);
  // They are all served: the registry holds each of them (beside the default process metrics).
  const served = new Set((await m.registry.getMetricsAsJSON()).map((x) => x.name));
  for (const name of own.keys()) assert.ok(served.has(name), `${name} is in the registry`);
});
