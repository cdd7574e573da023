// Small builders for the JSON Schema (2020-12, the dialect of OpenAPI 3.1 and of AsyncAPI 3.0 payloads) objects
// the API documents and validators share. Plain data: the same objects go into the documents, into ajv, and into
// the gateway's request checks (field names, enums, patterns, bounds).

export type JsonSchema = { readonly [k: string]: unknown };

export interface ObjectSchema<P extends Record<string, JsonSchema> = Record<string, JsonSchema>> extends JsonSchema {
  readonly type: 'object';
  readonly properties: P;
  readonly required: readonly string[];
  readonly additionalProperties: boolean;
}

/** A closed object: only `properties`, `required` ones must be there. */
export function object<P extends Record<string, JsonSchema>>(
  properties: P,
  required: readonly (keyof P & string)[] = [],
  extra: JsonSchema = {},
): ObjectSchema<P> {
  return { type: 'object', properties, required, additionalProperties: false, ...extra };
}

export const str = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra });
export const int = (extra: JsonSchema = {}): JsonSchema => ({ type: 'integer', ...extra });
export const bool = (extra: JsonSchema = {}): JsonSchema => ({ type: 'boolean', ...extra });
export const arrayOf = (items: JsonSchema, extra: JsonSchema = {}): JsonSchema => ({ type: 'array', items, ...extra });
export const oneOfValues = <T extends string>(
  values: readonly T[],
  extra: JsonSchema = {},
): JsonSchema & { enum: readonly T[] } => ({
  type: 'string',
  enum: values,
  ...extra,
});
export const constant = (value: string | number | boolean): JsonSchema => ({ const: value });
/** `schema` or null. */
export const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
/** A reference into the components of the document (`#/components/schemas/<name>`). */
export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** Unix time in milliseconds. */
export const millis = (description = 'Unix time, ms'): JsonSchema => int({ minimum: 0, description });

/** The text of a regular expression for a JSON Schema `pattern` (same semantics in JavaScript and ajv). */
export const patternOf = (re: RegExp): string => re.source;
