// Writes docs/openapi.json and docs/asyncapi.json: the documents the server serves, for the default configuration
// (`npm run docs:api`; test/api/documents.test.ts fails when the committed files differ from what this writes).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { buildAsyncApi } from './asyncapi.js';
import { buildOpenApi } from './openapi.js';

/** The committed text of both documents (default configuration, no environment). */
export function documentTexts(): { 'docs/openapi.json': string; 'docs/asyncapi.json': string } {
  const config = loadConfig({ env: {} });
  return {
    'docs/openapi.json': `${JSON.stringify(buildOpenApi(config), null, 2)}\n`,
    'docs/asyncapi.json': `${JSON.stringify(buildAsyncApi(config), null, 2)}\n`,
  };
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const root = new URL('../../../', import.meta.url).pathname;
  for (const [file, text] of Object.entries(documentTexts())) {
    writeFileSync(join(root, file), text);
    console.log(`wrote ${file} (${text.length} bytes)`);
  }
}
