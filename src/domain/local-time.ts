// Making a formatter costs about a millisecond, using one a few microseconds: one per zone is kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock parts of an instant in a time zone. */
export function localParts(ms: number, timeZone: string) {
  const parts = formatterOf(timeZone).formatToParts(ms);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/**
 * The instant the local day of `ms` began in `timeZone`. Found by stepping back by the local time
 * of day, then correcting once if a daylight-saving change fell in between.
 */
export function startOfLocalDay(ms: number, timeZone: string): number {
  const start = ms - (ms % 1000) - secondsIntoDay(ms, timeZone) * 1000;
  // A clock change since midnight leaves `start` an hour off: local 01:00 (fell back) or 23:00 (sprang forward).
  const off = secondsIntoDay(start, timeZone);
  if (off === 0) return start;
  return off < 12 * 3600 ? start - off * 1000 : start + (24 * 3600 - off) * 1000;
}

function secondsIntoDay(ms: number, timeZone: string): number {
  const { hour, minute, second } = localParts(ms, timeZone);
  return (hour * 60 + minute) * 60 + second;
}

/** "2026-11-27" for the local day of `ms` in `timeZone`. */
export function localDate(ms: number, timeZone: string): string {
  const { year, month, day } = localParts(ms, timeZone);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The instant a local wall-clock time ("09:00") falls on a local date ("2026-11-28") in `timeZone`.
 * Found from the UTC reading of the same figures, corrected by the zone's offset there (twice, so a
 * daylight-saving change between the two readings is followed). A time a spring-forward skips lands
 * an hour off, as a wall clock would.
 */
export function atLocalTime(date: string, time: string, timeZone: string): number {
  const [year = 1970, month = 1, day = 1] = date.split('-').map(Number);
  const [hour = 0, minute = 0] = time.split(':').map(Number);
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const p = localParts(guess, timeZone);
    guess += wanted - Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  }
  return guess;
}

/** "2026-11-29" three days after "2026-11-26": calendar arithmetic, free of any time zone. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** 0 for Sunday … 6 for Saturday, of a calendar date. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}
