/**
 * A fast path for zod's strict schemas on the audit hot paths (every record of every
 * append, upload and verification). zod spends most of a record's parse in its general
 * machinery (issue objects, payload wrappers, per-key bookkeeping); this compiles the
 * same schema, read from zod's own definition so the zod schema stays the only source
 * of what is allowed, into plain checks that answer "accepted, here is what zod would
 * return" or "not sure". Not sure is never a refusal: the caller then runs zod itself,
 * so every refusal, and its reason, is zod's.
 *
 * Only what these schemas use is compiled: strict objects (with refinements), optional,
 * literal, enum, string (regex and length checks), number (safe-integer and range
 * checks) and discriminated unions. Anything else (a union, an array, a transform, an
 * unknown check) compiles to "not sure" for that member, so a record that uses it takes
 * zod. The output is built as zod builds it: a fresh object per object, members in shape
 * order, so whatever serialises it (the server stores JSON.stringify of it) writes the
 * same bytes. test/unit/audit/fast-schema-agrees-with-zod.test.ts compares the two on
 * mutated records.
 */
import type { z } from 'zod';

/** "Not sure": let zod decide. */
export const UNSURE: unique symbol = Symbol('unsure');

/** Counts the object members of the accepted value (strict-json's duplicate check compares it with the text). */
export interface MemberCount {
  members: number;
}

export type FastCheck = (value: unknown, count: MemberCount) => unknown;

// The parts of zod's (v4) definitions read here; anything else is left to zod.
interface Def {
  readonly type: string;
  readonly checks?: readonly { readonly _zod: { readonly def: CheckDef } }[];
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly catchall?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly discriminator?: string;
  readonly coerce?: boolean;
}
interface CheckDef {
  readonly check: string;
  readonly format?: string;
  readonly pattern?: RegExp;
  readonly value?: number | bigint;
  readonly inclusive?: boolean;
  readonly maximum?: number;
  readonly minimum?: number;
  readonly length?: number;
  readonly fn?: (value: unknown) => unknown;
  /** Whether zod runs the check on this value (length checks have one: "it has a length"). */
  readonly when?: (payload: { value: unknown; issues: unknown[] }) => unknown;
}
interface Internals {
  readonly def: Def;
  readonly values?: ReadonlySet<unknown>;
  readonly propValues?: Readonly<Record<string, ReadonlySet<unknown>>>;
}

const internals = (s: z.ZodType): Internals => (s as unknown as { _zod: Internals })._zod;

const never: FastCheck = () => UNSURE;

/**
 * `schema.safeParse` with the fast check `fast` (compiled from that schema) tried first:
 * the same acceptance, output and errors, since zod decides whenever the check is not sure.
 */
export function safeParseWithFastPath<S extends z.ZodType>(schema: S, fast: FastCheck): (input: unknown) => z.ZodSafeParseResult<z.output<S>> {
  return (input) => {
    const v = fast(input, { members: 0 });
    return v === UNSURE ? schema.safeParse(input) : { success: true, data: v as z.output<S> };
  };
}

/** Compiles a zod schema to a fast check; parts it does not know are "not sure". */
export function compileFastCheck(schema: z.ZodType): FastCheck {
  const zi = internals(schema);
  const def = zi.def;
  switch (def.type) {
    case 'string':
      return def.coerce ? never : stringCheck(def.checks ?? []);
    case 'number':
      return def.coerce ? never : numberCheck(def.checks ?? []);
    case 'literal':
    case 'enum': {
      const values = zi.values;
      if (!values || (def.checks?.length ?? 0) > 0) return never;
      return (v) => (values.has(v) ? v : UNSURE);
    }
    case 'object':
      return objectCheck(def);
    case 'union':
      return def.discriminator !== undefined && (def.checks?.length ?? 0) === 0 ? discriminatedCheck(def.discriminator, def.options ?? []) : never;
    default:
      return never;
  }
}

/** A check with a `when` counts only where zod would run it: `when` answers exactly true, else not sure. */
function guarded<T>(c: CheckDef, test: (v: T) => boolean): (v: T) => boolean {
  const when = c.when;
  if (when === undefined) return test;
  return (v) => {
    try {
      return when({ value: v, issues: [] }) === true && test(v);
    } catch {
      return false;
    }
  };
}

