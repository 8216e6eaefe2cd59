import type { ExceptionRecord } from '../../domain/exception.js';
import { BLOCK, encodeReassignMetadata, INPUT, VIEW } from '../ids.js';
import { plain } from './text.js';

/** The Reassign modal: another team and/or a person, and a handoff note that is required. */
export function renderReassignModal(
  exception: ExceptionRecord,
  options: { teams: string[]; channel: string },
) {
  const option = (team: string) => ({ text: { type: 'plain_text', text: plain(team, 75) }, value: team });
  return {
    type: 'modal' as const,
    callback_id: VIEW.reassign,
    private_metadata: encodeReassignMetadata({
      id: exception.id,
      rev: exception.revision,
      channel: options.channel,
    }),
    title: { type: 'plain_text' as const, text: 'Reassign exception' },
    submit: { type: 'plain_text' as const, text: 'Reassign' },
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
        block_id: BLOCK.reassignTeam,
        optional: true,
        label: { type: 'plain_text', text: 'Owner team' },
        element: {
          type: 'static_select',
          action_id: INPUT.reassignTeam,
          options: options.teams.slice(0, 100).map(option),
          // Only a listed team may be the initial option, or Slack refuses the whole modal.
          ...(options.teams.slice(0, 100).includes(exception.team) && {
            initial_option: option(exception.team),
          }),
        },
      },
      {
        type: 'input',
        block_id: BLOCK.reassignPerson,
        optional: true,
        label: { type: 'plain_text', text: 'Person' },
        element: { type: 'users_select', action_id: INPUT.reassignPerson },
      },
      {
        type: 'input',
        block_id: BLOCK.reassignNote,
        label: { type: 'plain_text', text: 'Handoff note' },
        hint: { type: 'plain_text', text: 'What happened so far and what the next owner should know.' },
        element: {
          type: 'plain_text_input',
          action_id: INPUT.reassignNote,
          multiline: true,
          max_length: 2000,
        },
      },
    ],
  };
}
