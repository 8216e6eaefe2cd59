import type { SlackMessage } from '../exception-message.js';
import { safe } from '../text.js';

export const CART_STATUS_HELP = [
  '*/cart-status* shows where things stand. Only you see the answer.',
  "• `/cart-status cart_8842`: that cart's timeline across stages, with its exceptions and who handled them. An order, payment or shipment id works too.",
  '• `/cart-status`: open exceptions per team and stage, the oldest unclaimed, carts waiting, resolved today.',
  '• `/cart-status mine`: what is assigned to you, with buttons.',
  '• `/cart-status help`: this.',
].join('\n');

export function renderHelp(): SlackMessage {
  return {
    text: CART_STATUS_HELP,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: CART_STATUS_HELP } }],
  };
}

/** Said when an argument is not an id we could look up: what was wrong, and what works. */
export function renderBadArgument(reason: string): SlackMessage {
  const text = `${reason}\nGive a cart, order, payment or shipment id (up to 200 characters, no spaces), \`mine\` or \`help\`.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

export function renderNotFound(id: string): SlackMessage {
  const text = `Nothing is known by \`${safe(id, 200)}\`. I looked for a cart, an order, a payment and a shipment with that id. Ids are exact and case-sensitive (e.g. \`cart_8842\`, \`ord_5521\`, \`pi_3Nx…\`); events may also not have arrived yet.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
