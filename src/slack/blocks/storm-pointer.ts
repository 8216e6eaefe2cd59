import type { ExceptionGroup, ExceptionRecord } from '../../domain/exception.js';
import { ACTION, BLOCK, encodeButtonValue } from '../ids.js';
import type { SlackMessage } from './exception-message.js';
import { plain, safe } from './text.js';

/**
 * What the message of an exception posted alone becomes once a storm it belongs to forms: a
 * pointer to the storm's message, where it is acknowledged and resolved. Only Timeline is left.
 */
export function renderJoinedStorm(
  exception: ExceptionRecord,
  group: ExceptionGroup,
  options: { permalink?: string },
): SlackMessage {
  const what = `${group.stage}.${group.step}${group.errorCode ? ` ${group.errorCode}` : ''}`;
  const storm = `${group.total} carts ${group.kind === 'stalled' ? 'stalled at' : 'failing'} ${what}`;
  const there = options.permalink
    ? `<${options.permalink}|the storm's message>`
    : `the storm's message in <#${group.channel}>`;
  const subject = exception.cartId ? `Cart \`${safe(exception.cartId, 200)}\`` : 'This exception';
  return {
    text: safe(`Now part of a storm: ${storm}`, 300),
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: plain(`🌪️ Part of a storm: ${exception.stage}.${exception.step}`, 150),
          emoji: true,
        },
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${subject} is now part of a storm: *${safe(storm, 400)}* → ${there}. Acknowledge, resolve and follow it there.`,
        },
      },
      {
        type: 'actions',
        block_id: BLOCK.actions,
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Timeline', emoji: true },
            action_id: ACTION.timeline,
            value: encodeButtonValue({ id: exception.id, rev: exception.revision }),
          },
        ],
      },
    ],
  };
}
