import type Database from 'better-sqlite3';
import { SchemaTooNewError } from '../../errors.js';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Forward only: a released migration is never edited; a change is a new, higher-numbered entry. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, correlation links and the cart projection',
    sql: `
      CREATE TABLE events (
        seq             INTEGER PRIMARY KEY,
        id              TEXT NOT NULL UNIQUE,
        cart_id         TEXT,   -- the cart it belongs to; NULL until one of its keys is linked
        order_id        TEXT,
        payment_id      TEXT,
        shipment_id     TEXT,
        sku             TEXT,
        stage           TEXT NOT NULL,
        step            TEXT NOT NULL,
        status          TEXT NOT NULL,
        occurred_at     INTEGER NOT NULL,
        received_at     INTEGER NOT NULL,
        source          TEXT NOT NULL,
        run_id          TEXT,
        amount_value    INTEGER,
        amount_currency TEXT,
        error_code      TEXT,
        error_message   TEXT,
        raw             TEXT NOT NULL
      );
      CREATE INDEX events_by_cart ON events (cart_id, occurred_at) WHERE cart_id IS NOT NULL;
      -- Waiting rooms for events whose key is not linked yet: small, and only they pay for these indexes.
      CREATE INDEX events_unlinked_order ON events (order_id) WHERE cart_id IS NULL AND order_id IS NOT NULL;
      CREATE INDEX events_unlinked_payment ON events (payment_id) WHERE cart_id IS NULL AND payment_id IS NOT NULL;
      CREATE INDEX events_unlinked_shipment ON events (shipment_id) WHERE cart_id IS NULL AND shipment_id IS NOT NULL;

      CREATE TABLE correlation_links (
        key_kind  TEXT NOT NULL,   -- order | payment | shipment
        key_value TEXT NOT NULL,
        cart_id   TEXT NOT NULL,
        linked_at INTEGER NOT NULL,
        PRIMARY KEY (key_kind, key_value)
      ) WITHOUT ROWID;
      CREATE INDEX correlation_links_by_cart ON correlation_links (cart_id);

      CREATE TABLE carts (
        cart_id          TEXT PRIMARY KEY,
        stage            TEXT NOT NULL,
        step             TEXT NOT NULL,
        status           TEXT NOT NULL,
        last_progress_at INTEGER NOT NULL,  -- occurred_at of the cart's latest event
        first_seen_at    INTEGER NOT NULL,
        value            INTEGER,
        currency         TEXT,
        event_count      INTEGER NOT NULL,
        stall_due_at     INTEGER            -- when the cart overstays its stage's SLA; NULL once checked
      ) WITHOUT ROWID;
      -- The stall sweep reads only what is due, through this index, never the whole table.
      CREATE INDEX carts_by_stall_due ON carts (stall_due_at) WHERE stall_due_at IS NOT NULL;
      -- Backlogs count the carts waiting in a stage; retention finds idle carts per stage and status.
      CREATE INDEX carts_by_stage_status ON carts (stage, status, last_progress_at);

      -- An expect rule armed by its "after" step, disarmed by its "then" step, due when it ran out.
      CREATE TABLE expectations (
        cart_id  TEXT NOT NULL,
        rule     TEXT NOT NULL,          -- the rule as "after>then", stable across config edits
        after_at INTEGER NOT NULL,
        due_at   INTEGER NOT NULL,
        PRIMARY KEY (cart_id, rule)
      ) WITHOUT ROWID;
      CREATE INDEX expectations_by_due ON expectations (due_at);

      -- When each watched source was last heard from (silent_source).
      CREATE TABLE sources (
        name         TEXT PRIMARY KEY,
        last_seen_at INTEGER NOT NULL,
        last_stage   TEXT,
        last_run_id  TEXT
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'exceptions, their audit trail, the Slack outbox and the detector cursor',
    sql: `
      CREATE TABLE exceptions (
        id              INTEGER PRIMARY KEY,
        dedup_key       TEXT NOT NULL,
        kind            TEXT NOT NULL,
        state           TEXT NOT NULL,          -- open | acknowledged | resolved
        resolution      TEXT,                   -- manual | auto, once resolved
        cart_id         TEXT,
        stage           TEXT NOT NULL,
        step            TEXT NOT NULL,
        error_code      TEXT,
        error_message   TEXT,
        amount_value    INTEGER,
        amount_currency TEXT,
        source          TEXT,
        run_id          TEXT,
        team            TEXT NOT NULL,
        channel         TEXT NOT NULL,
        route_reason    TEXT NOT NULL,
        assignee        TEXT,
        acknowledged_at INTEGER,
        resolved_at     INTEGER,
        resolved_by     TEXT,
        first_seen_at   INTEGER NOT NULL,
        last_seen_at    INTEGER NOT NULL,
        count           INTEGER NOT NULL,
        -- Bumped by every change a person could have acted on (not by repeats): buttons carry it,
        -- so a click on a message that is out of date is recognised as stale.
        revision        INTEGER NOT NULL DEFAULT 0,
        slack_ts        TEXT,
        escalate_at     INTEGER,                -- next escalation step while unacknowledged
        escalation_level INTEGER NOT NULL DEFAULT 0,
        remind_at       INTEGER,                -- next reminder while acknowledged and unresolved
        group_key       TEXT,                   -- kind|stage.step|error code: what a storm shares
        group_id        INTEGER REFERENCES exception_groups (id)
      );
      CREATE INDEX exceptions_live_by_group_key ON exceptions (group_key, first_seen_at) WHERE state != 'resolved';
      CREATE INDEX exceptions_by_group ON exceptions (group_id) WHERE group_id IS NOT NULL;

      -- A storm of like exceptions shown as one message ("37 carts: payment.authorize card_declined").
      CREATE TABLE exception_groups (
        id            INTEGER PRIMARY KEY,
        group_key     TEXT NOT NULL,
        kind          TEXT NOT NULL,
        stage         TEXT NOT NULL,
        step          TEXT NOT NULL,
        error_code    TEXT,
        team          TEXT NOT NULL,
        channel       TEXT NOT NULL,
        first_seen_at INTEGER NOT NULL,
        revision      INTEGER NOT NULL DEFAULT 0,
        slack_ts      TEXT
      );
      CREATE INDEX exception_groups_by_key ON exception_groups (group_key, id);
      CREATE INDEX exceptions_by_escalate_at ON exceptions (escalate_at) WHERE escalate_at IS NOT NULL;
      CREATE INDEX exceptions_by_remind_at ON exceptions (remind_at) WHERE remind_at IS NOT NULL;
      -- One live exception per dedup key; a resolved one leaves room for the next.
      CREATE UNIQUE INDEX exceptions_live_by_key ON exceptions (dedup_key) WHERE state != 'resolved';
      CREATE INDEX exceptions_live_by_cart ON exceptions (cart_id, stage) WHERE state != 'resolved';
      CREATE INDEX exceptions_by_cart ON exceptions (cart_id);
      CREATE INDEX exceptions_live_by_assignee ON exceptions (assignee, first_seen_at) WHERE state != 'resolved';
      CREATE INDEX exceptions_by_resolved_at ON exceptions (resolved_at) WHERE resolved_at IS NOT NULL;
      CREATE INDEX exceptions_live_by_team ON exceptions (team, first_seen_at) WHERE state != 'resolved';

      CREATE TABLE exception_audit (
        id           INTEGER PRIMARY KEY,
        exception_id INTEGER NOT NULL REFERENCES exceptions (id),
        at           INTEGER NOT NULL,
        actor        TEXT NOT NULL,
        action       TEXT NOT NULL,
        note         TEXT
      );
      CREATE INDEX exception_audit_by_exception ON exception_audit (exception_id, id);
      CREATE INDEX exception_audit_by_at ON exception_audit (at);

      -- One digest per team and local date, recorded with its outbox row: never posted twice.
      CREATE TABLE digest_runs (
        team       TEXT NOT NULL,
        local_date TEXT NOT NULL,
        ran_at     INTEGER NOT NULL,
        facts      TEXT NOT NULL,   -- what it said, so the next day's digest can compare with it
        PRIMARY KEY (team, local_date)
      ) WITHOUT ROWID;

      -- Every Slack write, committed with the change that caused it; messages are rendered when sent.
      CREATE TABLE outbox (
        id            INTEGER PRIMARY KEY,
        exception_id  INTEGER REFERENCES exceptions (id),
        group_id      INTEGER REFERENCES exception_groups (id),
        kind          TEXT NOT NULL,           -- post | update | thread | ephemeral
        channel       TEXT NOT NULL,
        payload       TEXT NOT NULL,           -- JSON: what to render (thread notes, ephemeral text)
        state         TEXT NOT NULL,           -- pending | sent | failed
        due_at        INTEGER NOT NULL,
        claimed_until INTEGER NOT NULL DEFAULT 0,
        attempts      INTEGER NOT NULL DEFAULT 0,
        last_error    TEXT,
        created_at    INTEGER NOT NULL,
        sent_at       INTEGER
      );
      CREATE INDEX outbox_pending_by_due ON outbox (due_at) WHERE state = 'pending';
      -- Whole-table (not pending-only) so "when was the last repeat note sent" is a lookup, not a scan.
      CREATE INDEX outbox_by_exception ON outbox (exception_id, kind) WHERE exception_id IS NOT NULL;
      CREATE INDEX outbox_by_group ON outbox (group_id, kind) WHERE group_id IS NOT NULL;
      CREATE INDEX outbox_failed ON outbox (id) WHERE state = 'failed';

      CREATE TABLE cursors (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'webhook bodies that were signed but could not be read',
    sql: `
      CREATE TABLE webhook_failures (
        id          INTEGER PRIMARY KEY,
        platform    TEXT NOT NULL,     -- shopify | stripe
        topic       TEXT NOT NULL,
        reason      TEXT NOT NULL,
        raw         TEXT NOT NULL,
        received_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'outbox rows whose earlier attempt may have reached Slack',
    sql: `
      -- Set when a post's outcome is unknown (a crash mid-call, a timeout): the next attempt looks
      -- for the message in the channel before posting it again.
      ALTER TABLE outbox ADD COLUMN in_doubt INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 5,
    name: 'when each exception was raised, and where its value at risk came from',
    sql: `
      -- Storms are judged by when Cartwatch raised their members, not when the events occurred:
      -- a queue that drains late, or a producer with a skewed clock, still forms one storm.
      ALTER TABLE exceptions ADD COLUMN raised_at INTEGER;
      UPDATE exceptions SET raised_at = coalesce(
        (SELECT min(a.at) FROM exception_audit a WHERE a.exception_id = exceptions.id), first_seen_at);
      DROP INDEX exceptions_live_by_group_key;
      CREATE INDEX exceptions_live_by_group_key ON exceptions (group_key, raised_at) WHERE state != 'resolved';
      -- 'event' when the failing event carried the amount, 'cart' when it is the cart's known value.
      ALTER TABLE exceptions ADD COLUMN amount_from TEXT;
      UPDATE exceptions SET amount_from = 'event' WHERE amount_value IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'other names of keys, for finding a cart by what a person holds',
    sql: `
      -- A Shopify order name (#1001) or a Stripe charge (ch_) or Checkout Session (cs_) id, and the
      -- key it stands for. The same name may stand for several keys (two shops' #1001): all are kept.
      CREATE TABLE key_aliases (
        alias       TEXT NOT NULL,
        key_kind    TEXT NOT NULL,   -- cart | order | payment | shipment
        key_value   TEXT NOT NULL,
        recorded_at INTEGER NOT NULL, -- when last seen: pruned with the events that brought it
        PRIMARY KEY (alias, key_kind, key_value)
      ) WITHOUT ROWID;
      CREATE INDEX key_aliases_by_recorded_at ON key_aliases (recorded_at);
    `,
  },
  {
    version: 7,
    name: 'whether each recorded digest was posted',
    sql: `
      -- 1 posted, 0 recorded without a post (a quiet day with digest.skip_quiet); NULL: ran before
      -- this column, either way. So "already ran" can say which.
      ALTER TABLE digest_runs ADD COLUMN posted INTEGER;
    `,
  },
  {
    version: 8,
    name: 'noise: suppressed counts, failure-rate counts, silences, snoozes and escalation boards',
    sql: `
      -- Failures held back by noise.suppress: never raised, counted per minute, team and reason.
      CREATE TABLE suppressed_counts (
        minute INTEGER NOT NULL,   -- start of the minute, ms
        team   TEXT NOT NULL,
        reason TEXT NOT NULL,
        n      INTEGER NOT NULL,
        PRIMARY KEY (minute, team, reason)
      ) WITHOUT ROWID;

      -- Failure-rate rules: attempts (succeeded + failed) and failures per rule and minute, and the
      -- failures' error codes, kept as events are detected; the sweep reads windows of them.
      CREATE TABLE rate_counts (
        rule     TEXT NOT NULL,
        minute   INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        PRIMARY KEY (rule, minute)
      ) WITHOUT ROWID;
      CREATE TABLE rate_errors (
        rule   TEXT NOT NULL,
        minute INTEGER NOT NULL,
        code   TEXT NOT NULL,
        n      INTEGER NOT NULL,
        PRIMARY KEY (rule, minute, code)
      ) WITHOUT ROWID;
      -- Where each rule stands: breached since when, and below its lower level since when.
      CREATE TABLE rate_states (
        rule        TEXT PRIMARY KEY,
        breached_at INTEGER,
        calm_since  INTEGER
      ) WITHOUT ROWID;

      -- Silences from Slack, the CLI, or a maintenance window's occurrence. The match is JSON
      -- (domain/noise.ts NoiseMatch); the team is always named.
      CREATE TABLE silences (
        id            INTEGER PRIMARY KEY,
        team          TEXT NOT NULL,
        match         TEXT NOT NULL,
        reason        TEXT NOT NULL,
        created_by    TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        starts_at     INTEGER NOT NULL,
        ends_at       INTEGER NOT NULL,
        ended_at      INTEGER,              -- set when ended early, or when its end was acted on
        ended_by      TEXT,
        maintenance   TEXT UNIQUE,          -- "name@start" for a maintenance window's occurrence
        summarised_at INTEGER               -- when its end was told in Slack
      );
      CREATE INDEX silences_unsummarised ON silences (ends_at) WHERE summarised_at IS NULL;
      CREATE TABLE silence_audit (
        id         INTEGER PRIMARY KEY,
        silence_id INTEGER NOT NULL REFERENCES silences (id),
        at         INTEGER NOT NULL,
        actor      TEXT NOT NULL,
        action     TEXT NOT NULL,           -- created | extended | ended
        note       TEXT
      );
      CREATE INDEX silence_audit_by_silence ON silence_audit (silence_id, id);

      -- The silence that held an exception back when it was raised, and a snooze on one exception.
      ALTER TABLE exceptions ADD COLUMN silence_id INTEGER REFERENCES silences (id);
      ALTER TABLE exceptions ADD COLUMN snoozed_until INTEGER;
      ALTER TABLE exceptions ADD COLUMN snoozed_by TEXT;
      CREATE INDEX exceptions_by_silence ON exceptions (silence_id) WHERE silence_id IS NOT NULL;
      CREATE INDEX exceptions_by_snoozed_until ON exceptions (snoozed_until) WHERE snoozed_until IS NOT NULL;

      -- One living message per team in the escalation channel, listing what waits past the limit.
      CREATE TABLE escalation_boards (
        team     TEXT PRIMARY KEY,
        channel  TEXT NOT NULL,
        slack_ts TEXT,
        revision INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 9,
    name: 'suppressed failures marked on their events; a rate exception keeps its figures',
    sql: `
      -- The noise.suppress reason that held this failure back, set when it is detected: timelines
      -- show what was decided then, whatever the config says later.
      ALTER TABLE events ADD COLUMN suppressed TEXT;
      -- A rate exception's figures (failures, attempts, rate, threshold, codes, sample carts, value),
      -- as JSON (domain/rates.ts RateFigures), redrawn as they move.
      ALTER TABLE exceptions ADD COLUMN details TEXT;
    `,
  },
  {
    version: 10,
    name: 'hourly roll-ups for trends, and weekly digest runs',
    sql: `
      -- Kept in the detection (and sweep) transaction as events are detected, so trends and the
      -- weekly digest sum a few rows per hour instead of reading events. By hour, not day, so any
      -- team's local days can be summed from them. Teams are the step's owner at the time.
      CREATE TABLE step_hours (
        hour       INTEGER NOT NULL,   -- start of the hour, ms
        team       TEXT NOT NULL,
        stage      TEXT NOT NULL,
        step       TEXT NOT NULL,
        attempts   INTEGER NOT NULL,   -- succeeded + failed
        failures   INTEGER NOT NULL,
        suppressed INTEGER NOT NULL,   -- failures noise.suppress held back
        stalls     INTEGER NOT NULL,   -- stalled exceptions raised at this step
        PRIMARY KEY (hour, team, stage, step)
      ) WITHOUT ROWID;
      CREATE TABLE step_hour_codes (
        hour  INTEGER NOT NULL,
        team  TEXT NOT NULL,
        stage TEXT NOT NULL,
        step  TEXT NOT NULL,
        code  TEXT NOT NULL,           -- '' for a failure without a code
        n     INTEGER NOT NULL,
        PRIMARY KEY (hour, team, stage, step, code)
      ) WITHOUT ROWID;
      -- Carts handed on from a stage in the hour, counted by how long they spent in it: one row per
      -- hour and stage, so a month of stage times is a few thousand rows whatever the durations.
      CREATE TABLE stage_hours (
        hour    INTEGER NOT NULL,
        stage   TEXT NOT NULL,
        buckets TEXT NOT NULL,       -- JSON [carts in bucket 0, in bucket 1, …] (domain/rollups.ts durationBucket)
        PRIMARY KEY (hour, stage)
      ) WITHOUT ROWID;
      -- The stage each cart is in as far as trends know, and since when: its hand-off is timed from it.
      CREATE TABLE cart_stages (
        cart_id    TEXT PRIMARY KEY,
        stage      TEXT NOT NULL,
        entered_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- One weekly digest per team and ISO week, recorded with its outbox row: never posted twice.
      CREATE TABLE weekly_digest_runs (
        team     TEXT NOT NULL,
        iso_week TEXT NOT NULL,        -- "2026-W49", the week of the digest's local date
        ran_at   INTEGER NOT NULL,
        facts    TEXT NOT NULL,
        posted   INTEGER NOT NULL,     -- 0: a quiet week with digest.skip_quiet
        PRIMARY KEY (team, iso_week)
      ) WITHOUT ROWID;

      -- Exceptions of a period by when their events occurred (trends: value at risk, times to act).
      CREATE INDEX exceptions_by_first_seen ON exceptions (first_seen_at);
    `,
  },
  {
    version: 11,
    name: 'an escalation board remembers when it was last drawn',
    sql: `
      -- Detection's redraws of a board wait out a pace from its last drawing (shared/outbox-plans.ts).
      ALTER TABLE escalation_boards ADD COLUMN drawn_at INTEGER;
    `,
  },
];

/** The migration that began trends' roll-ups: figures before it was applied were never counted. */
export const ROLLUPS_SINCE_VERSION = 10;

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * Applies every migration the file lacks, each in its own transaction, and records it at `now` (the
 * opener's clock): the first migration's time is when the database began, which digests rely on.
 */
export function migrate(db: Database.Database, file: string, now = Date.now()): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const current =
    (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  if (current > LATEST_SCHEMA_VERSION) throw new SchemaTooNewError(current, LATEST_SCHEMA_VERSION, file);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date(now).toISOString());
    })();
  }
}
