import type { App } from '@slack/bolt';
import type { CartStatusService } from '../../../services/cart-status.js';
import type { Clock } from '../../../services/clock.js';
import type { SilenceService } from '../../../services/silences.js';
import type { TrendService } from '../../../services/trends.js';
import { renderCartReport } from '../../blocks/status/cart-report.js';
import { renderAmbiguous, renderBadArgument, renderHelp, renderNotFound } from '../../blocks/status/help.js';
import { renderMine } from '../../blocks/status/mine.js';
import { renderOverview } from '../../blocks/status/overview.js';
import { renderSilences } from '../../blocks/status/silences.js';
import { renderTrends } from '../../blocks/status/trends.js';
import { parseCartStatusArgument } from './parse-argument.js';

/** /cart-status: the reply is built within the ack (a few ms), so it needs no second round trip. */
export function registerCartStatusCommand(
  app: App,
  deps: { status: CartStatusService; silences: SilenceService; trends: TrendService; clock: Clock },
): void {
  app.command('/cart-status', async ({ command, ack, logger }) => {
    try {
      const argument = parseCartStatusArgument(command.text);
      const message = await (async () => {
        switch (argument.type) {
          case 'help':
            return renderHelp();
          case 'invalid':
            return renderBadArgument(argument.reason, argument.usage);
          case 'overview':
            return renderOverview(
              await deps.status.overview(),
              deps.clock.now(),
              await deps.silences.active(),
            );
          case 'mine':
            return renderMine(await deps.status.mine(command.user_id));
          case 'silences':
            return renderSilences(await deps.silences.active());
          case 'trends': {
            const { days, stage, step } = argument;
            return renderTrends(
              await deps.trends.lastDays(days, { ...(stage && { stage }), ...(step && { step }) }),
            );
          }
          case 'id': {
            const found = await deps.status.find(argument.id);
            if (found.type === 'found') return renderCartReport(argument.id, found.report);
            if (found.type === 'ambiguous') return renderAmbiguous(argument.id, found.matches);
            return renderNotFound(argument.id);
          }
        }
      })();
      await ack({ response_type: 'ephemeral', ...message });
    } catch (error) {
      logger.error('/cart-status failed:', error);
      await ack({
        response_type: 'ephemeral',
        text: 'Cartwatch could not answer just now; try again in a moment.',
      });
    }
  });
}
