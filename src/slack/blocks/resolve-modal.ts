import type { ExceptionRecord } from '../../domain/exception.js';
import { BLOCK, encodeReassignMetadata, INPUT, VIEW } from '../ids.js';
import { plain } from './text.js';

/** "Resolve with a note…": the note is optional and goes to the audit trail and the thread. */
export function renderResolveModal(exception: ExceptionRecord, options: { channel: string }) {
  return {
    type: 'modal' as const,
    callback_id: VIEW.resolve,
    // Same shape as Reassign's: which exception, the revision shown, where to answer.
    private_metadata: encodeReassignMetadata({
      id: exception.id,
      rev: exception.revision,
      channel: options.channel,
    }),
    title: { type: 'plain_text' as const, text: 'Resolve exception' },
    submit: { type: 'plain_text' as const, text: 'Resolve' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'plain_text',
          text: plain(
            `${exception.stage}.${exception.step}${exception.cartId ? ` · cart ${exception.cartId}` : ''}`,
            300,
          ),
        },
      },
      {
        type: 'input',
        block_id: BLOCK.resolveNote,
        optional: true,
        label: { type: 'plain_text', text: 'Note' },
        hint: { type: 'plain_text', text: 'What fixed it, for whoever meets this next.' },
        element: {
          type: 'plain_text_input',
          action_id: INPUT.resolveNote,
          multiline: true,
          max_length: 2000,
        },
      },
    ],
  };
}
