// The operations files hold to the code: the Prometheus rules are valid (`promtool check rules`) and pass their
// unit tests (`promtool test rules`), and every metric the rules and the Grafana dashboard query is one the
// server documents in docs/metrics.md (which test/gateway/metrics-doc.test.ts holds to what it registers).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../../', import.meta.url).pathname;
const ops = join(root, 'docs/ops');
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const documented = new Set([...read('docs/metrics.md').matchAll(/^\| `(fillstream_[a-z0-9_]+)`/gm)].map((m) => m[1]));

/** The fillstream_* series an expression reads, as documented names (histogram suffixes dropped). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(fillstream_[a-z0-9_]+)/g)].map((m) =>
    (m[1] as string).replace(/_(bucket|sum|count)$/, ''),
  );
}

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const hasPromtool = promtool.status === 0;
if (!hasPromtool) console.log('promtool tests SKIPPED (needs promtool: apt-get install prometheus)');

test('alerts.yml: valid rules', { skip: hasPromtool ? false : 'SKIPPED (needs promtool)' }, () => {
  const r = spawnSync('promtool', ['check', 'rules', 'alerts.yml'], { cwd: ops, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS: \d+ rules found/);
});

test('alerts.yml: every rule passes its unit tests', { skip: hasPromtool ? false : 'SKIPPED (needs promtool)' }, () => {
  const r = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: ops, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS/);
});

test('every alert has a unit test, and every metric the rules read is documented', () => {
  const rules = read('docs/ops/alerts.yml');
  const tests = read('docs/ops/alerts.test.yml');
  const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1] as string);
  assert.ok(alerts.length >= 8, alerts.join(', '));
  for (const a of alerts) assert.match(tests, new RegExp(`alertname: ${a}\\b`), `${a} has a test`);
  const used = metricsIn(rules);
  assert.ok(used.length > 0);
  for (const m of used) assert.ok(documented.has(m), `${m} (alerts.yml) is in docs/metrics.md`);
});

test('the Grafana dashboard: panels with Prometheus targets over documented metrics', () => {
  const d = JSON.parse(read('docs/ops/grafana-dashboard.json')) as {
    panels: Array<{ title: string; datasource: { type: string }; targets: Array<{ expr: string }> }>;
  };
  assert.ok(d.panels.length >= 10);
  const seen = new Set<string>();
  for (const p of d.panels) {
    assert.equal(p.datasource.type, 'prometheus', p.title);
    assert.ok(p.targets.length > 0, p.title);
    for (const t of p.targets) {
      for (const m of metricsIn(t.expr)) {
        assert.ok(documented.has(m), `${m} (panel "${p.title}") is in docs/metrics.md`);
        seen.add(m);
      }
    }
  }
  // The dashboard shows every documented metric.
  const missing = [...documented].filter((m) => !seen.has(m as string));
  assert.deepEqual(missing, [], 'documented metrics without a panel');
});
