// The request schemas (src/api/request-schemas.ts, shown in /openapi.json) agree with the gateway's parsers: for
// generated bodies, valid and invalid, the parser's own checks and the schema never disagree about an accepted
// body (the parsers check every accepted body against its schema; a disagreement would answer "body does not match
// its schema"), and a body the schema refuses is refused by the parser with 1001 or 1003.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CANCEL_ORDER, CREATE_ORDER, DEPOSIT } from '../../src/api/request-schemas.js';
import { schemaCheck } from '../../src/api/request-validators.js';
import { loadConfig, marketIndex } from '../../src/config.js';
import { ApiError } from '../../src/errors.js';
import { parseCancel, parseCreateOrder, parseDeposit } from '../../src/orders/order-request.js';

const market = marketIndex(loadConfig({ env: {} }));

const text = fc.oneof(
  fc.constantFrom('BTC_USDT', 'ETH_USDT', 'BUY', 'SELL', 'LIMIT', 'MARKET', 'GTC', 'IOC', 'FOK', 'POST_ONLY'),
  fc.constantFrom('1', '0.5', '30000.00', '0.001', '0', '1.123456789', '-1', '1e3', ' 1', '', 'BTC', 'USDT'),
  fc.constantFrom('cid-1', 'a:b.c_d-e', 'x'.repeat(65), 'bad cid', '1001', '0007'),
  fc.string({ maxLength: 8 }),
);
const value = fc.oneof(
  { weight: 6, arbitrary: text },
  fc.constant(null),
  fc.integer({ min: -2, max: 2_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
);

/** Mostly-valid values per field (so that many bodies pass), each mixed with any value. */
const FIELD_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  symbol: fc.constantFrom('BTC_USDT', 'ETH_USDT', 'NOPE'),
  side: fc.constantFrom('BUY', 'SELL', 'buy'),
  order_type: fc.constantFrom('LIMIT', 'MARKET', 'STOP'),
  type: fc.constantFrom('LIMIT', 'MARKET'),
  time_in_force: fc.constantFrom('GTC', 'IOC', 'FOK', 'POST_ONLY', 'DAY'),
  price: fc.constantFrom('30000.00', '1', '0.5', '0', '1.123456789', '1e3'),
  qty: fc.constantFrom('0.01', '1', '0.001', '0', '-1'),
  quote_qty: fc.constantFrom('100', '10.5', '0'),
  cid: fc.constantFrom('cid-1', 'a:b.c_d-e', 'x'.repeat(65), 'bad cid'),
  order_id: fc.oneof(fc.integer({ min: -1, max: 100 }), fc.constantFrom('7', '0007', 'x')),
  user_id: fc.oneof(fc.integer({ min: -1, max: 2000 }), fc.constantFrom('1001', '01', 'x')),
  asset: fc.constantFrom('BTC', 'USDT', 'DOGE'),
};

/** Bodies with some of `fields` (now and then an unknown one), or not an object at all. */
const bodies = (fields: readonly string[]) => {
  const record = Object.fromEntries(
    [...fields, 'extra'].map((f) => [f, fc.oneof({ weight: 8, arbitrary: FIELD_VALUES[f] ?? value }, value)]),
  );
  return fc.oneof(
    { weight: 19, arbitrary: fc.record(record, { requiredKeys: [] }) },
    fc.constantFrom(null, [], 'text', 3),
  );
};

function agree(
  name: string,
  schema: Parameters<typeof schemaCheck>[0],
  parse: (body: unknown) => unknown,
  fields: readonly string[],
) {
  const check = schemaCheck(schema);
  let accepted = 0;
  fc.assert(
    fc.property(bodies(fields), (body) => {
      const r = parse(body);
      if (r instanceof ApiError) {
        assert.ok(r.code === 1001 || r.code === 1003, `${name}: ${r.code} ${r.msg}`);
        assert.doesNotMatch(
          r.msg,
          /does not match its schema/,
          `${name}: parser and schema disagree on ${JSON.stringify(body)}`,
        );
      } else {
        accepted++;
        assert.equal(check(body), null, `${name}: accepted ${JSON.stringify(body)}`);
      }
      if (check(body) !== null) assert.ok(r instanceof ApiError, `${name}: the schema refuses ${JSON.stringify(body)}`);
    }),
    { numRuns: 4000, seed: 14 },
  );
  return accepted;
}

test('create_order: the schema and the parser agree', () => {
  const fields = Object.keys(CREATE_ORDER.properties);
  const accepted = agree('create_order', CREATE_ORDER, (b) => parseCreateOrder(b, market), fields);
  assert.ok(accepted > 0, 'some generated orders were valid');
});

test('cancel_order and deposit: the schema and the parser agree', () => {
  assert.ok(agree('cancel_order', CANCEL_ORDER, (b) => parseCancel(b), Object.keys(CANCEL_ORDER.properties)) > 0);
  assert.ok(agree('deposit', DEPOSIT, (b) => parseDeposit(b, market), Object.keys(DEPOSIT.properties)) > 0);
});
