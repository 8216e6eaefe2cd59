import type { App, BlockOverflowAction } from '@slack/bolt';
import type { Store } from '../../../store/store.js';
import { renderResolveModal } from '../../blocks/resolve-modal.js';
import { ACTION, decodeButtonValue } from '../../ids.js';

/** The overflow's "Resolve with a note…": opens the modal at once (a trigger_id lives three seconds). */
export function registerResolveWithNote(app: App, deps: { store: Store }): void {
  app.action<BlockOverflowAction>(ACTION.more, async ({ ack, body, action, client, logger }) => {
    await ack();
    // The payload's shape is the sender's word: a forged one may name this action on a button.
    const value = decodeButtonValue(action.selected_option?.value);
    if (value === undefined) return;
    try {
      const exception = await deps.store.findException(value.id);
      if (exception === null || exception.state === 'resolved') return;
      const channel = body.channel?.id ?? exception.channel;
      const view = renderResolveModal({ ...exception, revision: value.rev }, { channel });
      await client.views.open({ trigger_id: body.trigger_id, view });
    } catch (error) {
      logger.error('opening the Resolve modal failed:', error);
    }
  });
}
