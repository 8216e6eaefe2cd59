import type { AuditEntry, ExceptionRecord } from '../../domain/exception.js';
import type { ThreadNote } from '../../store/exception-types.js';
import { safe, slackDate, userMention } from './text.js';

const ACTION_TEXT: Record<AuditEntry['action'], string> = {
  opened: 'opened this',
  repeated: 'saw this again',
  acknowledged: 'acknowledged this',
  unacknowledged: 'released this',
  reassigned: 'reassigned this',
  resolved: 'resolved this',
  auto_resolved: 'resolved this automatically: a later step of this cart succeeded',
};

/**
 * A thread reply. The person who acted is named, never @-mentioned: they know, and a ping to
 * the person who just clicked is noise.
 */
export function renderThreadNote(
  note: ThreadNote,
  exception: ExceptionRecord,
  names: (userId: string) => string,
) {
  if (note.type === 'repeats') {
    const text = `Seen again: ${exception.count} times in total, last at ${slackDate(exception.lastSeenAt)}.`;
    return { text };
  }
  const who = note.actor === 'cartwatch' ? 'Cartwatch' : safe(names(note.actor), 80);
  const noteText = note.note ? `\n> ${safe(note.note, 1000)}` : '';
  if (note.action === 'reassigned') {
    // The new assignee is mentioned on purpose: they did not act, and now it is theirs.
    const to = [
      note.team && `the ${safe(note.team, 80)} team`,
      note.assignee && userMention(note.assignee),
    ].filter(Boolean);
    return { text: `${who} reassigned this to ${to.join(' and ') || 'the same owner'}.${noteText}` };
  }
  return { text: `${who} ${ACTION_TEXT[note.action]}.${noteText}` };
}
