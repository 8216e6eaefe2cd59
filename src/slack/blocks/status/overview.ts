import type { ExceptionRecord } from '../../../domain/exception.js';
import type { ActiveSilence } from '../../../store/silence-types.js';
import type { ExceptionOverview } from '../../../store/status-types.js';
import type { SlackMessage } from '../exception-message.js';
import { silenceActor, silenceScope } from '../silence-note.js';
import { formatDuration, formatMoney, safe, slackDate } from '../text.js';
import { sections } from './pack.js';

/** /cart-status alone: where every team stands, and what is silenced. */
export function renderOverview(
  overview: ExceptionOverview,
  now: number,
  silences: readonly ActiveSilence[] = [],
): SlackMessage {
  const silencing = new Set(silences.map((s) => s.id));
  const teams = overview.byTeamAndStage.map((row) => {
    const risk = row.valueAtRisk.map((m) => formatMoney(m.value, m.currency)).join(' + ');
    return `*${safe(row.team, 60)}* · ${row.stage}: ${row.open} open, ${row.acknowledged} acknowledged${risk ? ` · ${risk} at risk` : ''}`;
  });
  const oldest = overview.oldestUnclaimed.map(
    (e) =>
      `${exceptionLine(e)} · unclaimed for ${formatDuration(now - e.firstSeenAt)}${e.silenceId !== undefined && silencing.has(e.silenceId) ? ' · 🔕 silenced' : ''}`,
  );
  const waiting = overview.waiting.map(
    (w) =>
      `${w.stage}: ${w.carts} carts${w.oldestAt === undefined ? '' : `, oldest for ${formatDuration(now - w.oldestAt)}`}`,
  );
  // Whole lines in sections under Slack's limit; beyond 40 rows, the rest are counted, not dropped.
  const section = (title: string, lines: string[], empty: string) => {
    const shown = lines.length > 40 ? [...lines.slice(0, 40), `_…and ${lines.length - 40} more_`] : lines;
    const texts = sections(shown.length > 0 ? shown : [empty]);
    return texts.map((text, i) => ({
      type: 'section',
      text: { type: 'mrkdwn', text: i === 0 ? `*${title}*\n${text}` : text },
    }));
  };
  return {
    text: `Open exceptions: ${overview.byTeamAndStage.reduce((n, r) => n + r.open + r.acknowledged, 0)}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Cartwatch: where things stand' } },
      ...section('Open exceptions by team and stage', teams, 'None. 🎉'),
      ...section('Oldest unclaimed', oldest, 'Nothing is waiting for an owner.'),
      ...section('Carts waiting per stage', waiting, 'No carts are waiting.'),
      ...(silences.length > 0 ? section('Silenced now', silences.map(silenceLine), '') : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: footer(overview) }] },
    ],
  };
}

/** Totals count each cart's value once, however many exceptions it has. */
function footer(overview: ExceptionOverview): string {
  const risk = overview.valueAtRisk.map((m) => formatMoney(m.value, m.currency)).join(' + ');
  return `${risk ? `At risk in all: ${risk} · ` : ''}Resolved today: ${overview.resolvedSince}`;
}

/** A silence in one line: what, why, by whom, until when, and what it holds back. */
function silenceLine(s: ActiveSilence): string {
  const who = s.maintenance === undefined ? `by ${silenceActor(s.createdBy)}` : 'maintenance';
  return `🔕 ${silenceScope(s)} · _${safe(s.reason, 200)}_ ${who} until ${slackDate(s.endsAt)} · ${s.heldOpen} open held back`;
}

export function exceptionLine(e: ExceptionRecord): string {
  const cart = e.cartId ? ` · cart \`${safe(e.cartId, 80)}\`` : '';
  const error = e.errorCode ? ` \`${safe(e.errorCode, 60)}\`` : '';
  return `*${e.kind}* ${safe(`${e.stage}.${e.step}`, 100)}${error}${cart} · ${safe(e.team, 40)} · since ${slackDate(e.firstSeenAt)}`;
}
