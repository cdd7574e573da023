// The HTTP API suite against SQLite: every server gets a fresh database file in a temp directory.

import { apiSuite } from './api-suite.js';

apiSuite('sqlite');
