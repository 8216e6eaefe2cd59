/**
 * The Postgres schema, as numbered migrations. Tables and columns carry the same names and meanings
 * as the SQLite schema (store/sqlite/migrations.ts), so row shapes and their mappers are shared:
 * times are epoch milliseconds in BIGINT (read back as numbers), JSON is kept as TEXT, flags as
 * 0/1 integers. What only Postgres needs is said where it appears.
 */
export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'cartwatch schema (SQLite schema version 10)',
    sql: `
      CREATE TABLE events (
        seq             BIGSERIAL PRIMARY KEY,
        -- The inserting transaction: detection reads below the horizon of transactions still running,
        -- ordered by (xid, seq), because sequence values commit out of order.
        xid             XID8 NOT NULL DEFAULT pg_current_xact_id(),
        id              TEXT NOT NULL UNIQUE,
        cart_id         TEXT,
        order_id        TEXT,
        payment_id      TEXT,
        shipment_id     TEXT,
        sku             TEXT,
        stage           TEXT NOT NULL,
        step            TEXT NOT NULL,
        status          TEXT NOT NULL,
        occurred_at     BIGINT NOT NULL,
        received_at     BIGINT NOT NULL,
        source          TEXT NOT NULL,
        run_id          TEXT,
        amount_value    BIGINT,
        amount_currency TEXT,
        error_code      TEXT,
        error_message   TEXT,
        raw             TEXT NOT NULL,
        suppressed      TEXT
      );
      CREATE INDEX events_by_xid ON events (xid, seq);
      CREATE INDEX events_by_cart ON events (cart_id, occurred_at) WHERE cart_id IS NOT NULL;
      CREATE INDEX events_unlinked_order ON events (order_id) WHERE cart_id IS NULL AND order_id IS NOT NULL;
      CREATE INDEX events_unlinked_payment ON events (payment_id) WHERE cart_id IS NULL AND payment_id IS NOT NULL;
      CREATE INDEX events_unlinked_shipment ON events (shipment_id) WHERE cart_id IS NULL AND shipment_id IS NOT NULL;

      CREATE TABLE correlation_links (
        key_kind  TEXT NOT NULL,
        key_value TEXT NOT NULL,
        cart_id   TEXT NOT NULL,
        linked_at BIGINT NOT NULL,
        PRIMARY KEY (key_kind, key_value)
      );
      CREATE INDEX correlation_links_by_cart ON correlation_links (cart_id);

      CREATE TABLE carts (
        cart_id          TEXT PRIMARY KEY,
        stage            TEXT NOT NULL,
        step             TEXT NOT NULL,
        status           TEXT NOT NULL,
        last_progress_at BIGINT NOT NULL,
        first_seen_at    BIGINT NOT NULL,
        value            BIGINT,
        currency         TEXT,
        event_count      INTEGER NOT NULL,
        stall_due_at     BIGINT
      );
      CREATE INDEX carts_by_stall_due ON carts (stall_due_at) WHERE stall_due_at IS NOT NULL;
      CREATE INDEX carts_by_stage_status ON carts (stage, status, last_progress_at);

      CREATE TABLE expectations (
        cart_id  TEXT NOT NULL,
        rule     TEXT NOT NULL,
        after_at BIGINT NOT NULL,
        due_at   BIGINT NOT NULL,
        PRIMARY KEY (cart_id, rule)
      );
      CREATE INDEX expectations_by_due ON expectations (due_at);

      CREATE TABLE sources (
        name         TEXT PRIMARY KEY,
        last_seen_at BIGINT NOT NULL,
        last_stage   TEXT,
        last_run_id  TEXT
      );

      CREATE TABLE silences (
        id            BIGSERIAL PRIMARY KEY,
        team          TEXT NOT NULL,
        match         TEXT NOT NULL,
        reason        TEXT NOT NULL,
        created_by    TEXT NOT NULL,
        created_at    BIGINT NOT NULL,
        starts_at     BIGINT NOT NULL,
        ends_at       BIGINT NOT NULL,
        ended_at      BIGINT,
        ended_by      TEXT,
        maintenance   TEXT UNIQUE,
        summarised_at BIGINT
      );
      CREATE INDEX silences_unsummarised ON silences (ends_at) WHERE summarised_at IS NULL;

      CREATE TABLE silence_audit (
        id         BIGSERIAL PRIMARY KEY,
        silence_id BIGINT NOT NULL REFERENCES silences (id),
        at         BIGINT NOT NULL,
        actor      TEXT NOT NULL,
        action     TEXT NOT NULL,
        note       TEXT
      );
      CREATE INDEX silence_audit_by_silence ON silence_audit (silence_id, id);

      CREATE TABLE exception_groups (
        id            BIGSERIAL PRIMARY KEY,
        group_key     TEXT NOT NULL,
        kind          TEXT NOT NULL,
        stage         TEXT NOT NULL,
        step          TEXT NOT NULL,
        error_code    TEXT,
        team          TEXT NOT NULL,
        channel       TEXT NOT NULL,
        first_seen_at BIGINT NOT NULL,
        revision      INTEGER NOT NULL DEFAULT 0,
        slack_ts      TEXT
      );
      CREATE INDEX exception_groups_by_key ON exception_groups (group_key, id);

      CREATE TABLE exceptions (
        id               BIGSERIAL PRIMARY KEY,
        dedup_key        TEXT NOT NULL,
        kind             TEXT NOT NULL,
        state            TEXT NOT NULL,
        resolution       TEXT,
        cart_id          TEXT,
        stage            TEXT NOT NULL,
        step             TEXT NOT NULL,
        error_code       TEXT,
        error_message    TEXT,
        amount_value     BIGINT,
        amount_currency  TEXT,
        source           TEXT,
        run_id           TEXT,
        team             TEXT NOT NULL,
        channel          TEXT NOT NULL,
        route_reason     TEXT NOT NULL,
        assignee         TEXT,
        acknowledged_at  BIGINT,
        resolved_at      BIGINT,
        resolved_by      TEXT,
        first_seen_at    BIGINT NOT NULL,
        last_seen_at     BIGINT NOT NULL,
        count            INTEGER NOT NULL,
        revision         INTEGER NOT NULL DEFAULT 0,
        slack_ts         TEXT,
        escalate_at      BIGINT,
        escalation_level INTEGER NOT NULL DEFAULT 0,
        remind_at        BIGINT,
        group_key        TEXT,
        group_id         BIGINT REFERENCES exception_groups (id),
        raised_at        BIGINT,
        amount_from      TEXT,
        silence_id       BIGINT REFERENCES silences (id),
        snoozed_until    BIGINT,
        snoozed_by       TEXT,
        details          TEXT
      );
      CREATE INDEX exceptions_by_group ON exceptions (group_id) WHERE group_id IS NOT NULL;
      CREATE INDEX exceptions_by_escalate_at ON exceptions (escalate_at) WHERE escalate_at IS NOT NULL;
      CREATE INDEX exceptions_by_remind_at ON exceptions (remind_at) WHERE remind_at IS NOT NULL;
      CREATE UNIQUE INDEX exceptions_live_by_key ON exceptions (dedup_key) WHERE state != 'resolved';
      CREATE INDEX exceptions_live_by_cart ON exceptions (cart_id, stage) WHERE state != 'resolved';
      CREATE INDEX exceptions_by_cart ON exceptions (cart_id);
      CREATE INDEX exceptions_live_by_assignee ON exceptions (assignee, first_seen_at) WHERE state != 'resolved';
      CREATE INDEX exceptions_by_resolved_at ON exceptions (resolved_at) WHERE resolved_at IS NOT NULL;
      CREATE INDEX exceptions_live_by_team ON exceptions (team, first_seen_at) WHERE state != 'resolved';
      CREATE INDEX exceptions_live_by_group_key ON exceptions (group_key, raised_at) WHERE state != 'resolved';
      -- Storm candidates: ungrouped like exceptions raised within the window, resolved ones included.
      CREATE INDEX exceptions_ungrouped_by_group_key ON exceptions (group_key, raised_at) WHERE group_id IS NULL;
      CREATE INDEX exceptions_by_silence ON exceptions (silence_id) WHERE silence_id IS NOT NULL;
      CREATE INDEX exceptions_by_snoozed_until ON exceptions (snoozed_until) WHERE snoozed_until IS NOT NULL;
      CREATE INDEX exceptions_by_first_seen ON exceptions (first_seen_at);

      CREATE TABLE exception_audit (
        id           BIGSERIAL PRIMARY KEY,
        exception_id BIGINT NOT NULL REFERENCES exceptions (id),
        at           BIGINT NOT NULL,
        actor        TEXT NOT NULL,
        action       TEXT NOT NULL,
        note         TEXT
      );
      CREATE INDEX exception_audit_by_exception ON exception_audit (exception_id, id);
      CREATE INDEX exception_audit_by_at ON exception_audit (at);

      CREATE TABLE digest_runs (
        team       TEXT NOT NULL,
        local_date TEXT NOT NULL,
        ran_at     BIGINT NOT NULL,
        facts      TEXT NOT NULL,
        posted     INTEGER,
        PRIMARY KEY (team, local_date)
      );

      CREATE TABLE outbox (
        id            BIGSERIAL PRIMARY KEY,
        exception_id  BIGINT REFERENCES exceptions (id),
        group_id      BIGINT REFERENCES exception_groups (id),
        kind          TEXT NOT NULL,
        channel       TEXT NOT NULL,
        payload       TEXT NOT NULL,
        state         TEXT NOT NULL,
        due_at        BIGINT NOT NULL,
        claimed_until BIGINT NOT NULL DEFAULT 0,
        attempts      INTEGER NOT NULL DEFAULT 0,
        last_error    TEXT,
        created_at    BIGINT NOT NULL,
        sent_at       BIGINT,
        in_doubt      INTEGER NOT NULL DEFAULT 0,
        -- The channel lease token it was last claimed under: a sender's later write about the row
        -- counts only while no newer claim took it (fencing; see channel_leases).
        claim_token   BIGINT NOT NULL DEFAULT 0
      );
      CREATE INDEX outbox_pending_by_due ON outbox (due_at) WHERE state = 'pending';
      CREATE INDEX outbox_pending_by_channel ON outbox (channel, id) WHERE state = 'pending';
      CREATE INDEX outbox_by_exception ON outbox (exception_id, kind) WHERE exception_id IS NOT NULL;
      CREATE INDEX outbox_by_group ON outbox (group_id, kind) WHERE group_id IS NOT NULL;
      CREATE INDEX outbox_failed ON outbox (id) WHERE state = 'failed';

      -- One sender per Slack channel across the cluster: whoever holds the lease sends, and its token
      -- (bumped on every takeover) fences out a sender whose lease ran out while it was still working.
      CREATE TABLE channel_leases (
        channel      TEXT PRIMARY KEY,
        holder       TEXT NOT NULL,
        token        BIGINT NOT NULL,
        until_at     BIGINT NOT NULL,
        last_sent_at BIGINT NOT NULL DEFAULT 0,
        -- Who made that post: a sender keeps its own pace itself; another's it takes from here.
        last_sent_by TEXT
      );

      -- Named cluster-wide cursors; 'detector' is text "xid:seq" on Postgres (see events.xid).
      CREATE TABLE cursors (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      INSERT INTO cursors (name, value) VALUES ('detector', '0:0');

      -- Jobs that must run on one instance at a time (retention, digests' schedules): a lease each.
      CREATE TABLE singleton_leases (
        name     TEXT PRIMARY KEY,
        holder   TEXT NOT NULL,
        until_at BIGINT NOT NULL
      );

      CREATE TABLE webhook_failures (
        id          BIGSERIAL PRIMARY KEY,
        platform    TEXT NOT NULL,
        topic       TEXT NOT NULL,
        reason      TEXT NOT NULL,
        raw         TEXT NOT NULL,
        received_at BIGINT NOT NULL
      );

      CREATE TABLE key_aliases (
        alias       TEXT NOT NULL,
        key_kind    TEXT NOT NULL,
        key_value   TEXT NOT NULL,
        recorded_at BIGINT NOT NULL,
        PRIMARY KEY (alias, key_kind, key_value)
      );
      CREATE INDEX key_aliases_by_recorded_at ON key_aliases (recorded_at);

      CREATE TABLE suppressed_counts (
        minute BIGINT NOT NULL,
        team   TEXT NOT NULL,
        reason TEXT NOT NULL,
        n      INTEGER NOT NULL,
        PRIMARY KEY (minute, team, reason)
      );

      CREATE TABLE rate_counts (
        rule     TEXT NOT NULL,
        minute   BIGINT NOT NULL,
        attempts INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        PRIMARY KEY (rule, minute)
      );

      CREATE TABLE rate_errors (
        rule   TEXT NOT NULL,
        minute BIGINT NOT NULL,
        code   TEXT NOT NULL,
        n      INTEGER NOT NULL,
        PRIMARY KEY (rule, minute, code)
      );

      CREATE TABLE rate_states (
        rule        TEXT PRIMARY KEY,
        breached_at BIGINT,
        calm_since  BIGINT
      );

      CREATE TABLE escalation_boards (
        team     TEXT PRIMARY KEY,
        channel  TEXT NOT NULL,
        slack_ts TEXT,
        revision INTEGER NOT NULL DEFAULT 0
      );

      CREATE TABLE step_hours (
        hour       BIGINT NOT NULL,
        team       TEXT NOT NULL,
        stage      TEXT NOT NULL,
        step       TEXT NOT NULL,
        attempts   INTEGER NOT NULL,
        failures   INTEGER NOT NULL,
        suppressed INTEGER NOT NULL,
        stalls     INTEGER NOT NULL,
        PRIMARY KEY (hour, team, stage, step)
      );

      CREATE TABLE step_hour_codes (
        hour  BIGINT NOT NULL,
        team  TEXT NOT NULL,
        stage TEXT NOT NULL,
        step  TEXT NOT NULL,
        code  TEXT NOT NULL,
        n     INTEGER NOT NULL,
        PRIMARY KEY (hour, team, stage, step, code)
      );

      CREATE TABLE stage_hours (
        hour    BIGINT NOT NULL,
        stage   TEXT NOT NULL,
        buckets TEXT NOT NULL,
        PRIMARY KEY (hour, stage)
      );

      CREATE TABLE cart_stages (
        cart_id    TEXT PRIMARY KEY,
        stage      TEXT NOT NULL,
        entered_at BIGINT NOT NULL
      );

      CREATE TABLE weekly_digest_runs (
        team     TEXT NOT NULL,
        iso_week TEXT NOT NULL,
        ran_at   BIGINT NOT NULL,
        facts    TEXT NOT NULL,
        posted   INTEGER NOT NULL,
        PRIMARY KEY (team, iso_week)
      );

      -- Wake-ups for the other instances: a statement trigger queues a notification, and Postgres
      -- delivers identical notifications of one transaction once, so a commit group or a detection
      -- batch sends one (never one per row). LISTEN is the fast path; polling remains the fallback.
      CREATE FUNCTION cartwatch_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(TG_ARGV[0], '');
        RETURN NULL;
      END $$;
      CREATE TRIGGER events_recorded AFTER INSERT ON events
        FOR EACH STATEMENT EXECUTE FUNCTION cartwatch_notify('cartwatch_events');
      CREATE TRIGGER outbox_queued AFTER INSERT ON outbox
        FOR EACH STATEMENT EXECUTE FUNCTION cartwatch_notify('cartwatch_outbox');
    `,
  },
  {
    version: 2,
    name: 'an escalation board remembers when it was last drawn (SQLite schema version 11)',
    sql: `
      -- Detection's redraws of a board wait out a pace from its last drawing (shared/outbox-plans.ts).
      ALTER TABLE escalation_boards ADD COLUMN drawn_at BIGINT;
    `,
  },
];

export const LATEST_POSTGRES_VERSION = POSTGRES_MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
