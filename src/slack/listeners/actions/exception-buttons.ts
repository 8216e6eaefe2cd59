import type { App, BlockButtonAction } from '@slack/bolt';
import type { ExceptionActions } from '../../../services/exception-actions.js';
import type { PersonAction } from '../../../store/exception-types.js';
import type { HomePublisher } from '../../home-publisher.js';
import { ACTION, decodeButtonValue } from '../../ids.js';
import type { MineReply } from '../../mine-reply.js';

const BUTTONS: [string, PersonAction][] = [
  [ACTION.acknowledge, 'acknowledge'],
  [ACTION.unacknowledge, 'unacknowledge'],
  [ACTION.resolve, 'resolve'],
];

/** Acknowledge, Unacknowledge and Resolve: ack at once, then one call to the service. */
export function registerExceptionButtons(
  app: App,
  actions: ExceptionActions,
  redraw: { home: HomePublisher; mine: MineReply },
): void {
  for (const [actionId, action] of BUTTONS) {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action: button, respond, logger }) => {
      await ack();
      const value = decodeButtonValue(button.value);
      // No channel when clicked on the Home tab: the service answers in the exception's channel.
      const channel = body.channel?.id;
      if (value === undefined) {
        logger.warn(`ignored ${actionId}: the button value is missing or malformed`);
        return;
      }
      const outcome = await actions
        .act({
          exceptionId: value.id,
          revision: value.rev,
          action,
          actor: body.user.id,
          ...(channel && { channel }),
        })
        .catch((error: unknown) => {
          logger.error(`${actionId} failed:`, error);
          return undefined;
        });
      await redraw.home.refreshAfter(body.user.id, outcome);
      // Whatever the outcome, a /cart-status mine reply it came from shows where things stand now.
      await redraw.mine.redrawAfter({
        blockId: button.block_id,
        userId: body.user.id,
        ...(body.response_url !== undefined && { respond }),
      });
    });
  }
}
