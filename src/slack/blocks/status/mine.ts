import type { ExceptionRecord } from '../../../domain/exception.js';
import { ACTION, BLOCK, encodeButtonValue } from '../../ids.js';
import type { SlackMessage } from '../exception-message.js';
import { exceptionLine } from './overview.js';

/** /cart-status mine: what is assigned to the caller, oldest first, each with its buttons. */
export function renderMine(exceptions: readonly ExceptionRecord[]): SlackMessage {
  if (exceptions.length === 0) {
    return {
      text: 'Nothing is assigned to you.',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Nothing is assigned to you. 🎉' } }],
    };
  }
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: `Assigned to you: ${exceptions.length}` } },
  ];
  // Two blocks each, at most 20: within Slack's 50 blocks with room for the header.
  for (const e of exceptions.slice(0, 20)) {
    const value = encodeButtonValue({ id: e.id, rev: e.revision });
    const button = (text: string, action_id: string) => ({
      type: 'button',
      text: { type: 'plain_text', text },
      action_id,
      value,
    });
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `${e.state === 'acknowledged' ? '🟡' : '🔴'} ${exceptionLine(e)}` },
    });
    blocks.push({
      type: 'actions',
      // Marks a click as made on this reply, which is then drawn again in place.
      block_id: `${BLOCK.mineActions}${e.id}.${e.revision}`,
      elements: [
        e.state === 'open'
          ? button('Acknowledge', ACTION.acknowledge)
          : button('Unacknowledge', ACTION.unacknowledge),
        button('Reassign', ACTION.reassign),
        button('Resolve', ACTION.resolve),
        button('Timeline', ACTION.timeline),
      ],
    });
  }
  return { text: `Assigned to you: ${exceptions.length}`, blocks };
}
