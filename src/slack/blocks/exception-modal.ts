import type { ModalView } from '@slack/web-api';
import type { ExceptionRecord } from '../../domain/exception.js';
import { encodeReassignMetadata } from '../ids.js';
import { plain } from './text.js';

/**
 * The frame every modal about one exception shares: which exception and the revision the clicker
 * saw (so a change meanwhile makes the submission stale), where to answer, and what it is about.
 */
export function exceptionModal(options: {
  callbackId: string;
  title: string;
  submit: string;
  exception: ExceptionRecord;
  channel: string;
  inputs: Record<string, unknown>[];
}): ModalView {
  const { exception } = options;
  return {
    type: 'modal' as const,
    callback_id: options.callbackId,
    private_metadata: encodeReassignMetadata({
      id: exception.id,
      rev: exception.revision,
      channel: options.channel,
    }),
    title: { type: 'plain_text' as const, text: options.title },
    submit: { type: 'plain_text' as const, text: options.submit },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'plain_text',
          text: plain(
            `${exception.stage}.${exception.step}${exception.cartId ? ` · cart ${exception.cartId}` : ''}`,
            300,
          ),
        },
      },
      ...options.inputs,
      // Renderers build plain Block Kit JSON; the client's block types are narrower than needed here.
    ] as unknown as ModalView['blocks'],
  };
}
