import type { Compared, DigestFacts } from '../../domain/digest.js';
import { isQuiet } from '../../domain/digest.js';
import { percent } from '../../domain/rates.js';
import type { SlackMessage } from './exception-message.js';
import { formatDuration, formatMoney, safe, slackDate } from './text.js';

function change(c: Compared): string {
  const delta = c.now - c.before;
  return `${c.now} (${delta === 0 ? '±0' : delta > 0 ? `+${delta}` : `${delta}`} vs. the day before)`;
}

function changeMs(c: Compared<number | undefined> | undefined): string {
  if (c?.now === undefined) return '—';
  const before =
    c.before === undefined ? 'none the day before' : `${formatDuration(c.before)} the day before`;
  return `${formatDuration(c.now)} (${before})`;
}

function money(amounts: readonly { value: number; currency: string }[]): string {
  return amounts.map((m) => formatMoney(m.value, m.currency)).join(' + ') || '—';
}

/** " (was 3 on 2026-11-26)", from the previous digest, when there was one. */
function was(facts: DigestFacts, pick: (previous: NonNullable<DigestFacts['previous']>) => string): string {
  return facts.previous ? ` (was ${pick(facts.previous)} on ${facts.previous.localDate})` : '';
}

/** "*Suppressed:* 212 customer-caused, 3 test-cards": what noise.suppress held back in the window. */
function suppressedLine(facts: DigestFacts): string {
  const counts = (facts.suppressed ?? []).map((s) => `${s.count} ${safe(s.reason, 80)}`);
  return `*Suppressed:* ${counts.join(', ') || 'none'}`;
}

/** The noise lines, in digests that carry them: what was suppressed, and each rate rule's state. */
function noiseLines(facts: DigestFacts): string[] {
  const lines = facts.suppressed === undefined ? [] : [suppressedLine(facts)];
  const rates = (facts.rates ?? []).map((r) => {
    const state = r.breachedAt === undefined ? 'normal' : `*breached* since ${slackDate(r.breachedAt)}`;
    return `\`${safe(r.rule, 80)}\` ${state}, ${percent(r.rate)} of ${r.attempts} attempts (threshold ${percent(r.threshold)})`;
  });
  if (rates.length > 0) lines.push(`*Failure rates:* ${rates.join(' · ')}`);
  return lines;
}

/** "*Silenced:* 37: 30 'PSP maintenance', 7 maintenance 'WMS upgrade'", when silences held any back. */
function silencedLine(facts: DigestFacts): string[] {
  const held = facts.silenced ?? [];
  if (held.length === 0) return [];
  const total = held.reduce((n, s) => n + s.count, 0);
  const each = held.map((s) => `${s.count} ${s.maintenance ? 'maintenance ' : ''}'${safe(s.reason, 80)}'`);
  return [`*Silenced:* ${total}: ${each.join(', ')}`];
}

/** The morning digest for one team; a quiet day gets one line. */
export function renderDigest(facts: DigestFacts): SlackMessage {
  const title = `Cartwatch digest · ${safe(facts.team, 60)} · ${facts.localDate}`;
  if (isQuiet(facts)) {
    const held = facts.suppressed?.length ? ` ${suppressedLine(facts).replaceAll('*', '')}.` : '';
    const text = `${title}: a quiet day. Nothing new, nothing open.${held}`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const risk = money(facts.valueAtRisk);
  const oldest = facts.oldestUnclaimed
    ? `${safe(facts.oldestUnclaimed.what, 120)}${facts.oldestUnclaimed.cartId ? ` · cart \`${safe(facts.oldestUnclaimed.cartId, 80)}\`` : ''} · since ${slackDate(facts.oldestUnclaimed.since)}`
    : 'none';
  const top = (items: { label: string; count: number }[]) =>
    items.length > 0 ? items.map((i) => `\`${safe(i.label, 80)}\` ${i.count}`).join(', ') : '—';
  const lines = [
    `*New:* ${change(facts.opened)}`,
    `*Acknowledged:* ${change(facts.acknowledged)}`,
    `*Resolved:* ${change(facts.resolved)} · *automatically:* ${change(facts.autoResolved)}`,
    `*Carried over open:* ${facts.carriedOver}${was(facts, (p) => `${p.carriedOver}`)} · *open now:* ${facts.stillOpen}${was(facts, (p) => `${p.stillOpen}`)}`,
    `*Oldest unclaimed:* ${oldest}`,
    `*Median time to acknowledge:* ${changeMs(facts.medianAckMs)}`,
    `*Median time to resolve:* ${changeMs(facts.medianResolveMs)}`,
    `*Top failing steps:* ${top(facts.topSteps.map((s) => ({ label: s.what, count: s.count })))}`,
    `*Top error codes:* ${top(facts.topErrors.map((e) => ({ label: e.code, count: e.count })))}`,
    `*Value at risk:* ${risk}${was(facts, (p) => money(p.valueAtRisk))}`,
    ...noiseLines(facts),
    ...silencedLine(facts),
  ];
  return {
    text: `${title}: ${facts.opened.now} new, ${facts.stillOpen} open`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `From ${slackDate(facts.from)} to ${slackDate(facts.to)}` }],
      },
    ],
  };
}

/** The digest as plain text, for `cartwatch digest --dry-run`. */
export function digestAsText(facts: DigestFacts): string {
  const message = renderDigest(facts);
  const texts = message.blocks.flatMap((block) => {
    const text = (block as { text?: { text?: string } }).text?.text;
    return text === undefined ? [] : [text];
  });
  return `${texts
    .join('\n')
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1')
    .replace(/\*/g, '')}\n`;
}
