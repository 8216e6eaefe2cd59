import type { WebClient } from '@slack/web-api';

/**
 * Every post carries its outbox row's id as message metadata (invisible to people). When a post's
 * outcome is unknown, because the process died mid-call or the call timed out, the message is
 * looked for by that id before it is posted again: Slack has no idempotency key of its own.
 */
const EVENT_TYPE = 'cartwatch_outbox';

/** How far back a lookup reads: about two minutes of a channel posting at Slack's pace. */
const LOOKBACK_MESSAGES = 100;

export function outboxMetadata(outboxId: number) {
  return { event_type: EVENT_TYPE, event_payload: { outbox_id: outboxId } };
}

/** The ts of the message posted for `outboxId`, if it is among the channel's (or thread's) latest. */
export async function findPostedMessage(
  client: WebClient,
  where: { channel: string; outboxId: number; threadTs?: string },
): Promise<string | undefined> {
  const reply =
    where.threadTs === undefined
      ? await client.conversations.history({
          channel: where.channel,
          limit: LOOKBACK_MESSAGES,
          include_all_metadata: true,
        })
      : await client.conversations.replies({
          channel: where.channel,
          ts: where.threadTs,
          limit: LOOKBACK_MESSAGES,
          include_all_metadata: true,
        });
  const found = reply.messages?.find(
    (message) =>
      message.metadata?.event_type === EVENT_TYPE &&
      (message.metadata.event_payload as Record<string, unknown> | undefined)?.outbox_id === where.outboxId,
  );
  return found?.ts;
}
