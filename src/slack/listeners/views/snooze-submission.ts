import type { App } from '@slack/bolt';
import { SNOOZE_CHOICES } from '../../../domain/silence.js';
import type { SnoozeService } from '../../../services/snooze.js';
import { BLOCK, decodeReassignMetadata, INPUT, VIEW } from '../../ids.js';

/** The Snooze modal's submit: the exception snoozed for the chosen time (its team's members only). */
export function registerSnoozeSubmission(app: App, snoozes: SnoozeService): void {
  app.view(VIEW.snooze, async ({ ack, body, view, logger }) => {
    const metadata = decodeReassignMetadata(view.private_metadata);
    const picked = view.state.values[BLOCK.snoozeFor]?.[INPUT.snoozeFor]?.selected_option?.value;
    const choice = SNOOZE_CHOICES.find((c) => c === picked);
    if (metadata === undefined || choice === undefined) {
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.snoozeFor]: 'This form could not be read; open Snooze… again.' },
      });
      return;
    }
    await ack();
    await snoozes
      .snooze({
        exceptionId: metadata.id,
        revision: metadata.rev,
        actor: body.user.id,
        channel: metadata.channel,
        choice,
      })
      .catch((error: unknown) => logger.error('snooze failed:', error));
  });
}
