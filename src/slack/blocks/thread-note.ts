import type { AuditEntry, ExceptionRecord } from '../../domain/exception.js';
import type { ThreadNote } from '../../store/exception-types.js';
import { autoResolutionReason, formatDuration, mentionOf, safe, slackDate, userMention } from './text.js';

const ACTION_TEXT: Record<AuditEntry['action'], string> = {
  opened: 'opened this',
  repeated: 'saw this again',
  acknowledged: 'acknowledged this',
  unacknowledged: 'released this',
  reassigned: 'reassigned this',
  resolved: 'resolved this',
  auto_resolved: 'resolved this automatically',
  snoozed: 'snoozed this',
  snooze_ended: 'ended the snooze',
};

/**
 * A thread reply. The person who acted is named, never @-mentioned: they know, and a ping to
 * the person who just clicked is noise. Mentions go only to people who now have to do something.
 */
export function renderThreadNote(
  note: ThreadNote,
  exception: ExceptionRecord,
  names: (userId: string) => string,
): { text: string } | { text: string; reply_broadcast: true } {
  switch (note.type) {
    case 'repeats':
      return {
        text: `Seen again: ${exception.count} times in total, last at ${slackDate(exception.lastSeenAt)}.`,
      };
    case 'also':
      return { text: `Also: ${safe(note.reason, 1000)}` };
    case 'escalation': {
      const text = `unacknowledged for ${formatDuration(note.waitedMs)}. Please acknowledge or reassign.`;
      if (note.mention !== undefined) return { text: `${mentionOf(note.mention)}: ${text}` };
      // No one to mention: the reply is also sent to the channel, where the team sees it.
      return { text: `The ${safe(exception.team, 80)} team: ${text}`, reply_broadcast: true };
    }
    case 'reminder':
      return {
        text: `${userMention(note.assignee)}: still yours and unresolved after ${formatDuration(note.waitedMs)}. Resolve it, or reassign it with a note.`,
      };
    case 'snoozed':
      return {
        text: `${safe(names(note.actor), 80)} snoozed this until ${slackDate(note.until)}: no escalation or reminder until then.`,
      };
    case 'snooze_ended': {
      const who = safe(names(note.snoozedBy), 80);
      const next =
        note.state === 'open'
          ? 'still open, so escalation starts again'
          : 'still unresolved, so reminders start again';
      return { text: `The snooze by ${who} is over and this is ${next}.` };
    }
    case 'action':
      return actionNote(note, exception, names);
    case 'group_action': {
      const carts = `${note.count} cart${note.count === 1 ? '' : 's'}`;
      const noteText = note.note ? `: ${safe(note.note, 1000)}` : '.';
      return { text: `${safe(names(note.actor), 80)} ${note.action} ${carts}${noteText}` };
    }
  }
}

function actionNote(
  note: Extract<ThreadNote, { type: 'action' }>,
  exception: ExceptionRecord,
  names: (userId: string) => string,
) {
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
  if (note.action === 'auto_resolved')
    return { text: `${who} resolved this automatically: ${autoResolutionReason(exception)}.` };
  return { text: `${who} ${ACTION_TEXT[note.action]}.${noteText}` };
}

/** The escalation channel's post: what is waiting, for how long, and a link to its message. */
export function renderEscalation(
  exception: ExceptionRecord,
  options: { permalink?: string; waitedMs: number },
) {
  const what = safe(
    `${exception.stage}.${exception.step}${exception.cartId ? ` · cart ${exception.cartId}` : ''}`,
    300,
  );
  const link = options.permalink ? `<${options.permalink}|${what}>` : what;
  return {
    text: `Unacknowledged for ${formatDuration(options.waitedMs)} in <#${exception.channel}> (${safe(exception.team, 80)} team): ${link}`,
  };
}
