import type { App, BlockButtonAction } from '@slack/bolt';
import type { ExceptionActions } from '../../../services/exception-actions.js';
import type { Store } from '../../../store/store.js';
import { renderReassignModal } from '../../blocks/reassign-modal.js';
import { ACTION, decodeButtonValue } from '../../ids.js';

/** Reassign opens its modal at once: a trigger_id lives three seconds, so this call cannot wait in the outbox. */
export function registerReassignButton(app: App, deps: { store: Store; actions: ExceptionActions }): void {
  app.action<BlockButtonAction>(ACTION.reassign, async ({ ack, body, action, client, logger }) => {
    await ack();
    const value = decodeButtonValue(action.value);
    if (value === undefined) return;
    try {
      const exception = await deps.store.findException(value.id);
      if (exception === null || exception.state === 'resolved') return;
      const channel = body.channel?.id ?? exception.channel;
      // The modal carries the revision the clicker saw, so a change meanwhile makes the submission stale.
      const shown = { ...exception, revision: value.rev };
      const view = renderReassignModal(shown, { teams: deps.actions.teamNames(), channel });
      await client.views.open({ trigger_id: body.trigger_id, view });
    } catch (error) {
      logger.error('opening the Reassign modal failed:', error);
    }
  });
}
