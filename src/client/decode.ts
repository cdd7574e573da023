// Runtime decoders: small combinators that check an unknown JSON value against a wire type and answer it typed, or
// throw a ProtocolError naming the path that disagrees. Lenient mode (the client's default) accepts extra keys so
// that a newer server keeps working; strict mode (the type agreement test) refuses them.

import { ProtocolError } from './errors.js';

/** Checks `v` (at `path`, for messages) and answers it as T; throws ProtocolError otherwise. */
export type Decoder<T> = (v: unknown, path: string, strict: boolean) => T;
/** A decoder of an object field that may be absent. */
export type OptionalDecoder<T> = Decoder<T> & { readonly optional: true };

function fail(path: string, want: string, v: unknown): never {
  const got = v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `"${v}"` : typeof v;
  throw new ProtocolError(`${path}: expected ${want}, got ${got.length > 60 ? got.slice(0, 60) + '…' : got}`);
}

export const str: Decoder<string> = (v, path) => (typeof v === 'string' ? v : fail(path, 'a string', v));

export const bool: Decoder<boolean> = (v, path) => (typeof v === 'boolean' ? v : fail(path, 'a boolean', v));

/** A safe integer (ids, seqs, times in ms). */
export const int: Decoder<number> = (v, path) =>
  typeof v === 'number' && Number.isSafeInteger(v) ? v : fail(path, 'an integer', v);

const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;
const SIGNED_DECIMAL = /^[+-][0-9]+(\.[0-9]+)?$/;

/** An unsigned or negative decimal string ("85000.00"): amounts and prices are never JSON numbers. */
export const decimal: Decoder<string> = (v, path) =>
  typeof v === 'string' && DECIMAL.test(v) ? v : fail(path, 'a decimal string', v);

/** A decimal string with an explicit sign ("+0.001000"), as in `balance.update.delta`. */
export const signedDecimal: Decoder<string> = (v, path) =>
  typeof v === 'string' && SIGNED_DECIMAL.test(v) ? v : fail(path, 'a signed decimal string', v);

export function literal<const L extends readonly (string | number | boolean)[]>(...values: L): Decoder<L[number]> {
  return (v, path) =>
    (values as readonly unknown[]).includes(v) ? (v as L[number]) : fail(path, `one of ${values.join(', ')}`, v);
}

/**
 * One of the members of a string union, given as the keys of a record: `oneOf<T.Side>({ BUY: true, SELL: true })`.
 * The compiler demands every member, so widening the union in types.ts without the decoder does not build.
 */
export function oneOf<T extends string>(members: Record<T, true>): Decoder<T> {
  const values = Object.keys(members) as T[];
  return literal(...values) as Decoder<T>;
}

export function nullable<T>(d: Decoder<T>): Decoder<T | null> {
  return (v, path, strict) => (v === null ? null : d(v, path, strict));
}

export function optional<T>(d: Decoder<T>): OptionalDecoder<T> {
  return Object.assign((v: unknown, path: string, strict: boolean) => d(v, path, strict), { optional: true as const });
}

export function array<T>(d: Decoder<T>): Decoder<T[]> {
  return (v, path, strict) => {
    if (!Array.isArray(v)) return fail(path, 'an array', v);
    for (let i = 0; i < v.length; i++) d(v[i], `${path}[${i}]`, strict);
    return v as T[];
  };
}

export function pair<A, B>(a: Decoder<A>, b: Decoder<B>): Decoder<[A, B]> {
  return (v, path, strict) => {
    if (!Array.isArray(v) || v.length !== 2) return fail(path, 'a pair', v);
    a(v[0], `${path}[0]`, strict);
    b(v[1], `${path}[1]`, strict);
    return v as [A, B];
  };
}

/** One decoder per key of T, none missing and none extra (the compiler checks both). */
export type Fields<T> = { [K in keyof T]-?: Decoder<T[K]> | OptionalDecoder<Exclude<T[K], undefined>> };

/** An object of exactly these fields; `object<T>()({...})` so that the field list is checked against T. */
export function object<T>(): (fields: Fields<T>) => Decoder<T> {
  return (fields) => {
    const entries = Object.entries(fields) as [string, Decoder<unknown> & { optional?: true }][];
    const known = new Set(entries.map(([k]) => k));
    return (v, path, strict) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(path, 'an object', v);
      const o = v as Record<string, unknown>;
      for (const [k, d] of entries) {
        if (!Object.prototype.hasOwnProperty.call(o, k)) {
          if (d.optional === true) continue;
          throw new ProtocolError(`${path}: missing field "${k}"`);
        }
        d(o[k], `${path}.${k}`, strict);
      }
      if (strict) {
        const extra = Object.keys(o).filter((k) => !known.has(k));
        if (extra.length > 0) throw new ProtocolError(`${path}: unknown field(s) ${extra.join(', ')}`);
      }
      return v as T;
    };
  };
}
