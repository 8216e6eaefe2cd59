import type { ExceptionGroup } from '../../domain/exception.js';
import { ACTION, BLOCK, encodeButtonValue } from '../ids.js';
import type { SlackMessage } from './exception-message.js';
import { formatMoney, plain, safe, slackDate } from './text.js';

/** One message for a storm: how many carts, what they share, the money at risk, who holds what. */
export function renderGroupMessage(group: ExceptionGroup): SlackMessage {
  const what = `${group.stage}.${group.step}${group.errorCode ? ` ${group.errorCode}` : ''}`;
  const settled = group.open === 0;
  const mark = group.resolved === group.total ? '✅' : settled ? '🟡' : '🔴';
  const risk = group.valueAtRisk.map((m) => formatMoney(m.value, m.currency)).join(' + ') || '—';
  const carts = group.sampleCarts.map((cart) => `\`${safe(cart, 80)}\``).join(', ');
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
  if (!settled) {
    const value = encodeButtonValue({ id: group.id, rev: group.revision });
    blocks.push({
      type: 'actions',
      block_id: BLOCK.groupActions,
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: `Acknowledge all ${group.open}`, emoji: true },
          style: 'primary',
          action_id: ACTION.acknowledgeAll,
          value,
        },
      ],
    });
  }
  return { text: safe(`${group.total} carts: ${what} (${group.open} open), ${risk} at risk`, 300), blocks };
}
