import type { App, BlockButtonAction } from '@slack/bolt';
import type { SilenceService } from '../../../services/silences.js';
import { renderSilences } from '../../blocks/status/silences.js';
import { ACTION, decodeEndSilenceValue } from '../../ids.js';

/**
 * "End now" in `/cart-status silences`: the silence ended (its team's members only, audited) and
 * told at once, then the list, an ephemeral reply, drawn again through its response_url.
 */
export function registerEndSilenceButton(app: App, silences: SilenceService): void {
  app.action<BlockButtonAction>(ACTION.endSilence, async ({ ack, body, action, respond, logger }) => {
    await ack();
    const id = decodeEndSilenceValue(action.value);
    if (id === undefined) return;
    const channel = body.channel?.id;
    await silences
      .end({ id, actor: body.user.id, ...(channel && { channel }) }, { checkMembers: true })
      .catch((error: unknown) => logger.error('ending a silence failed:', error));
    try {
      const message = renderSilences(await silences.active());
      // Renderers build plain Block Kit JSON; the client's block types are narrower than needed here.
      await respond({ replace_original: true, text: message.text, blocks: message.blocks as never });
    } catch (error) {
      // A response_url lasts 30 minutes and five uses; after that the reply just stays as drawn.
      logger.warn('/cart-status silences not redrawn:', error);
    }
  });
}
