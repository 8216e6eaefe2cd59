import type { ExceptionKind, ExceptionRecord } from '../../domain/exception.js';
import { percent } from '../../domain/rates.js';
import { ACTION, BLOCK, encodeButtonValue, encodeMenuValue, type MenuPick } from '../ids.js';
import { rateFields } from './rate-fields.js';
import { autoResolutionReason, formatMoney, plain, safe, slackDate, userMention } from './text.js';

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

const KIND_LABEL: Record<ExceptionKind, string> = {
  failed: 'Failed',
  stalled: 'Stalled',
  backlog: 'Backlog',
  silent_source: 'Source went silent',
  rate: 'Failing too often',
};

const STATE_MARK = { open: '🔴', acknowledged: '🟡', resolved: '✅' } as const;

/** The whole exception message, rendered from state every time (never patched). */
export function renderExceptionMessage(exception: ExceptionRecord): SlackMessage {
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      // plain_text: event data in it can never format, ping or link.
      text: { type: 'plain_text', text: plain(headline(exception), 150), emoji: true },
    },
    { type: 'section', fields: fields(exception) },
  ];
  if (exception.errorMessage !== undefined) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `> ${safe(exception.errorMessage, 1500)}` },
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: withNoise(status(exception), exception) }],
  });
  blocks.push({ type: 'actions', block_id: BLOCK.actions, elements: buttons(exception) });
  return { text: fallbackText(exception), blocks };
}

/** What the old message of a reassigned exception becomes: where it went, and no buttons. */
export function renderMovedMessage(exception: ExceptionRecord, actor: string): SlackMessage {
  const where = `<#${exception.channel}> (${safe(exception.team, 80)} team)`;
  return {
    text: safe(
      `Moved: ${exception.stage}.${exception.step}${exception.cartId ? ` for cart ${exception.cartId}` : ''}`,
      300,
    ),
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: plain(`➡️ ${headline(exception).slice(2)}`, 150), emoji: true },
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${exception.cartId ? `Cart \`${safe(exception.cartId, 200)}\`: r` : 'R'}eassigned to ${where} by ${userMention(actor)}. Follow it there.`,
        },
      },
    ],
  };
}

function headline(exception: ExceptionRecord): string {
  return `${STATE_MARK[exception.state]} ${KIND_LABEL[exception.kind]}: ${exception.stage}.${exception.step}`;
}

function fields(exception: ExceptionRecord): { type: 'mrkdwn'; text: string }[] {
  const field = (label: string, value: string) => ({ type: 'mrkdwn' as const, text: `*${label}*\n${value}` });
  if (exception.rate !== undefined) {
    return [
      ...rateFields(exception.rate),
      field('Breached since', slackDate(exception.firstSeenAt)),
      field('Updated', slackDate(exception.lastSeenAt)),
      field('Owner', `${safe(exception.team, 80)} team`),
      field('Assignee', exception.assignee ? userMention(exception.assignee) : 'unclaimed'),
    ];
  }
  const list = [
    field('Cart', exception.cartId ? `\`${safe(exception.cartId, 200)}\`` : '—'),
    field('Error', exception.errorCode ? `\`${safe(exception.errorCode, 100)}\`` : '—'),
    field('Value at risk', valueText(exception)),
    field('Source', sourceText(exception)),
    field('First seen', slackDate(exception.firstSeenAt)),
    field('Last seen', `${slackDate(exception.lastSeenAt)} (${exception.count}×)`),
    field('Owner', `${safe(exception.team, 80)} team`),
    field('Assignee', exception.assignee ? userMention(exception.assignee) : 'unclaimed'),
  ];
  return list;
}

/** The amount, and where it came from when the failing event did not carry it. */
function valueText(exception: ExceptionRecord): string {
  if (exception.amount === undefined) return '—';
  const money = formatMoney(exception.amount.value, exception.amount.currency);
  return exception.amountFrom === 'cart' ? `${money} (the cart's value)` : money;
}

