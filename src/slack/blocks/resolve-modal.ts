import type { ModalView } from '@slack/web-api';
import type { ExceptionGroup, ExceptionRecord } from '../../domain/exception.js';
import { BLOCK, encodeReassignMetadata, INPUT, VIEW } from '../ids.js';
import { exceptionModal } from './exception-modal.js';
import { plain } from './text.js';

/** "Resolve with a note…": the note is optional and goes to the audit trail and the thread. */
export function renderResolveModal(exception: ExceptionRecord, options: { channel: string }) {
  return exceptionModal({
    callbackId: VIEW.resolve,
    title: 'Resolve exception',
    submit: 'Resolve',
    exception,
    channel: options.channel,
    inputs: [noteInput('What fixed it, for whoever meets this next.')],
  });
}

/**
 * "Resolve all…" on a storm: the group and the revision its message showed (a change meanwhile
 * makes the submission stale), and an optional note for every member's audit trail and the thread.
 */
export function renderResolveGroupModal(
  group: ExceptionGroup,
  options: { channel: string; joinedSince?: boolean },
): ModalView {
  const what = `${group.stage}.${group.step}${group.errorCode ? ` ${group.errorCode}` : ''}`;
  const live = group.open + group.acknowledged;
  const left = options.joinedSince
    ? ' Carts that joined after the message you clicked was drawn are left for its next drawing.'
    : '';
  return {
    type: 'modal',
    callback_id: VIEW.resolveGroup,
    private_metadata: encodeReassignMetadata({
      id: group.id,
      rev: group.revision,
      upTo: group.lastMemberId,
      channel: options.channel,
    }),
    title: { type: 'plain_text', text: 'Resolve storm' },
    submit: { type: 'plain_text', text: 'Resolve all' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'plain_text',
          text: plain(`${live} of ${group.total} carts still open or acknowledged: ${what}.${left}`, 300),
        },
      },
      noteInput("What fixed it: kept in each cart's audit trail and posted in the storm's thread."),
      // Renderers build plain Block Kit JSON; the client's block types are narrower than needed here.
    ] as unknown as ModalView['blocks'],
  };
}

function noteInput(hint: string): Record<string, unknown> {
  return {
    type: 'input',
    block_id: BLOCK.resolveNote,
    optional: true,
    label: { type: 'plain_text', text: 'Note' },
    hint: { type: 'plain_text', text: hint },
    element: {
      type: 'plain_text_input',
      action_id: INPUT.resolveNote,
      multiline: true,
      max_length: 2000,
    },
  };
}
