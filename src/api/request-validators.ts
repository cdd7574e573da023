// Compiled validators (ajv, JSON Schema 2020-12) for the request schemas: the gateway checks every body it accepts
// against the same schema the OpenAPI document shows.

import { Ajv2020 } from 'ajv/dist/2020.js';
import type { JsonSchema } from './json-schema.js';

const ajv = new Ajv2020({ allErrors: false, strict: true, strictRequired: false, allowUnionTypes: true });

/** A check for `schema`: null when a value matches, else the first problem ("/price: must match pattern ..."). */
export function schemaCheck(schema: JsonSchema): (value: unknown) => string | null {
  const validate = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return null;
    const e = validate.errors?.[0];
    return e === undefined ? 'invalid' : `${e.instancePath === '' ? 'body' : e.instancePath} ${e.message ?? 'invalid'}`;
  };
}
