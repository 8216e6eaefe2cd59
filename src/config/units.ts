const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/** `30s`, `15m`, `2h`, `1d`, `250ms` or compounds such as `1h30m`, in milliseconds. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  const total = parts.reduce((sum, [, n, unit]) => sum + Number(n) * (DURATION_UNITS[unit ?? ''] ?? 0), 0);
  if (parts.length === 0 || consumed !== text || !Number.isSafeInteger(total)) {
    throw new Error(`${JSON.stringify(text)} is not a duration; write e.g. 30s, 15m, 2h, 1d or 1h30m`);
  }
  if (total === 0) throw new Error(`${JSON.stringify(text)} is not a duration; it must be longer than zero`);
  return total;
}

/** `1MiB`, `512KiB`, `1MB`, `1000B` (KiB/MiB/GiB are powers of 1024, KB/MB/GB of 1000), in bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+) ?([KMG]i?B|B)$/.exec(text);
  const unit = SIZE_UNITS[match?.[2] ?? ''];
  const bytes = unit === undefined ? Number.NaN : Number(match?.[1]) * unit;
  if (!(bytes > 0 && Number.isSafeInteger(bytes))) {
    throw new Error(
      `${JSON.stringify(text)} is not a size; write e.g. 1MiB, 512KiB, 1MB or 1000B (more than 0)`,
    );
  }
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
