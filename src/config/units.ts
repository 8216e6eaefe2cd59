const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** `30s`, `15m`, `2h`, `1d`, `250ms` or compounds such as `1h30m`, in milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+)(ms|s|m|h|d)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  const total = parts.reduce((sum, [, n, unit]) => sum + Number(n) * (DURATION_UNITS[unit ?? ''] ?? 0), 0);
  if (parts.length === 0 || consumed !== trimmed || total <= 0) {
    throw new Error(`"${text}" is not a duration; write e.g. 30s, 15m, 2h, 1d or 1h30m`);
  }
  return total;
}

/** `1MiB`, `512KiB`, `1MB`, `1000B` (KiB/MiB/GiB are powers of 1024, KB/MB/GB of 1000), in bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+)\s*([a-z]+)$/i.exec(text.trim());
  const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? ''];
  const bytes = unit === undefined ? Number.NaN : Number(match?.[1]) * unit;
  if (!(bytes > 0)) throw new Error(`"${text}" is not a size; write e.g. 1MiB, 512KiB or 1000000B`);
  return bytes;
}

/** True when the runtime knows `zone` as an IANA time zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
