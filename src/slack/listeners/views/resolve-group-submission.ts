import type { App } from '@slack/bolt';
import type { ExceptionActions } from '../../../services/exception-actions.js';
import type { HomePublisher } from '../../home-publisher.js';
import { VIEW } from '../../ids.js';
import { readResolveForm, UNREADABLE_RESOLVE_FORM } from './resolve-form.js';

/** The storm's Resolve modal submitted: every open and acknowledged member resolved, with the note if one was written. */
export function registerResolveGroupSubmission(
  app: App,
  actions: ExceptionActions,
  home: HomePublisher,
): void {
  app.view(VIEW.resolveGroup, async ({ ack, body, view, logger }) => {
    const form = readResolveForm(view);
    if (form === undefined) {
      await ack(UNREADABLE_RESOLVE_FORM);
      return;
    }
    const { metadata, note } = form;
    await ack();
    const outcome = await actions
      .resolveAll({
        groupId: metadata.id,
        revision: metadata.rev,
        ...(metadata.upTo !== undefined && { upTo: metadata.upTo }),
        actor: body.user.id,
        channel: metadata.channel,
        ...(note !== undefined && { note }),
      })
      .catch((error: unknown) => {
        logger.error('resolve all failed:', error);
        return undefined;
      });
    await home.refreshAfter(body.user.id, outcome);
  });
}
