/**
 * Every table `cartwatch migrate --to` copies, in an order that satisfies the foreign keys (a row's
 * references are copied before it). A SQLite table missing from this list stops the move: a new
 * table must be added here, so nothing is left behind silently.
 */
export const COPIED_TABLES = [
  'events',
  'correlation_links',
  'key_aliases',
  'carts',
  'expectations',
  'sources',
  'silences',
  'silence_audit',
  'exception_groups',
  'exceptions',
  'exception_audit',
  'escalation_boards',
  'outbox',
  'digest_runs',
  'weekly_digest_runs',
  'webhook_failures',
  'suppressed_counts',
  'rate_counts',
  'rate_errors',
  'rate_states',
  'step_hours',
  'step_hour_codes',
  'stage_hours',
  'cart_stages',
] as const;

/**
 * Tables that are not copied row for row: the migrations' record (Postgres keeps its own, with
 * SQLite's creation time carried over) and the cursors (the detector's is translated, because a
 * SQLite seq means nothing to the Postgres feed on its own).
 */
export const TRANSLATED_TABLES = ['schema_migrations', 'cursors'] as const;
