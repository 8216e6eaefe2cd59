import type { AuditEntry, ExceptionRecord } from '../../../domain/exception.js';
import type { Silence } from '../../../domain/silence.js';
import type { TimelineEntry } from '../../../domain/timeline.js';
import type { CartReport } from '../../../services/cart-status.js';
import type { SlackMessage } from '../exception-message.js';
import { silenceActor } from '../silence-note.js';
import { formatDuration, formatMoney, plain, safe, slackDate, userMention } from '../text.js';
import { sections } from './pack.js';

const FIRST = 10;
const LAST = 40;
const MARK = { started: '▶️', succeeded: '✅', failed: '❌' } as const;
const STATE_MARK = { open: '🔴', acknowledged: '🟡', resolved: '✅' } as const;

/**
 * A cart's whole story for /cart-status: events across stages with the time between them, late
 * ones marked, what is expected next, and each exception with who handled it. Long timelines keep
 * their first and latest events and count the rest, so the reply always fits Slack's limits.
 */
export function renderCartReport(id: string, report: CartReport): SlackMessage {
  const cart = report.cartId ?? id;
  const value = report.value ? ` · value ${formatMoney(report.value.value, report.value.currency)}` : '';
  const unlinked = report.cartId === null ? ' · not linked to a cart yet' : '';
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: plain(`Cart ${cart}`, 150) } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${report.entries.length} events${value}${unlinked}` }],
    },
  ];
  if (report.next.length > 0) {
    const lines = report.next.map(
      (n) =>
        `⏳ ${safe(n.what, 120)} expected by ${slackDate(n.dueAt)}${n.overdueMs > 0 ? ` · *overdue ${formatDuration(n.overdueMs)}*` : ''}`,
    );
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } });
  }
  for (const text of sections(eventLines(report.entries)))
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  if (report.exceptions.length > 0) {
    blocks.push({ type: 'divider' });
    const lines = report.exceptions
      .slice(0, 10)
      .flatMap(({ exception, audit, silence }) => [
        `${STATE_MARK[exception.state]} *${exception.kind}* ${safe(`${exception.stage}.${exception.step}`, 120)}${exception.errorCode ? ` \`${safe(exception.errorCode, 60)}\`` : ''} · ${safe(exception.team, 40)} team`,
        ...noiseLines(exception, silence, report.now),
        ...audit.map((entry) => `    ${auditLine(entry)}`),
      ]);
    for (const text of sections(lines)) blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  }
  return { text: safe(`Cart ${cart}: ${report.entries.length} events`, 200), blocks: blocks.slice(0, 50) };
}

/** Silenced (by whom, why, until when) or snoozed, under the exception's line. */
function noiseLines(exception: ExceptionRecord, silence: Silence | undefined, now: number): string[] {
  const lines: string[] = [];
  if (silence !== undefined) {
    const end = silence.endedAt ?? silence.endsAt;
    const holds = silence.summarisedAt === undefined && end > now;
    const reason = `'${safe(silence.reason, 200)}'`;
    const by =
      silence.maintenance === undefined
        ? `${silenceActor(silence.createdBy)} (${reason})`
        : `maintenance ${reason}`;
    lines.push(`    🔕 ${holds ? 'silenced' : 'was silenced'} by ${by} until ${slackDate(end)}`);
  }
  if (exception.snoozedUntil !== undefined && exception.state !== 'resolved') {
    const by = exception.snoozedBy === undefined ? '' : ` by ${userMention(exception.snoozedBy)}`;
    lines.push(`    💤 snoozed${by} until ${slackDate(exception.snoozedUntil)}`);
  }
  return lines;
}

function eventLines(entries: readonly TimelineEntry[]): string[] {
  const line = ({ event, sincePreviousMs, late }: TimelineEntry) => {
    const gap = sincePreviousMs === null ? '' : ` · +${formatDuration(sincePreviousMs)}`;
    const error = event.error?.code ? ` \`${safe(event.error.code, 60)}\`` : '';
    const run = event.runId ? ` · run ${safe(event.runId, 40)}` : '';
    const where = safe(`${event.stage}.${event.step}`, 80);
    // Held back by noise.suppress: in the story, but never raised on its own.
    const held = event.suppressed ? ` · _suppressed: ${safe(event.suppressed, 80)}_` : '';
    return `${MARK[event.status]} ${slackDate(event.occurredAt)} ${where} ${event.status}${error}${held} · ${safe(event.source, 40)}${run}${gap}${late ? ' · _late_' : ''}`;
  };
  if (entries.length <= FIRST + LAST) return entries.map(line);
  const hidden = entries.length - FIRST - LAST;
  return [
    ...entries.slice(0, FIRST).map(line),
    `_… ${hidden} more events …_`,
    ...entries.slice(-LAST).map(line),
  ];
}

function auditLine(entry: AuditEntry): string {
  const who = entry.actor === 'cartwatch' ? 'Cartwatch' : userMention(entry.actor);
  const note = entry.note ? `: ${safe(entry.note, 200)}` : '';
  return `${slackDate(entry.at)} ${who} ${entry.action.replace('_', ' ')}${note}`;
}
