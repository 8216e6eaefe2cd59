import { z } from 'zod';

// The envelopes Cartwatch handles, as far as Bolt and our listeners rely on their shape. Anything
// else that is validly signed is refused before Bolt sees it: given `null` as a payload Bolt throws
// outside any handler (taking the process down), and given a string where an action should be it
// answers 500.
const User = z.looseObject({ id: z.string() });
const Actions = z.array(z.looseObject({ action_id: z.string(), block_id: z.string().optional() }));
const Interaction = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('block_actions'), user: User, actions: Actions.min(1) }),
  z.looseObject({
    type: z.literal('view_submission'),
    user: User,
    // Bolt looks for actions in every interaction: a string there makes it answer 500.
    actions: Actions.optional(),
    view: z.looseObject({
      callback_id: z.string(),
      private_metadata: z.string().optional(),
      state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({}))) }),
    }),
  }),
]);
const EventsApiBody = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('event_callback'), event: z.looseObject({ type: z.string() }) }),
  z.looseObject({ type: z.literal('url_verification'), challenge: z.string() }),
  z.looseObject({ type: z.literal('app_rate_limited') }),
]);

/** Why a verified Slack body cannot be an envelope Cartwatch handles; undefined when it can. */
export function shapeProblem(text: string, contentType: string): string | undefined {
  if (contentType.includes('application/json')) return envelopeProblem(text, EventsApiBody, 'the body');
  // Form posts: slash commands carry fields; interactions carry one JSON `payload`.
  const payload = new URLSearchParams(text).get('payload');
  return payload === null ? undefined : envelopeProblem(payload, Interaction, 'payload');
}

function envelopeProblem(json: string, schema: z.ZodType, what: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return `${what} is not JSON`;
  }
  const result = schema.safeParse(parsed);
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  return `${what} is not a Slack request Cartwatch handles: ${issue?.path.join('.') || 'type'}: ${issue?.message}`;
}
