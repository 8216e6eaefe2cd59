import { type ExceptionGroup, type PersonCount, SYSTEM_ACTOR } from '../../domain/exception.js';
import { ACTION, BLOCK, encodeButtonValue } from '../ids.js';
import type { SlackMessage } from './exception-message.js';
import { formatMoney, plain, safe, slackDate, userMention } from './text.js';

/** People named on the message; more are counted ("and 3 more"), the full story is in the thread. */
const PEOPLE_SHOWN = 5;

/** One message for a storm: how many carts, what they share, the money at risk, who holds what. */
export function renderGroupMessage(group: ExceptionGroup): SlackMessage {
  const what = `${group.stage}.${group.step}${group.errorCode ? ` ${group.errorCode}` : ''}`;
  const settled = group.open === 0;
  const live = group.open + group.acknowledged;
  const mark = group.resolved === group.total ? '✅' : settled ? '🟡' : '🔴';
  const risk = group.valueAtRisk.map((m) => formatMoney(m.value, m.currency)).join(' + ') || '—';
  const carts = group.sampleCarts.map((cart) => `\`${safe(cart, 80)}\``).join(', ');
  const handled = handledBy(group);
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: plain(`${mark} ${group.total} carts: ${what}`, 150), emoji: true },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Open*\n${group.open} unclaimed` },
        { type: 'mrkdwn', text: `*Acknowledged*\n${group.acknowledged}` },
        { type: 'mrkdwn', text: `*Resolved*\n${group.resolved}` },
        { type: 'mrkdwn', text: `*Value at risk*\n${risk}` },
        { type: 'mrkdwn', text: `*First seen*\n${slackDate(group.firstSeenAt)}` },
        { type: 'mrkdwn', text: `*Last seen*\n${slackDate(group.lastSeenAt)}` },
      ],
    },
    ...(handled === undefined ? [] : [{ type: 'context', elements: [{ type: 'mrkdwn', text: handled }] }]),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${safe(group.team, 80)} team · latest carts: ${carts || '—'}${group.total > group.sampleCarts.length ? ' …' : ''} · each cart is in \`/cart-status\``,
        },
      ],
    },
  ];
  if (live > 0) blocks.push(groupActions(group, live));
  const atRisk = group.valueAtRisk.length > 0 ? `, ${risk} at risk` : '';
  return { text: safe(`${group.total} carts: ${what} (${group.open} open)${atRisk}`, 300), blocks };
}

/** "Acknowledged by @Anna (12), @Ben (3) · Resolved by @Ben (15), automatically (2)", from stored state. */
function handledBy(group: ExceptionGroup): string | undefined {
  const parts = [
    group.acknowledgedBy.length > 0 && `Acknowledged by ${people(group.acknowledgedBy)}`,
    group.resolvedBy.length > 0 && `Resolved by ${people(group.resolvedBy)}`,
  ].filter((part): part is string => typeof part === 'string');
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

function people(counts: readonly PersonCount[]): string {
  const shown = counts
    .slice(0, PEOPLE_SHOWN)
    .map(({ user, count }) => `${user === SYSTEM_ACTOR ? 'automatically' : userMention(user)} (${count})`);
  const more = counts.length - PEOPLE_SHOWN;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** Acknowledge all while some are unclaimed; Resolve all (with an optional note) while any is live. */
function groupActions(group: ExceptionGroup, live: number): Record<string, unknown> {
  const value = encodeButtonValue({ id: group.id, rev: group.revision, upTo: group.lastMemberId });
  const acknowledgeAll = {
    type: 'button',
    text: { type: 'plain_text', text: `Acknowledge all ${group.open}`, emoji: true },
    style: 'primary',
    action_id: ACTION.acknowledgeAll,
    value,
  };
  const resolveAll = {
    type: 'button',
    text: { type: 'plain_text', text: `Resolve all ${live}…`, emoji: true },
    action_id: ACTION.resolveAll,
    value,
  };
  return {
    type: 'actions',
    block_id: BLOCK.groupActions,
    elements: group.open > 0 ? [acknowledgeAll, resolveAll] : [resolveAll],
  };
}
