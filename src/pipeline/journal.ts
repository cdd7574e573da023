// The command journal's text form: a core Command as JSON with every Int as a
// decimal string, and back. Replaying the decoded journal in a fresh Engine
// reproduces the committed state exactly (engine.md invariant 5).

import { type Int, norm } from '../core/int64.js';
import type { Command } from '../core/types.js';

const INT_FIELDS = new Set(['price', 'qty', 'quoteQty', 'amount']);

export function encodeCommand(cmd: Command): string {
  return JSON.stringify(cmd, (k, v: unknown) => (INT_FIELDS.has(k) ? String(v) : v));
}

export function decodeCommand(text: string): Command {
  return JSON.parse(text, (k, v: unknown) => (INT_FIELDS.has(k) && typeof v === 'string' ? toInt(v) : v)) as Command;
}

function toInt(s: string): Int {
  if (!/^-?[0-9]{1,20}$/.test(s)) throw new Error(`journal: "${s}" is not an integer`);
  return norm(BigInt(s));
}
