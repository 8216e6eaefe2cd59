import type { KeyAlias } from '../../domain/cart-reference.js';
import { minorDigits } from '../../domain/money.js';

/** Reads a dotted path ("data.object.metadata.cart_id") out of parsed JSON; undefined when absent. */
export function pick(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** The first of several paths that holds a non-empty string or number, as a string. */
export function firstText(value: unknown, paths: readonly string[]): string | undefined {
  for (const path of paths) {
    const found = pick(value, path);
    if ((typeof found === 'string' && found !== '') || typeof found === 'number') return String(found);
  }
  return undefined;
}

/** Aliases are ids too: the same limit as the event's own keys, so a stray long text is not kept. */
const MAX_ALIAS_LENGTH = 200;

/** The texts at `paths` (each present one, once) as aliases of one key. */
export function aliasesOf(
  value: unknown,
  paths: readonly string[],
  target: Omit<KeyAlias, 'alias'>,
): KeyAlias[] {
  const found = new Set<string>();
  for (const path of paths) {
    const text = firstText(value, [path]);
    if (text !== undefined && text.length <= MAX_ALIAS_LENGTH && text !== target.value) found.add(text);
  }
  return [...found].map((alias) => ({ alias, ...target }));
}

/**
 * JSON.parse that keeps integer ids beyond 2^53 exact: Shopify's order and fulfilment ids exceed it,
 * and JSON.parse would round them. Integers of 16+ digits under keys ending in "id" become strings.
 */
export function parseKeepingIds(text: string): unknown {
  return JSON.parse(text.replace(/("[A-Za-z_]*id"\s*:\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));
}

/** "199.90" USD → 19990, "1000" JPY → 1000, "12.345" KWD → 12345: minor units, without floating point. */
export function minorUnits(decimal: unknown, currency: string): number | undefined {
  const digits = minorDigits(currency);
  const text = typeof decimal === 'number' ? decimal.toFixed(digits) : decimal;
  if (typeof text !== 'string' || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const [whole = '0', fraction = ''] = text.split('.');
  if (fraction.replace(/0+$/, '').length > digits) return undefined;
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0').slice(0, digits) || '0');
}
