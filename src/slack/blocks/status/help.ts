import type { LookupMatch } from '../../../services/cart-status.js';
import type { SlackMessage } from '../exception-message.js';
import { safe } from '../text.js';

export const CART_STATUS_HELP = [
  '*/cart-status* shows where things stand. Only you see the answer.',
  "• `/cart-status cart_8842`: that cart's timeline across stages, with its exceptions and who handled them. An order, payment or shipment id works too, as do a Shopify order's number, name (`#1001`), admin URL or `gid://`, and a Stripe `pi_`, `ch_` or `cs_` id.",
  '• `/cart-status`: open exceptions per team and stage, the oldest unclaimed, carts waiting, resolved today.',
  '• `/cart-status mine`: what is assigned to you, with buttons.',
  '• `/cart-status silences`: what is silenced now (by whom, why, until when), each with End now. A message’s ⋯ menu has Snooze… and Silence like this….',
  '• `/cart-status trends [stage|stage.step] [--days N]`: failure rates, times through stages and their trend over the last 7 days (or N), day by day, against the days before.',
  '• `/cart-status help`: this.',
].join('\n');

export function renderHelp(): SlackMessage {
  return {
    text: CART_STATUS_HELP,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: CART_STATUS_HELP } }],
  };
}

/** Said when an argument is not an id we could look up: what was wrong, and what works. */
export function renderBadArgument(reason: string, usage?: string): SlackMessage {
  const text = `${reason}\n${usage ?? 'Give a cart, order, payment or shipment id (up to 200 characters, no spaces), `mine` or `help`.'}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

export function renderNotFound(id: string): SlackMessage {
  const text = `Nothing is known by \`${safe(id, 200)}\`. I looked for a cart, an order, a payment and a shipment with that id, a Shopify order (number, name, admin URL or gid) and a Stripe payment, charge or Checkout Session. Ids are exact and case-sensitive (e.g. \`cart_8842\`, \`ord_5521\`, \`pi_3Nx…\`, \`#1001\`); events may also not have arrived yet.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** Said when what was typed reads as more than one cart (`1001`: an order name and an order id). */
export function renderAmbiguous(id: string, matches: readonly LookupMatch[]): SlackMessage {
  const lines = matches.map(
    (m) =>
      `• ${m.reading.as} \`${safe(m.reading.key, 200)}\`: ${m.cartId === null ? 'not linked to a cart yet' : `cart \`${safe(m.cartId, 200)}\``}`,
  );
  const text = [
    `\`${safe(id, 200)}\` could mean more than one cart:`,
    ...lines,
    'Give the one you mean as it is shown there, e.g. the `#` name or the admin URL.',
  ].join('\n');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
