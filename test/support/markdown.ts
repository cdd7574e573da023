// Reads the documentation tables the tests hold the code to (docs/errors.md, docs/metrics.md).

import assert from 'node:assert/strict';

/**
 * The body rows of the first markdown table in `doc` whose header line matches `header`, each as its trimmed
 * cells; every row must have `width` cells.
 */
export function markdownTable(doc: string, header: RegExp, width: number): string[][] {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => header.test(l));
  assert.ok(start >= 0, `the document has a table whose header matches ${header}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    assert.equal(cells.length, width, `row "${line}" has ${width} cells`);
    rows.push(cells);
  }
  return rows;
}
