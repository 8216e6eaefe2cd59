import type { ModalView } from '@slack/web-api';
import type { ExceptionRecord } from '../../domain/exception.js';
import { type SilenceField, silenceFieldsOf } from '../../domain/silence.js';
import type { SilencePreview } from '../../store/silence-types.js';
import { ACTION, BLOCK, encodeSilenceMetadata, INPUT, VIEW } from '../ids.js';
import { plain } from './text.js';

/** How long a silence may last, as the modal offers it (at most 7 days). */
export const SILENCE_DURATIONS: readonly { value: string; text: string }[] = [
  { value: '30m', text: '30 minutes' },
  { value: '1h', text: '1 hour' },
  { value: '2h', text: '2 hours' },
  { value: '4h', text: '4 hours' },
  { value: '8h', text: '8 hours' },
  { value: '1d', text: '1 day' },
  { value: '3d', text: '3 days' },
  { value: '7d', text: '7 days' },
];

const FIELD_LABEL: Record<SilenceField, string> = {
  stage: 'Stage',
  step: 'Step',
  error_code: 'Error code',
  source: 'Source',
};

export interface SilenceForm {
  channel: string;
  /** The fields kept (all of the exception's, when the modal opens). */
  kept: readonly SilenceField[];
  /** What the kept fields match now; absent when nothing besides the team is kept. */
  preview?: SilencePreview;
  /** Carried over when the modal is redrawn after a change of fields. */
  duration?: string;
  reason?: string;
}

/**
 * "Silence like this…": the exception's team (always kept) and its stage, step, error code and
 * source (each can be dropped), how many exceptions that matches, a duration and a reason.
 */
export function renderSilenceModal(exception: ExceptionRecord, form: SilenceForm): ModalView {
  const option = (field: SilenceField, value: string) => ({
    text: { type: 'plain_text', text: plain(`${FIELD_LABEL[field]}: ${value}`, 75) },
    value: field,
  });
  const fields = silenceFieldsOf(exception).map(({ field, value }) => option(field, value));
  const kept = fields.filter((o) => form.kept.includes(o.value));
  const duration = SILENCE_DURATIONS.find((d) => d.value === form.duration);
  const durationOption = (d: { value: string; text: string }) => ({
    text: { type: 'plain_text', text: d.text },
    value: d.value,
  });
  return {
    type: 'modal',
    callback_id: VIEW.silence,
    private_metadata: encodeSilenceMetadata({
      id: exception.id,
      team: exception.team,
      channel: form.channel,
    }),
    title: { type: 'plain_text', text: 'Silence like this' },
    submit: { type: 'plain_text', text: 'Silence' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'plain_text',
          text: plain(
            `The ${exception.team} team's exceptions like this one are still raised and kept while the silence holds, but not posted or escalated. When it ends, what is still open is posted with a summary.`,
            600,
          ),
        },
      },
      {
        type: 'input',
        block_id: BLOCK.silenceMatch,
        // Checked here rather than by Slack, so the modal can say what is missing.
        optional: true,
        // A change redraws the preview below.
        dispatch_action: true,
        label: { type: 'plain_text', text: `Team ${plain(exception.team, 60)}, and matching` },
        element: {
          type: 'checkboxes',
          action_id: ACTION.silenceMatch,
          options: fields,
          ...(kept.length > 0 && { initial_options: kept }),
        },
      },
      {
        type: 'context',
        block_id: BLOCK.silencePreview,
        elements: [{ type: 'mrkdwn', text: previewText(form.preview) }],
      },
      {
        type: 'input',
        block_id: BLOCK.silenceFor,
        label: { type: 'plain_text', text: 'For' },
        element: {
          type: 'static_select',
          action_id: INPUT.silenceFor,
          placeholder: { type: 'plain_text', text: 'How long (at most 7 days)' },
          options: SILENCE_DURATIONS.map(durationOption),
          ...(duration && { initial_option: durationOption(duration) }),
        },
      },
      {
        type: 'input',
        block_id: BLOCK.silenceReason,
        label: { type: 'plain_text', text: 'Reason' },
        hint: { type: 'plain_text', text: 'Shown with the silence, and in the summary when it ends.' },
        element: {
          type: 'plain_text_input',
          action_id: INPUT.silenceReason,
          max_length: 300,
          placeholder: { type: 'plain_text', text: 'e.g. PSP maintenance, ticket OPS-123' },
          ...(form.reason !== undefined && { initial_value: form.reason }),
        },
      },
      // Renderers build plain Block Kit JSON; the client's block types are narrower than needed here.
    ] as unknown as ModalView['blocks'],
  };
}

function previewText(preview: SilencePreview | undefined): string {
  if (preview === undefined)
    return 'Keep at least one of stage, step, error code or source besides the team.';
  const plural = (n: number) => (n === 1 ? 'exception' : 'exceptions');
  return `Matches ${preview.open} open ${plural(preview.open)} now, ${preview.lastDay} in the last 24 hours.`;
}
