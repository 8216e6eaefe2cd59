import type { ExceptionRecord } from '../../../domain/exception.js';
import type { ExceptionOverview } from '../../../store/status-types.js';
import type { SlackMessage } from '../exception-message.js';
import { formatDuration, formatMoney, safe, slackDate } from '../text.js';

/** /cart-status alone: where every team stands. */
export function renderOverview(overview: ExceptionOverview, now: number): SlackMessage {
  const teams = overview.byTeamAndStage.map((row) => {
    const risk = row.valueAtRisk.map((m) => formatMoney(m.value, m.currency)).join(' + ');
    return `*${safe(row.team, 60)}* · ${row.stage}: ${row.open} open, ${row.acknowledged} acknowledged${risk ? ` · ${risk} at risk` : ''}`;
  });
  const oldest = overview.oldestUnclaimed.map(
    (e) => `${exceptionLine(e)} · unclaimed for ${formatDuration(now - e.firstSeenAt)}`,
  );
  const waiting = overview.waiting.map(
    (w) =>
      `${w.stage}: ${w.carts} carts${w.oldestAt === undefined ? '' : `, oldest for ${formatDuration(now - w.oldestAt)}`}`,
  );
  const section = (title: string, lines: string[], empty: string) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: `*${title}*\n${lines.length > 0 ? lines.slice(0, 25).join('\n') : empty}` },
  });
  return {
    text: `Open exceptions: ${overview.byTeamAndStage.reduce((n, r) => n + r.open + r.acknowledged, 0)}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Cartwatch: where things stand' } },
      section('Open exceptions by team and stage', teams, 'None. 🎉'),
      section('Oldest unclaimed', oldest, 'Nothing is waiting for an owner.'),
      section('Carts waiting per stage', waiting, 'No carts are waiting.'),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Resolved today: ${overview.resolvedSince}` }] },
    ],
  };
}

export function exceptionLine(e: ExceptionRecord): string {
  const cart = e.cartId ? ` · cart \`${safe(e.cartId, 80)}\`` : '';
  const error = e.errorCode ? ` \`${safe(e.errorCode, 60)}\`` : '';
  return `*${e.kind}* ${safe(`${e.stage}.${e.step}`, 100)}${error}${cart} · ${safe(e.team, 40)} · since ${slackDate(e.firstSeenAt)}`;
}
