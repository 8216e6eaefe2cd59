import type { App, BlockButtonAction } from '@slack/bolt';
import type { CartStatusService } from '../../../services/cart-status.js';
import type { Clock } from '../../../services/clock.js';
import type { Store } from '../../../store/store.js';
import { renderCartReport } from '../../blocks/status/cart-report.js';
import { ACTION, decodeButtonValue } from '../../ids.js';

/** Timeline: the exception's cart, as /cart-status shows it, to the person who clicked only. */
export function registerTimelineButton(
  app: App,
  deps: { store: Store; status: CartStatusService; clock: Clock },
): void {
  app.action<BlockButtonAction>(ACTION.timeline, async ({ ack, body, action, logger }) => {
    await ack();
    const value = decodeButtonValue(action.value);
    if (value === undefined) return;
    try {
      const exception = await deps.store.findException(value.id);
      const channel = body.channel?.id ?? exception?.channel;
      if (channel === undefined) return;
      const cartId = exception?.cartId;
      const report = cartId === undefined ? null : await deps.status.cart(cartId);
      const reply =
        cartId === undefined || report === null
          ? { text: 'This exception is not about one cart.' }
          : renderCartReport(cartId, report);
      await deps.store.enqueueEphemeral({ channel, user: body.user.id, ...reply, at: deps.clock.now() });
    } catch (error) {
      logger.error('timeline failed:', error);
    }
  });
}
