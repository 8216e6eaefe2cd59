import { addDays, weekdayOf } from './local-time.js';
import type { TrendFacts } from './trends.js';

/** When the weekly digest runs: a weekday (0 Sunday … 6 Saturday) and a local time "HH:MM". */
export interface WeeklySchedule {
  weekday: number;
  time: string;
}

export const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** "Mon 09:00" as config writes it (validated there). */
export function parseWeeklySchedule(text: string): WeeklySchedule {
  const [day = 'Mon', time = '09:00'] = text.split(' ');
  return { weekday: Math.max(0, WEEKDAY_NAMES.indexOf(day as (typeof WEEKDAY_NAMES)[number])), time };
}

export function describeWeeklySchedule(schedule: WeeklySchedule): string {
  return `${WEEKDAY_NAMES[schedule.weekday] ?? 'Mon'} ${schedule.time}`;
}

/** The latest date on the schedule's weekday, `today` included: the weekly digest due now or last. */
export function lastWeeklyDate(today: string, weekday: number): string {
  return addDays(today, -((weekdayOf(today) - weekday + 7) % 7));
}

/** "2026-W49": the ISO 8601 week of a calendar date (weeks start on Monday; week 1 holds a Thursday). */
export function isoWeek(date: string): string {
  const monday0 = (weekdayOf(date) + 6) % 7;
  const thursday = addDays(date, 3 - monday0);
  const year = Number(thursday.slice(0, 4));
  const week =
    1 + Math.floor((Date.parse(`${thursday}T00:00:00Z`) - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** One team's weekly digest: the week's trends against the week before, and what noise held back. */
export interface WeeklyDigestFacts extends TrendFacts {
  team: string;
  /** The ISO week of the digest's local date: it runs once per team and week. */
  week: string;
  /** What noise.suppress held back in the week, by reason, most first. */
  suppressed: { reason: string; count: number }[];
  /** Exceptions raised in the week while a silence held them back, by silence. */
  silenced: { reason: string; maintenance?: boolean; count: number }[];
}
