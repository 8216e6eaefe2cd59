import type { App, BlockButtonAction } from '@slack/bolt';
import type { ExceptionRecord } from '../../../domain/exception.js';
import type { CartStatusService } from '../../../services/cart-status.js';
import type { Clock } from '../../../services/clock.js';
import type { Store } from '../../../store/store.js';
import { renderCartReport } from '../../blocks/status/cart-report.js';
import { renderWaitingCarts } from '../../blocks/status/waiting-carts.js';
import { ACTION, decodeButtonValue } from '../../ids.js';

const notAboutOneCart = { text: 'This exception is not about one cart.' };

/** A cart's exception shows its cart; a backlog, the carts waiting in its stage, oldest first. */
async function timelineOf(exception: ExceptionRecord, status: CartStatusService) {
  if (exception.kind === 'backlog') return renderWaitingCarts(await status.waiting(exception.stage));
  const report = exception.cartId === undefined ? null : await status.cart(exception.cartId);
  return exception.cartId === undefined || report === null
    ? notAboutOneCart
    : renderCartReport(exception.cartId, report);
}

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
      const reply = exception === null ? notAboutOneCart : await timelineOf(exception, deps.status);
      await deps.store.enqueueEphemeral({ channel, user: body.user.id, ...reply, at: deps.clock.now() });
    } catch (error) {
      logger.error('timeline failed:', error);
    }
  });
}
