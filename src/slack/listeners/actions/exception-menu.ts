import type { App, BlockOverflowAction } from '@slack/bolt';
import type { ModalView } from '@slack/web-api';
import type { CartwatchConfig } from '../../../config.js';
import type { ExceptionRecord } from '../../../domain/exception.js';
import { matchLike, silenceFieldsOf } from '../../../domain/silence.js';
import type { SilenceService } from '../../../services/silences.js';
import type { Store } from '../../../store/store.js';
import { renderResolveModal } from '../../blocks/resolve-modal.js';
import { renderSilenceModal } from '../../blocks/silence-modal.js';
import { renderSnoozeModal } from '../../blocks/snooze-modal.js';
import { ACTION, decodeMenuValue, type MenuPick } from '../../ids.js';

interface MenuDeps {
  store: Store;
  silences: SilenceService;
  config: CartwatchConfig;
}

/**
 * The message's ⋯ menu: "Resolve with a note…", "Snooze…" and "Silence like this…" each open their
 * modal at once (a trigger_id lives three seconds), drawn with the revision the clicker saw.
 */
export function registerExceptionMenu(app: App, deps: MenuDeps): void {
  app.action<BlockOverflowAction>(ACTION.more, async ({ ack, body, action, client, logger }) => {
    await ack();
    // The payload's shape is the sender's word: a forged one may name this action on a button.
    const value = decodeMenuValue(action.selected_option?.value);
    if (value === undefined) return;
    try {
      const exception = await deps.store.findException(value.id);
      if (exception === null || exception.state === 'resolved') return;
      const channel = body.channel?.id ?? exception.channel;
      const view = await modalFor(value.pick, { ...exception, revision: value.rev }, channel, deps);
      await client.views.open({ trigger_id: body.trigger_id, view });
    } catch (error) {
      logger.error(`opening the ${value.pick} modal failed:`, error);
    }
  });
}

async function modalFor(
  pick: MenuPick,
  exception: ExceptionRecord,
  channel: string,
  deps: MenuDeps,
): Promise<ModalView> {
  switch (pick) {
    case 'resolve':
      return renderResolveModal(exception, { channel });
    case 'snooze':
      return renderSnoozeModal(exception, { channel, digestAt: deps.config.digest.at });
    case 'silence': {
      // Everything the exception has is kept at first; the preview counts what that matches.
      const kept = silenceFieldsOf(exception).map(({ field }) => field);
      const preview = await deps.silences.preview(exception.team, matchLike(exception, kept));
      return renderSilenceModal(exception, { channel, kept, preview });
    }
  }
}
