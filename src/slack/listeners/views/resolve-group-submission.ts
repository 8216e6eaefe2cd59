import type { App } from '@slack/bolt';
import type { ExceptionActions } from '../../../services/exception-actions.js';
import type { HomePublisher } from '../../home-publisher.js';
import { BLOCK, decodeReassignMetadata, INPUT, VIEW } from '../../ids.js';

/** The storm's Resolve modal submitted: every open and acknowledged member resolved, with the note if one was written. */
export function registerResolveGroupSubmission(
  app: App,
  actions: ExceptionActions,
  home: HomePublisher,
): void {
  app.view(VIEW.resolveGroup, async ({ ack, body, view, logger }) => {
    const metadata = decodeReassignMetadata(view.private_metadata);
    const raw = view.state.values[BLOCK.resolveNote]?.[INPUT.resolveNote]?.value;
    const note = typeof raw === 'string' && raw.trim() !== '' ? raw.trim().slice(0, 2000) : undefined;
    if (metadata === undefined) {
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.resolveNote]: 'This form could not be read; try again.' },
      });
      return;
    }
    await ack();
    const outcome = await actions
      .resolveAll({
        groupId: metadata.id,
        revision: metadata.rev,
        actor: body.user.id,
        channel: metadata.channel,
        ...(note !== undefined && { note }),
      })
      .catch((error: unknown) => {
        logger.error('resolve all failed:', error);
        return undefined;
      });
    await home.refreshAfter(body.user.id, outcome);
  });
}
