import type { App, BlockButtonAction } from '@slack/bolt';
import type { ExceptionActions } from '../../../services/exception-actions.js';
import type { HomePublisher } from '../../home-publisher.js';
import { ACTION, decodeButtonValue } from '../../ids.js';

/** "Acknowledge all" on a storm's grouped message. */
export function registerGroupButtons(app: App, actions: ExceptionActions, home: HomePublisher): void {
  app.action<BlockButtonAction>(ACTION.acknowledgeAll, async ({ ack, body, action, logger }) => {
    await ack();
    const value = decodeButtonValue(action.value);
    const channel = body.channel?.id;
    if (value === undefined || channel === undefined) return;
    const outcome = await actions
      .acknowledgeAll({
        groupId: value.id,
        revision: value.rev,
        ...(value.upTo !== undefined && { upTo: value.upTo }),
        actor: body.user.id,
        channel,
      })
      .catch((error: unknown) => {
        logger.error('acknowledge all failed:', error);
        return undefined;
      });
    await home.refreshAfter(body.user.id, outcome);
  });
}
