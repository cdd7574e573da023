// The HTTP API suite against PostgreSQL ($DATABASE_URL): every server gets a fresh database
// (CREATE DATABASE fs_http_<random>_<n>), dropped WITH (FORCE) at the end.

import { test } from 'node:test';
import { apiSuite } from './api-suite.js';
import { postgresUrl } from './harness.js';

if (postgresUrl() === undefined) {
  console.log('HTTP API postgres suite SKIPPED (needs DATABASE_URL)');
  test('HTTP API (postgres)', { skip: 'SKIPPED (needs DATABASE_URL)' }, () => {});
} else {
  apiSuite('postgres');
}
