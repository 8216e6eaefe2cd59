import type { WaitingReport } from '../../../services/cart-status.js';
import type { SlackMessage } from '../exception-message.js';
import { formatDuration, formatMoney, safe, slackDate } from '../text.js';
import { sections } from './pack.js';

/**
 * A backlog's Timeline: the carts waiting in its stage, oldest first, each with its step, how long
 * it has waited and its value, so the person who clicked sees which carts to look at first.
 */
export function renderWaitingCarts(report: WaitingReport): SlackMessage {
  const { stage, total, carts, now } = report;
  if (total === 0 || carts.length === 0) {
    return {
      text: `No carts are waiting in ${stage} now.`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `No carts are waiting in ${stage} now. 🎉` } },
      ],
    };
  }
  const lines = carts.map(
    (cart) =>
      `• \`${safe(cart.cartId, 120)}\` · ${stage}.${safe(cart.step, 100)} since ${slackDate(cart.since)} · waiting ${formatDuration(now - cart.since)}${cart.value ? ` · ${formatMoney(cart.value.value, cart.value.currency)}` : ''}`,
  );
  const more = total - carts.length;
  if (more > 0) lines.push(`_…and ${more} more_`);
  const title = `${total} ${total === 1 ? 'cart' : 'carts'} waiting in ${stage}, oldest first`;
  return {
    text: title,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
      ...sections(lines).map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } })),
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: "`/cart-status <cart>` shows one cart's whole timeline." }],
      },
    ],
  };
}
