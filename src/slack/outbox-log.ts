import { type LogFields, logFields } from '../logger.js';
import type { OutboxJob } from '../store/exception-types.js';

/** What a log line about an outbox row names: its id, kind and channel, and the exception or storm. */
export function jobFields(job: OutboxJob): LogFields {
  const exception = 'exception' in job ? job.exception : undefined;
  const group = 'group' in job ? job.group : undefined;
  return logFields({
    outbox_id: job.id,
    kind: job.kind,
    channel: job.channel,
    exception_id: exception?.id,
    group_id: group?.id,
    team: exception?.team ?? group?.team,
  });
}
