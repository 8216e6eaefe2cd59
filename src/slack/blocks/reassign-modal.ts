import type { ExceptionRecord } from '../../domain/exception.js';
import { BLOCK, INPUT, VIEW } from '../ids.js';
import { exceptionModal } from './exception-modal.js';
import { plain } from './text.js';

/** The Reassign modal: another team and/or a person, and a handoff note that is required. */
export function renderReassignModal(
  exception: ExceptionRecord,
  options: { teams: string[]; channel: string },
) {
  const option = (team: string) => ({ text: { type: 'plain_text', text: plain(team, 75) }, value: team });
  const teams = options.teams.slice(0, 100);
  return exceptionModal({
    callbackId: VIEW.reassign,
    title: 'Reassign exception',
    submit: 'Reassign',
    exception,
    channel: options.channel,
    inputs: [
      {
        type: 'input',
        block_id: BLOCK.reassignTeam,
        optional: true,
        label: { type: 'plain_text', text: 'Owner team' },
        element: {
          type: 'static_select',
          action_id: INPUT.reassignTeam,
          options: teams.map(option),
          // Only a listed team may be the initial option, or Slack refuses the whole modal.
          ...(teams.includes(exception.team) && { initial_option: option(exception.team) }),
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
  });
}
