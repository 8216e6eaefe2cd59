import type { DuePolicy } from './due-policy.js';
import { type ExceptionRecord, SYSTEM_ACTOR } from './exception.js';

/** What a snooze's end sets, and whether it is told in the thread (only while still unresolved). */
export interface SnoozeWake {
  escalateAt: number | null;
  escalationLevel: number;
  remindAt: number | null;
  told?: { snoozedBy: string; state: 'open' | 'acknowledged' };
}

/**
 * A snooze ran out: an open exception's escalation starts over from the snooze's end, an
 * acknowledged one's reminders do; a resolved one keeps what it has, and nobody is told.
 */
export function wakeFromSnooze(
  exception: Pick<
    ExceptionRecord,
    'state' | 'snoozedUntil' | 'snoozedBy' | 'escalateAt' | 'escalationLevel' | 'remindAt'
  >,
  policy: Pick<DuePolicy, 'escalateAfterMs' | 'remindAfterMs'>,
  now: number,
): SnoozeWake {
  const until = exception.snoozedUntil ?? now;
  const snoozedBy = exception.snoozedBy ?? SYSTEM_ACTOR;
  if (exception.state === 'open')
    return {
      escalateAt: until + policy.escalateAfterMs,
      escalationLevel: 0,
      remindAt: exception.remindAt ?? null,
      told: { snoozedBy, state: 'open' },
    };
  const kept = { escalateAt: exception.escalateAt ?? null, escalationLevel: exception.escalationLevel };
  if (exception.state === 'acknowledged')
    return { ...kept, remindAt: until + policy.remindAfterMs, told: { snoozedBy, state: 'acknowledged' } };
  return { ...kept, remindAt: exception.remindAt ?? null };
}

/** The audit note of a snooze. */
export function snoozeNote(until: number): string {
  return `until ${new Date(until).toISOString()}`;
}