function sourceText(exception: ExceptionRecord): string {
  const source = exception.source ? safe(exception.source, 100) : '—';
  return exception.runId ? `${source}, run \`${safe(exception.runId, 200)}\`` : source;
}

function status(exception: ExceptionRecord): string {
  const why = `Routed to ${safe(exception.team, 80)}: ${safe(exception.reason, 300)}`;
  if (exception.state === 'acknowledged' && exception.assignee && exception.acknowledgedAt !== undefined) {
    return `Acknowledged by ${userMention(exception.assignee)} since ${slackDate(exception.acknowledgedAt)} · ${why}`;
  }
  if (exception.state === 'resolved' && exception.resolvedAt !== undefined) {
    const by =
      exception.resolution === 'auto' || exception.resolvedBy === undefined
        ? `automatically: ${autoResolutionReason(exception)}`
        : `by ${userMention(exception.resolvedBy)}`;
    return `Resolved ${by} at ${slackDate(exception.resolvedAt)} · ${why}`;
  }
  // Handed to a person who has not acknowledged yet: theirs, not up for grabs.
  if (exception.assignee !== undefined)
    return `Assigned to ${userMention(exception.assignee)}, not yet acknowledged · ${why}`;
  return `Open, unclaimed · ${why}`;
}

/** A snooze, or a silence it was held back by, said after where it stands. */
function withNoise(text: string, exception: ExceptionRecord): string {
  const notes = [text];
  if (exception.snoozedUntil !== undefined && exception.state !== 'resolved') {
    const by = exception.snoozedBy === undefined ? '' : ` by ${userMention(exception.snoozedBy)}`;
    notes.push(
      `💤 Snoozed${by} until ${slackDate(exception.snoozedUntil)}: no escalation or reminder until then`,
    );
  }
  if (exception.silenceId !== undefined)
    notes.push('🔕 Raised while a silence held it back; posted when it ended');
  return notes.join(' · ');
}

function buttons(exception: ExceptionRecord): Record<string, unknown>[] {
  const value = encodeButtonValue({ id: exception.id, rev: exception.revision });
  const button = (text: string, actionId: string, style?: 'primary' | 'danger') => ({
    type: 'button',
    text: { type: 'plain_text', text, emoji: true },
    action_id: actionId,
    value,
    ...(style && { style }),
  });
  const timeline = button('Timeline', ACTION.timeline);
  if (exception.state === 'resolved') return [timeline];
  const claim =
    exception.state === 'open'
      ? button('Acknowledge', ACTION.acknowledge, 'primary')
      : button('Unacknowledge', ACTION.unacknowledge);
  const pick = (text: string, choice: MenuPick) => ({
    text: { type: 'plain_text', text },
    value: encodeMenuValue({ id: exception.id, rev: exception.revision, pick: choice }),
  });
  const more = {
    type: 'overflow',
    action_id: ACTION.more,
    options: [
      pick('Resolve with a note…', 'resolve'),
      pick(exception.snoozedUntil === undefined ? 'Snooze…' : 'Snooze again…', 'snooze'),
      pick('Silence like this…', 'silence'),
    ],
  };
  return [claim, button('Reassign', ACTION.reassign), button('Resolve', ACTION.resolve), timeline, more];
}

/** Notification and screen-reader text: what, where, how much. */
function fallbackText(exception: ExceptionRecord): string {
  const parts = [`${KIND_LABEL[exception.kind]}: ${exception.stage}.${exception.step}`];
  if (exception.cartId) parts.push(`cart ${exception.cartId}`);
  if (exception.errorCode) parts.push(exception.errorCode);
  if (exception.rate)
    parts.push(`${percent(exception.rate.rate)} of ${exception.rate.attempts} attempts failed`);
  if (exception.amount)
    parts.push(`${formatMoney(exception.amount.value, exception.amount.currency)} at risk`);
  const state = exception.state === 'open' ? '' : ` (${exception.state})`;
  return safe(`${parts.join(' · ')}${state}`, 300);
}
