import type { RespondFn } from '@slack/bolt';
import type { Logger } from '../logger.js';
import type { CartStatusService } from '../services/cart-status.js';
import { renderMine } from './blocks/status/mine.js';
import { isMineBlock } from './ids.js';

/**
 * `/cart-status mine` is an ephemeral reply, which only its response_url can change: after a
 * click on it, it is drawn again from current state in place of the old one.
 */
export class MineReply {
  constructor(private readonly deps: { status: CartStatusService; logger: Logger }) {}

  /** Redraws the reply when the click came from one (`blockId`) and Slack gave a way back to it. */
  async redrawAfter(click: {
    blockId: string | undefined;
    userId: string;
    respond?: RespondFn;
  }): Promise<void> {
    if (!isMineBlock(click.blockId) || click.respond === undefined) return;
    try {
      const message = renderMine(await this.deps.status.mine(click.userId));
      // Renderers build plain Block Kit JSON; the client's block types are narrower than needed here.
      await click.respond({ replace_original: true, text: message.text, blocks: message.blocks as never });
    } catch (error) {
      // A response_url lasts 30 minutes and five uses; after that the reply just stays as drawn.
      this.deps.logger.warn(`/cart-status mine for ${click.userId} not redrawn:`, error);
    }
  }
}
