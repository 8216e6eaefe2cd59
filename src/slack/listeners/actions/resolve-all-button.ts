import type { App, BlockButtonAction } from '@slack/bolt';
import type { Store } from '../../../store/store.js';
import { renderResolveGroupModal } from '../../blocks/resolve-modal.js';
import { ACTION, decodeButtonValue } from '../../ids.js';

/** A storm's "Resolve all…" opens its modal at once (a trigger_id lives three seconds). */
export function registerResolveAllButton(app: App, deps: { store: Store }): void {
  app.action<BlockButtonAction>(ACTION.resolveAll, async ({ ack, body, action, client, logger }) => {
    await ack();
    const value = decodeButtonValue(action.value);
    if (value === undefined) return;
    try {
      const group = await deps.store.findGroup(value.id);
      if (group === null || group.open + group.acknowledged === 0) return;
      const channel = body.channel?.id ?? group.channel;
      // The modal carries the drawing the clicker saw: its revision (a change meanwhile makes the
      // submission stale) and its newest member (later joiners are not resolved unseen).
      const drawn = { ...group, revision: value.rev, lastMemberId: value.upTo ?? group.lastMemberId };
      const joinedSince = drawn.lastMemberId < group.lastMemberId;
      const view = renderResolveGroupModal(drawn, { channel, joinedSince });
      await client.views.open({ trigger_id: body.trigger_id, view });
    } catch (error) {
      logger.error('opening the Resolve all modal failed:', error);
    }
  });
}
