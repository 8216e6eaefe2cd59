import type { App, BlockButtonAction } from '@slack/bolt';
import type { Clock } from '../../../services/clock.js';
import type { TimelineService } from '../../../services/timeline.js';
import type { Store } from '../../../store/store.js';
import { renderTimelineText } from '../../blocks/timeline-text.js';
import { ACTION, decodeButtonValue } from '../../ids.js';

/** Timeline: the exception's cart, shown only to the person who clicked. */
export function registerTimelineButton(
  app: App,
  deps: { store: Store; timelines: TimelineService; clock: Clock },
): void {
  app.action<BlockButtonAction>(ACTION.timeline, async ({ ack, body, action, logger }) => {
    await ack();
    const value = decodeButtonValue(action.value);
    if (value === undefined) return;
    try {
      const exception = await deps.store.findException(value.id);
      const cartId = exception?.cartId;
      const text =
        cartId === undefined
          ? 'This exception is not about one cart.'
          : renderTimelineText(cartId, await deps.timelines.forId(cartId));
      const channel = body.channel?.id ?? exception?.channel;
      if (channel !== undefined)
        await deps.store.enqueueEphemeral({ channel, user: body.user.id, text, at: deps.clock.now() });
    } catch (error) {
      logger.error('timeline failed:', error);
    }
  });
}
