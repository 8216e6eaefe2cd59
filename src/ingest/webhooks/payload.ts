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

/** "199.90" (a decimal money string) → 19990 minor units, without floating point. */
export function minorUnits(decimal: unknown): number | undefined {
  if (typeof decimal === 'number') return Math.round(decimal * 100);
  if (typeof decimal !== 'string' || !/^\d+(\.\d{1,2})?$/.test(decimal)) return undefined;
  const [whole = '0', cents = ''] = decimal.split('.');
  return Number(whole) * 100 + Number(cents.padEnd(2, '0'));
}
