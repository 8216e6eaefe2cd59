import type { ExceptionRecord } from '../../domain/exception.js';
import { BLOCK, INPUT, VIEW } from '../ids.js';
import { exceptionModal } from './exception-modal.js';

/** "Resolve with a note…": the note is optional and goes to the audit trail and the thread. */
export function renderResolveModal(exception: ExceptionRecord, options: { channel: string }) {
  return exceptionModal({
    callbackId: VIEW.resolve,
    title: 'Resolve exception',
    submit: 'Resolve',
    exception,
    channel: options.channel,
    inputs: [
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
  });
}
