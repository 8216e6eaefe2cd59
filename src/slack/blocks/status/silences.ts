import type { ActiveSilence } from '../../../store/silence-types.js';
import { ACTION, encodeEndSilenceValue } from '../../ids.js';
import type { SlackMessage } from '../exception-message.js';
import { silenceActor, silenceScope } from '../silence-note.js';
import { safe, slackDate } from '../text.js';

const SHOWN = 20;

/** `/cart-status silences`: what is silenced now, by whom, why and until when, each with End now. */
export function renderSilences(silences: readonly ActiveSilence[]): SlackMessage {
  if (silences.length === 0) {
    const text =
      'Nothing is silenced. A message’s ⋯ menu has "Silence like this…"; `cartwatch silence add` works too.';
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: `Silenced now: ${silences.length}` } },
  ];
  // One section each, with its button beside it: at most 20, within Slack's 50 blocks.
  for (const s of silences.slice(0, SHOWN)) {
    const who = s.maintenance === undefined ? `by ${silenceActor(s.createdBy)}` : 'maintenance window';
    const held = s.heldOpen === 0 ? 'holding nothing open' : `holding back ${s.heldOpen} open`;
    const lines = [
      `🔕 *#${s.id}* ${silenceScope(s)}`,
      `_${safe(s.reason, 300)}_ · ${who} · until ${slackDate(s.endsAt)} · ${held}`,
    ];
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: lines.join('\n') },
      accessory: {
        type: 'button',
        text: { type: 'plain_text', text: 'End now' },
        action_id: ACTION.endSilence,
        value: encodeEndSilenceValue(s.id),
        confirm: {
          title: { type: 'plain_text', text: 'End this silence?' },
          text: { type: 'plain_text', text: 'What it holds back that is still open is posted at once.' },
          confirm: { type: 'plain_text', text: 'End now' },
          deny: { type: 'plain_text', text: 'Keep it' },
        },
      },
    });
  }
  if (silences.length > SHOWN) {
    const more = `…and ${silences.length - SHOWN} more: \`cartwatch silence list\` shows them all.`;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: more }] });
  }
  return { text: `Silenced now: ${silences.length}`, blocks };
}
