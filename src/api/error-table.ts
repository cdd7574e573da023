// The error catalogue (src/errors.ts) as a Markdown table, for the descriptions of both API documents.

import { ERRORS } from '../errors.js';

export function errorTable(): string {
  const rows = Object.entries(ERRORS).map(
    ([name, e]) => `| ${e.code} | ${name} | ${e.http} | ${e.ws ?? '-'} | ${e.message} |`,
  );
  return ['| code | name | HTTP status | WebSocket close | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}
