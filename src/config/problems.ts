import type { z } from 'zod';
import { suggestion, unknownStageMessage } from './suggest.js';

/** Top-level sections keyed by stage: an unknown key there is an unknown stage. */
const STAGE_KEYED = new Set<PropertyKey>(['sla', 'backlog']);

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  array: 'a list',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/** One zod issue as "path: message" lines, worded for someone editing cartwatch.yml. */
export function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType, raw: unknown): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: ${unknownKey(key, issue, schema)}`);
  }
  if (issue.code === 'invalid_type') {
    const value = valueAt(raw, issue.path);
    if (value === undefined) return [`${formatPath(issue.path)}: required`];
    const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
    return [`${formatPath(issue.path)}: must be ${expected}, got ${describeValue(value)}`];
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

/** `routes[2].team`, `teams.ops.channel`; `(root)` for the document itself. */
export function formatPath(parts: readonly PropertyKey[]): string {
  if (parts.length === 0) return '(root)';
  return parts
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

export function formatProblems(problems: readonly string[]): string {
  return problems.map((p) => `- ${p}`).join('\n');
}

function unknownKey(key: string, issue: z.core.$ZodIssue, schema: z.ZodType): string {
  if (issue.path.length === 1 && STAGE_KEYED.has(issue.path[0] ?? '')) return unknownStageMessage(key);
  const known = knownKeys(schema, issue.path);
  return `unrecognized key; ${known.length > 0 ? suggestion(key, known) : 'remove it'}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const part of path) {
    // A scalar where a list is allowed stands for a one-item list.
    if (part === 0 && !Array.isArray(value)) continue;
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Loosely typed view of zod's schema definitions, enough to walk to the object at a path. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return schema._zod.def as unknown as Def;
}

/** Strips optional/default/pipe wrappers down to the schema that describes the value's shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  const def = defOf(schema);
  if (def.innerType) return unwrap(def.innerType);
  if (def.type === 'pipe' && def.in && def.out) {
    return unwrap(defOf(def.in).type === 'transform' ? def.out : def.in);
  }
  return schema;
}

function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const part of path) {
    const def: Def = defOf(current);
    const next: z.ZodType | undefined = def.shape?.[String(part)] ?? def.valueType ?? def.element;
    if (next === undefined) return [];
    current = unwrap(next);
  }
  return Object.keys(defOf(current).shape ?? {});
}
