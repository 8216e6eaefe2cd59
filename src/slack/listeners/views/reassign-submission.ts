import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { ExceptionActions } from '../../../services/exception-actions.js';
import type { HomePublisher } from '../../home-publisher.js';
import { BLOCK, decodeReassignMetadata, INPUT, VIEW } from '../../ids.js';

const submission = z.object({
  team: z.string().max(100).optional(),
  person: z
    .string()
    .regex(/^[UW][A-Z0-9]+$/)
    .optional(),
  // Blank counts as missing, so the modal can ask for the note by name.
  note: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined),
    z.string().max(2000).optional(),
  ),
});

/** The Reassign modal's submit: checked here (errors shown in the modal), then one call to the service. */
export function registerReassignSubmission(app: App, actions: ExceptionActions, home: HomePublisher): void {
  app.view(VIEW.reassign, async ({ ack, body, view, logger }) => {
    const metadata = decodeReassignMetadata(view.private_metadata);
    const values = view.state.values;
    const parsed = submission.safeParse({
      team: values[BLOCK.reassignTeam]?.[INPUT.reassignTeam]?.selected_option?.value ?? undefined,
      person: values[BLOCK.reassignPerson]?.[INPUT.reassignPerson]?.selected_user ?? undefined,
      note: values[BLOCK.reassignNote]?.[INPUT.reassignNote]?.value ?? undefined,
    });
    if (metadata === undefined || !parsed.success) {
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.reassignNote]: 'This form could not be read; open Reassign again.' },
      });
      return;
    }
    const { team, person, note } = parsed.data;
    const errors: Record<string, string> = {};
    if (note === undefined) errors[BLOCK.reassignNote] = 'Write a handoff note for the next owner.';
    if (team !== undefined && !actions.teamNames().includes(team))
      errors[BLOCK.reassignTeam] = 'Pick a team from the list.';
    const exception = await actions.findException(metadata.id).catch(() => null);
    const unchanged =
      exception === null
        ? undefined
        : actions.reassignProblem(exception, {
            ...(team !== undefined && { team }),
            ...(person !== undefined && { assignee: person }),
          });
    if (unchanged !== undefined) errors[BLOCK.reassignTeam] = unchanged;
    if (Object.keys(errors).length > 0 || note === undefined) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    const outcome = await actions
      .reassign({
        exceptionId: metadata.id,
        revision: metadata.rev,
        actor: body.user.id,
        channel: metadata.channel,
        note,
        ...(team !== undefined && { team }),
        ...(person !== undefined && { assignee: person }),
      })
      .catch((error: unknown) => {
        logger.error('reassign failed:', error);
        return undefined;
      });
    await home.refreshAfter(body.user.id, outcome);
  });
}
