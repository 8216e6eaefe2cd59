import type { OutboxJob } from '../store/exception-types.js';

/** The people a row's message names (never pings), whose display names are looked up before it is sent. */
export function peopleNamedIn(job: OutboxJob): string[] {
  if (job.kind === 'silence') {
    const { createdBy, endedBy } = job.note.silence;
    return endedBy === undefined ? [createdBy] : [createdBy, endedBy];
  }
  if (job.kind !== 'thread') return [];
  switch (job.note.type) {
    case 'action':
    case 'group_action':
    case 'snoozed':
      return [job.note.actor];
    case 'snooze_ended':
      return [job.note.snoozedBy];
    default:
      return [];
  }
}
