import { ALL_TEAMS, describeMatch, MAINTENANCE_ACTOR, type Silence } from '../../domain/silence.js';
import type { SilenceNote } from '../../store/silence-types.js';
import type { SlackMessage } from './exception-message.js';
import { safe, slackDate, userMention } from './text.js';

/**
 * Who made or ended a silence, named and never pinged in channel posts (they know): a person's
 * display name, a login from the command line, or the maintenance window. Without `names` (a
 * reply only its reader sees), a person is drawn as a mention, which Slack shows as their name.
 */
export function silenceActor(id: string, names?: (userId: string) => string): string {
  if (id === MAINTENANCE_ACTOR) return 'maintenance';
  if (id.startsWith('cli:')) return `${safe(id.slice(4), 60)} (command line)`;
  if (names === undefined && /^[UW][A-Z0-9]+$/.test(id)) return userMention(id);
  return safe(names === undefined ? id : names(id), 80);
}

/** "Silence 'PSP maintenance' by Anna", or "Maintenance 'WMS upgrade'". */
export function silenceTitle(silence: Silence, names?: (userId: string) => string): string {
  const reason = `'${safe(silence.reason, 300)}'`;
  if (silence.maintenance !== undefined) return `Maintenance ${reason}`;
  return `Silence ${reason} by ${silenceActor(silence.createdBy, names)}`;
}

/** What a silence holds back, in words: whose, matching what. */
export function silenceScope(silence: Silence): string {
  const team = silence.team === ALL_TEAMS ? 'every team' : `the ${safe(silence.team, 80)} team`;
  return `${team}'s exceptions matching ${safe(describeMatch(silence.match), 500)}`;
}

/** A silence's start or end, in its team's channel. */
export function renderSilenceNote(note: SilenceNote, names: (userId: string) => string): SlackMessage {
  const { silence } = note;
  const text = note.type === 'started' ? startedText(note, names) : endedText(note, names);
  const period = `From ${slackDate(silence.startsAt)} to ${slackDate(silence.endedAt ?? silence.endsAt)} · \`/cart-status silences\` lists those holding now`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: period }] },
    ],
  };
}

function startedText(
  note: Extract<SilenceNote, { type: 'started' }>,
  names: (userId: string) => string,
): string {
  const { silence } = note;
  const who = silenceActor(silence.createdBy, names);
  const what = note.extended
    ? `extended the silence on ${silenceScope(silence)}`
    : `silenced ${silenceScope(silence)}`;
  return (
    `🔕 ${who} ${what} until ${slackDate(silence.endsAt)}: ${safe(silence.reason, 300)}. ` +
    'They are still raised and kept, but not posted or escalated until then.'
  );
}

function endedText(note: Extract<SilenceNote, { type: 'ended' }>, names: (userId: string) => string): string {
  const { silence } = note;
  const early = silence.endedBy !== undefined ? ` early (by ${silenceActor(silence.endedBy, names)})` : '';
  const head = `🔔 ${silenceTitle(silence, names)} ended${early}`;
  if (note.raised === 0) return `${head}: nothing matched while it held.`;
  const parts = [`${note.raised} exception${note.raised === 1 ? '' : 's'} while it held`];
  if (note.resolvedAutomatically > 0)
    parts.push(
      `${note.resolvedAutomatically} resolved ${note.resolvedAutomatically === 1 ? 'itself' : 'themselves'}`,
    );
  if (note.resolvedByPeople > 0) parts.push(`${note.resolvedByPeople} resolved by people`);
  const open = `${note.stillOpen} still open`;
  parts.push(note.posted > 0 ? `${open}, posted below` : open);
  return `${head}: ${parts.join(', ')}.`;
}
