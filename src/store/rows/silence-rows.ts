import type { NoiseMatch } from '../../domain/noise.js';
import type { Silence } from '../../domain/silence.js';

export interface SilenceRow {
  id: number;
  team: string;
  match: string;
  reason: string;
  created_by: string;
  created_at: number;
  starts_at: number;
  ends_at: number;
  ended_at: number | null;
  ended_by: string | null;
  maintenance: string | null;
  summarised_at: number | null;
}

export function toSilence(row: SilenceRow): Silence {
  const silence: Silence = {
    id: row.id,
    team: row.team,
    // Written only from canonicalMatch of a validated match; the cast restates that.
    match: JSON.parse(row.match) as NoiseMatch,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
  };
  if (row.ended_at !== null) silence.endedAt = row.ended_at;
  if (row.ended_by !== null) silence.endedBy = row.ended_by;
  if (row.maintenance !== null) silence.maintenance = row.maintenance;
  if (row.summarised_at !== null) silence.summarisedAt = row.summarised_at;
  return silence;
}
