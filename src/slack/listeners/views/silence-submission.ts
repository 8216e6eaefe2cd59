import type { App } from '@slack/bolt';
import { z } from 'zod';
import { SILENCE_FIELDS } from '../../../domain/silence.js';
import type { SilenceService } from '../../../services/silences.js';
import { ACTION, BLOCK, decodeSilenceMetadata, INPUT, VIEW } from '../../ids.js';

const submission = z.object({
  kept: z.array(z.enum(SILENCE_FIELDS)).max(SILENCE_FIELDS.length),
  duration: z.string().max(10),
  reason: z.string().max(300),
});

/** Where each kind of problem is shown in the modal. */
const BLOCK_OF = { match: BLOCK.silenceMatch, for: BLOCK.silenceFor, reason: BLOCK.silenceReason } as const;

/** The Silence modal's submit: checked (errors shown in the modal), then the silence made or extended. */
export function registerSilenceSubmission(app: App, silences: SilenceService): void {
  app.view(VIEW.silence, async ({ ack, body, view, logger }) => {
    const metadata = decodeSilenceMetadata(view.private_metadata);
    const values = view.state.values;
    const options = values[BLOCK.silenceMatch]?.[ACTION.silenceMatch]?.selected_options;
    const parsed = submission.safeParse({
      kept: (Array.isArray(options) ? options : []).map((o: { value?: unknown }) => o?.value),
      duration: values[BLOCK.silenceFor]?.[INPUT.silenceFor]?.selected_option?.value ?? '',
      reason: values[BLOCK.silenceReason]?.[INPUT.silenceReason]?.value ?? '',
    });
    if (metadata === undefined || !parsed.success) {
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.silenceReason]: 'This form could not be read; open Silence like this… again.' },
      });
      return;
    }
    const form = await silences
      .requestFrom({
        exceptionId: metadata.id,
        team: metadata.team,
        actor: body.user.id,
        channel: metadata.channel,
        ...parsed.data,
      })
      .catch((error: unknown) => {
        logger.error('reading the Silence form failed:', error);
        return {
          ok: false as const,
          problems: { reason: 'Cartwatch could not save this just now; try again.' },
        };
      });
    if (!form.ok) {
      const errors = Object.fromEntries(
        Object.entries(form.problems).map(([key, text]) => [BLOCK_OF[key as keyof typeof BLOCK_OF], text]),
      );
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    await silences
      .create(form.request, { checkMembers: true })
      .catch((error: unknown) => logger.error('silence failed:', error));
  });
}
