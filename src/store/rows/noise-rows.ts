import type { Stage } from '../../domain/event.js';
import type { NoiseSubject } from '../../domain/noise.js';
import { countedAt, type FailureSample, type RateState } from '../../domain/rates.js';

/** A rule's row in rate_states; no row at all reads as the empty state. */
export interface RateStateRow {
  breached_at: number | null;
  calm_since: number | null;
}

export function toRateState(row: RateStateRow | undefined): RateState {
  return {
    ...(row?.breached_at != null && { breachedAt: row.breached_at }),
    ...(row?.calm_since != null && { calmSince: row.calm_since }),
  };
}

/** The columns of an event a breached rule's sample needs. */
export const FAILURE_FIELDS =
  'received_at, occurred_at, status, cart_id, stage, step, source, error_code, amount_value, amount_currency';

export interface FailureRow {
  received_at: number;
  occurred_at: number;
  status: string;
  cart_id: string | null;
  stage: string;
  step: string;
  source: string;
  error_code: string | null;
  amount_value: number | null;
  amount_currency: string | null;
}

export function toFailureSample(row: FailureRow): FailureSample {
  const at = countedAt({ occurredAt: row.occurred_at, receivedAt: row.received_at });
  const sample: FailureSample = { stage: row.stage as Stage, step: row.step, source: row.source, at };
  if (row.cart_id !== null) sample.cartId = row.cart_id;
  if (row.error_code !== null) sample.errorCode = row.error_code;
  if (row.amount_value !== null && row.amount_currency !== null)
    sample.amount = { value: row.amount_value, currency: row.amount_currency };
  return sample;
}

/** The columns of an exception a silence's match is tested against. */
export const SUBJECT_FIELDS = 'stage, step, source, error_code, kind, team';

export interface SubjectRow {
  stage: string;
  step: string;
  source: string | null;
  error_code: string | null;
  kind: string;
  team: string;
}

export function toNoiseSubject(row: SubjectRow): NoiseSubject {
  return {
    stage: row.stage as Stage,
    step: row.step,
    kind: row.kind,
    team: row.team,
    ...(row.source !== null && { source: row.source }),
    ...(row.error_code !== null && { errorCode: row.error_code }),
  };
}
