import type { ExceptionRecord } from '../../domain/exception.js';
import type { SnoozeChoice } from '../../domain/silence.js';
import { BLOCK, INPUT, VIEW } from '../ids.js';
import { exceptionModal } from './exception-modal.js';
import { slackDate } from './text.js';

/**
 * "Snooze…": how long (30 minutes, 1 hour, 4 hours, or until tomorrow's digest). Slack's ⋯ menu
 * holds five options, so the four snoozes are picked here rather than in the menu itself.
 */
export function renderSnoozeModal(
  exception: ExceptionRecord,
  options: { channel: string; digestAt: string },
) {
  const choices: { value: SnoozeChoice; text: string }[] = [
    { value: '30m', text: '30 minutes' },
    { value: '1h', text: '1 hour' },
    { value: '4h', text: '4 hours' },
    { value: 'digest', text: `Until tomorrow's digest (${options.digestAt})` },
  ];
  const option = (c: { value: string; text: string }) => ({
    text: { type: 'plain_text', text: c.text },
    value: c.value,
  });
  const now =
    exception.snoozedUntil === undefined
      ? ''
      : ` It is snoozed until ${slackDate(exception.snoozedUntil)} now.`;
  return exceptionModal({
    callbackId: VIEW.snooze,
    title: 'Snooze exception',
    submit: 'Snooze',
    exception,
    channel: options.channel,
    inputs: [
      {
        type: 'input',
        block_id: BLOCK.snoozeFor,
        label: { type: 'plain_text', text: 'For' },
        element: {
          type: 'static_select',
          action_id: INPUT.snoozeFor,
          options: choices.map(option),
          initial_option: option(choices[1] as { value: string; text: string }),
        },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `No escalation or reminder until then; repeats still count. If it is still open when the snooze ends, its thread says so and escalation starts again.${now}`,
          },
        ],
      },
    ],
  });
}
