import type { App, BlockCheckboxesAction } from '@slack/bolt';
import { matchLike, SILENCE_FIELDS, type SilenceField } from '../../../domain/silence.js';
import type { SilenceService } from '../../../services/silences.js';
import type { Store } from '../../../store/store.js';
import { renderSilenceModal } from '../../blocks/silence-modal.js';
import { ACTION, BLOCK, decodeSilenceMetadata, INPUT } from '../../ids.js';

/** A field ticked or unticked in the Silence modal: the modal is drawn again with its preview recounted. */
export function registerSilenceMatchChange(app: App, deps: { store: Store; silences: SilenceService }): void {
  app.action<BlockCheckboxesAction>(ACTION.silenceMatch, async ({ ack, body, action, client, logger }) => {
    await ack();
    const view = body.view;
    const metadata = decodeSilenceMetadata(view?.private_metadata);
    if (view === undefined || metadata === undefined) return;
    try {
      const exception = await deps.store.findException(metadata.id);
      // Gone, or handed to another team since: the submit says so; the preview is left as it was.
      if (exception === null || exception.team !== metadata.team) return;
      const kept = (action.selected_options ?? [])
        .map((o) => o.value)
        .filter((v): v is SilenceField => SILENCE_FIELDS.some((f) => f === v));
      const match = matchLike(exception, kept);
      const preview =
        Object.keys(match).length > 0 ? await deps.silences.preview(exception.team, match) : undefined;
      const values = view.state.values;
      const duration = values[BLOCK.silenceFor]?.[INPUT.silenceFor]?.selected_option?.value;
      const reason = values[BLOCK.silenceReason]?.[INPUT.silenceReason]?.value;
      const redrawn = renderSilenceModal(exception, {
        channel: metadata.channel,
        kept,
        ...(preview && { preview }),
        ...(typeof duration === 'string' && { duration }),
        ...(typeof reason === 'string' && { reason }),
      });
      // The hash makes Slack refuse the update if the view changed meanwhile (another tick won).
      await client.views.update({ view_id: view.id, hash: view.hash, view: redrawn });
    } catch (error) {
      logger.warn('the Silence modal preview was not redrawn:', error);
    }
  });
}
