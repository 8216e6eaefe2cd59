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
