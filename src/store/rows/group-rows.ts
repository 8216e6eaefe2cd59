import type { Stage } from '../../domain/event.js';
import type { ExceptionGroup, ExceptionKind, PersonCount } from '../../domain/exception.js';

export interface GroupRow {
  id: number;
  group_key: string;
  kind: string;
  stage: string;
  step: string;
  error_code: string | null;
  team: string;
  channel: string;
  first_seen_at: number;
  revision: number;
  slack_ts: string | null;
}

/** Its members counted by state, and the span of their first and last sightings. */
export interface GroupCounts {
  total: number;
  open: number;
  acknowledged: number;
  resolved: number;
  first: number | null;
  last: number | null;
  last_member: number | null;
}

/** What a storm's message shows besides its counts. */
export interface GroupDetails {
  valueAtRisk: { currency: string; value: number }[];
  sampleCarts: string[];
  acknowledgedBy: PersonCount[];
  resolvedBy: PersonCount[];
}

export function toExceptionGroup(
  row: GroupRow,
  counts: GroupCounts | undefined,
  details: GroupDetails,
): ExceptionGroup {
  const group: ExceptionGroup = {
    id: row.id,
    groupKey: row.group_key,
    // Written only from validated domain values; the casts restate that.
    kind: row.kind as ExceptionKind,
    stage: row.stage as Stage,
    step: row.step,
    team: row.team,
    channel: row.channel,
    firstSeenAt: counts?.first ?? 0,
    lastSeenAt: counts?.last ?? 0,
    revision: row.revision,
    lastMemberId: counts?.last_member ?? 0,
    total: counts?.total ?? 0,
    open: counts?.open ?? 0,
    acknowledged: counts?.acknowledged ?? 0,
    resolved: counts?.resolved ?? 0,
    ...details,
  };
  if (row.error_code !== null) group.errorCode = row.error_code;
  if (row.slack_ts !== null) group.slackTs = row.slack_ts;
  return group;
}