function stringCheck(checks: NonNullable<Def['checks']>): FastCheck {
  const tests: ((s: string) => boolean)[] = [];
  for (const { _zod } of checks) {
    const c = _zod.def;
    const add = (test: (s: string) => boolean) => tests.push(guarded(c, test));
    if (c.check === 'string_format' && c.format === 'regex' && c.pattern instanceof RegExp && !c.pattern.global && !c.pattern.sticky) {
      const re = c.pattern;
      add((s) => re.test(s));
    } else if (c.check === 'max_length' && typeof c.maximum === 'number') {
      const max = c.maximum;
      add((s) => s.length <= max);
    } else if (c.check === 'min_length' && typeof c.minimum === 'number') {
      const min = c.minimum;
      add((s) => s.length >= min);
    } else if (c.check === 'length_equals' && typeof c.length === 'number') {
      const len = c.length;
      add((s) => s.length === len);
    } else return never;
  }
  return (v) => {
    if (typeof v !== 'string') return UNSURE;
    for (const t of tests) if (!t(v)) return UNSURE;
    return v;
  };
}

function numberCheck(checks: NonNullable<Def['checks']>): FastCheck {
  const tests: ((n: number) => boolean)[] = [];
  for (const { _zod } of checks) {
    const c = _zod.def;
    const add = (test: (n: number) => boolean) => tests.push(guarded(c, test));
    if (c.check === 'number_format' && c.format === 'safeint') add(Number.isSafeInteger);
    else if ((c.check === 'greater_than' || c.check === 'less_than') && typeof c.value === 'number') {
      const bound = c.value;
      const inclusive = c.inclusive === true;
      if (c.check === 'greater_than') add(inclusive ? (n) => n >= bound : (n) => n > bound);
      else add(inclusive ? (n) => n <= bound : (n) => n < bound);
    } else return never;
  }
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return UNSURE;
    for (const t of tests) if (!t(v)) return UNSURE;
    return v;
  };
}

interface Member {
  readonly key: string;
  readonly optional: boolean;
  readonly check: FastCheck;
}

function objectCheck(def: Def): FastCheck {
  // Strict objects only: another catchall strips or passes unknown members, which this does not copy.
  if (!def.shape || !def.catchall || internals(def.catchall).def.type !== 'never') return never;
  const refinements: ((v: unknown) => boolean)[] = [];
  for (const { _zod } of def.checks ?? []) {
    const c = _zod.def;
    const fn = c.fn;
    if (c.check !== 'custom' || typeof fn !== 'function') return never;
    // A refinement that does not answer exactly true (false, a promise, a throw) is zod's to judge.
    refinements.push(
      guarded(c, (v) => {
        try {
          return fn(v) === true;
        } catch {
          return false;
        }
      }),
    );
  }
  const members: Member[] = Object.entries(def.shape).map(([key, s]) => {
    const d = internals(s).def;
    const optional = d.type === 'optional';
    return { key, optional, check: optional ? (d.innerType ? compileFastCheck(d.innerType) : never) : compileFastCheck(s) };
  });
  const known = new Set(members.map((m) => m.key));
  // A member read from Object.prototype (its own names) could stand in for an absent one; those schemas take zod.
  if (members.some((m) => m.key in Object.prototype)) return never;
  return (v, count) => {
    // zod takes any non-array object; plain ones (what JSON.parse and callers make) are enough here.
    if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return UNSURE;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    for (const k of keys) if (!known.has(k)) return UNSURE;
    const out: Record<string, unknown> = {};
    let defined = 0;
    for (const m of members) {
      const x = o[m.key];
      if (x === undefined) {
        if (m.optional) continue; // absent: left out, as zod does
        return UNSURE;
      }
      const y = m.check(x, count);
      if (y === UNSURE) return UNSURE;
      out[m.key] = y;
      defined++;
    }
    // Fewer defined members than own keys: one is present as undefined, which zod copies as such.
    if (defined !== keys.length) return UNSURE;
    count.members += keys.length;
    for (const refined of refinements) if (!refined(out)) return UNSURE;
    return out;
  };
}

function discriminatedCheck(key: string, options: readonly z.ZodType[]): FastCheck {
  const byValue = new Map<unknown, FastCheck>();
  for (const o of options) {
    const values = internals(o).propValues?.[key];
    if (!values) return never;
    const check = compileFastCheck(o);
    for (const v of values) {
      if (byValue.has(v)) return never; // ambiguous: zod's to handle
      byValue.set(v, check);
    }
  }
  return (v, count) => {
    if (typeof v !== 'object' || v === null) return UNSURE;
    const check = byValue.get((v as Record<string, unknown>)[key]);
    return check ? check(v, count) : UNSURE;
  };
}
