import type { Stage } from '../../domain/event.js';
import type { ExceptionKind, ExceptionRecord, ExceptionState } from '../../domain/exception.js';
import type { RateFigures } from '../../domain/rates.js';

export interface ExceptionRow {
  id: number;
  dedup_key: string;
  kind: string;
  state: string;
  resolution: string | null;
  cart_id: string | null;
  stage: string;
  step: string;
  error_code: string | null;
  error_message: string | null;
  /** A rate exception's figures, as JSON (migration 9). */
  details?: string | null;
  amount_value: number | null;
  amount_currency: string | null;
  amount_from: string | null;
  source: string | null;
  run_id: string | null;
  team: string;
  channel: string;
  route_reason: string;
  assignee: string | null;
  acknowledged_at: number | null;
  resolved_at: number | null;
  resolved_by: string | null;
  first_seen_at: number;
  last_seen_at: number;
  raised_at: number | null;
  count: number;
  revision: number;
  slack_ts: string | null;
  escalate_at: number | null;
  escalation_level: number;
  remind_at: number | null;
  group_key: string | null;
  group_id: number | null;
  silence_id: number | null;
  snoozed_until: number | null;
  snoozed_by: string | null;
}

export function toException(row: ExceptionRow): ExceptionRecord {
  const record: ExceptionRecord = {
    id: row.id,
    dedupKey: row.dedup_key,
    // Written only from validated domain values; the casts restate that.
    kind: row.kind as ExceptionKind,
    state: row.state as ExceptionState,
    stage: row.stage as Stage,
    step: row.step,
    team: row.team,
    channel: row.channel,
    reason: row.route_reason,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    raisedAt: row.raised_at ?? row.first_seen_at,
    count: row.count,
    revision: row.revision,
    escalationLevel: row.escalation_level,
  };
  if (row.kind === 'rate' && row.details) record.rate = JSON.parse(row.details) as RateFigures;
  if (row.escalate_at !== null) record.escalateAt = row.escalate_at;
  if (row.remind_at !== null) record.remindAt = row.remind_at;
  if (row.group_id !== null) record.groupId = row.group_id;
  if (row.resolution !== null) record.resolution = row.resolution as 'manual' | 'auto';
  if (row.cart_id !== null) record.cartId = row.cart_id;
  if (row.error_code !== null) record.errorCode = row.error_code;
  if (row.error_message !== null) record.errorMessage = row.error_message;
  if (row.amount_value !== null && row.amount_currency !== null) {
    record.amount = { value: row.amount_value, currency: row.amount_currency };
    record.amountFrom = row.amount_from === 'cart' ? 'cart' : 'event';
  }
  if (row.source !== null) record.source = row.source;
  if (row.run_id !== null) record.runId = row.run_id;
  if (row.assignee !== null) record.assignee = row.assignee;
  if (row.acknowledged_at !== null) record.acknowledgedAt = row.acknowledged_at;
  if (row.resolved_at !== null) record.resolvedAt = row.resolved_at;
  if (row.resolved_by !== null) record.resolvedBy = row.resolved_by;
  if (row.slack_ts !== null) record.slackTs = row.slack_ts;
  if (row.silence_id !== null) record.silenceId = row.silence_id;
  if (row.snoozed_until !== null) record.snoozedUntil = row.snoozed_until;
  if (row.snoozed_by !== null) record.snoozedBy = row.snoozed_by;
  return record;
}
