import type { OutboxHealth, OutboxJob } from '../exception-types.js';
import {
  boardTeamOf,
  claimedInDoubt,
  type OutboxRow,
  POSTING_KINDS,
  toOutboxJob,
} from '../shared/outbox-jobs.js';
import { POSTING_KIND_LIST, waitsForNothingEarlier } from '../shared/outbox-order.js';
import { tsTargetOf } from '../shared/outbox-ts.js';
import type { ClaimOutboxInput, Fenced } from '../store.js';
import { notePosted, refenceOwnLeases, takeChannels } from './channel-leases.js';
import { type Sql, type Tx, transaction } from './connection.js';
import { loadJobSources } from './job-sources.js';

/** What a sender's write needs of the row it is about. */
interface ClaimedRow {
  kind: OutboxRow['kind'];
  channel: string;
  exception_id: number | null;
  group_id: number | null;
  payload: string;
  claim_token: number;
}

/**
 * The sending side of the outbox on Postgres, where several instances send: each serves only the
 * channels it holds the lease of (channel-leases.ts), so per-channel order and Slack's pace hold
 * cluster-wide; rows are claimed with FOR UPDATE SKIP LOCKED in the transaction that leases them,
 * and every later write about a row is fenced by the token it was claimed under.
 */
export class OutboxSender {
  constructor(
    private readonly sql: Sql,
    private readonly instance: string,
  ) {}

  claim(input: ClaimOutboxInput): Promise<OutboxJob[]> {
    return transaction(this.sql, async (tx) => {
      const { now, leaseMs } = input;
      const wanted = await tx<{ channel: string }[]>`
        SELECT DISTINCT channel FROM outbox
        WHERE state = 'pending' AND due_at <= ${now} AND claimed_until <= ${now}`;
      const held = await takeChannels(tx, {
        instance: this.instance,
        channels: wanted.map((row) => row.channel),
        now,
        leaseMs,
        paceMs: input.paceMs ?? 0,
      });
      if (held.size === 0) return [];
      const paced = [
        ...(input.pacedChannels ?? []),
        ...[...held.values()].filter((h) => h.paced).map((h) => h.channel),
      ];
      const rows = await this.due(tx, {
        now,
        limit: input.limit,
        channels: [...held.keys()],
        paced,
        heldKinds: [...(input.heldKinds ?? [])],
      });
      if (rows.length === 0) return [];
      const inDoubt = rows.map(claimedInDoubt);
      const tokens = rows.map((row) => held.get(row.channel)?.token ?? 0);
      await tx`
        UPDATE outbox o SET claimed_until = ${now + leaseMs}, in_doubt = c.in_doubt, claim_token = c.token
        FROM unnest(${rows.map((row) => row.id)}::bigint[], ${inDoubt.map(Number)}::int[], ${tokens}::bigint[])
          AS c (id, in_doubt, token)
        WHERE o.id = c.id`;
      const sources = await loadJobSources(tx, rows);
      return rows.map((row, i) => ({
        ...toOutboxJob(row, inDoubt[i] ?? true, sources),
        token: tokens[i] ?? 0,
      }));
    });
  }

  /** Due rows of the held channels, in send order, skipping any another transaction has locked. */
  private due(
    tx: Tx,
    input: { now: number; limit: number; channels: string[]; paced: string[]; heldKinds: string[] },
  ) {
    return tx<OutboxRow[]>`
      WITH claim AS (SELECT ${input.now}::bigint AS now)
      SELECT o.id, o.exception_id, o.group_id, o.kind, o.channel, o.payload, o.attempts, o.in_doubt,
        o.claimed_until
      FROM outbox o, claim
      WHERE o.state = 'pending' AND o.due_at <= claim.now AND o.claimed_until <= claim.now
        AND o.channel = ANY(${input.channels}::text[])
        AND NOT (o.kind IN (${tx.unsafe(POSTING_KIND_LIST)}) AND o.channel = ANY(${input.paced}::text[]))
        AND NOT (o.kind = ANY(${input.heldKinds}::text[]))
        AND ${tx.unsafe(waitsForNothingEarlier('claim.now'))}
      ORDER BY o.due_at, o.id LIMIT ${input.limit}
      FOR UPDATE OF o SKIP LOCKED`;
  }

  /**
   * Marks a row sent, with a post's ts on what it posted. A sender whose claim was taken over writes
   * nothing: the new holder claimed the row in doubt and looks the post up in Slack before posting.
   */
  complete(input: { id: number; at: number; ts?: string } & Fenced): Promise<void> {
    return transaction(this.sql, async (tx) => {
      const row = await this.lockRow(tx, input.id);
      if (row === undefined) return;
      // The call went out either way: the channel's next sender keeps Slack's pace from it.
      if (POSTING_KINDS.includes(row.kind)) await notePosted(tx, row.channel, this.instance);
      if (isFencedOut(row, input)) return;
      await tx`UPDATE outbox SET state = 'sent', sent_at = ${input.at}, claimed_until = 0 WHERE id = ${input.id}`;
      if (input.ts !== undefined) await this.recordTs(tx, row, input.ts);
      // Detection's next redraw of the board is paced from here (BoardWriter.changed).
      if (tsTargetOf(row.kind) === 'board')
        await tx`UPDATE escalation_boards SET drawn_at = ${input.at} WHERE team = ${boardTeamOf(row)}`;
    });
  }

  private async recordTs(tx: Tx, row: ClaimedRow, ts: string): Promise<void> {
    const target = tsTargetOf(row.kind);
    if (target === 'exception' && row.exception_id !== null)
      await tx`UPDATE exceptions SET slack_ts = ${ts} WHERE id = ${row.exception_id}`;
    else if (target === 'group' && row.group_id !== null)
      await tx`UPDATE exception_groups SET slack_ts = ${ts} WHERE id = ${row.group_id}`;
    else if (target === 'board') {
      await tx`UPDATE escalation_boards SET slack_ts = ${ts} WHERE team = ${boardTeamOf(row)}`;
    }
  }

  retry(input: { id: number; dueAt: number; error: string; inDoubt?: boolean } & Fenced): Promise<void> {
    return this.fenced(
      input,
      (tx) => tx`
      UPDATE outbox SET due_at = ${input.dueAt}, attempts = attempts + 1, last_error = ${input.error},
        claimed_until = 0, in_doubt = greatest(in_doubt, ${input.inDoubt ? 1 : 0})
      WHERE id = ${input.id}`,
    );
  }

  release(input: { id: number } & Fenced): Promise<void> {
    return this.fenced(input, (tx) => tx`UPDATE outbox SET claimed_until = 0 WHERE id = ${input.id}`);
  }

  fail(input: { id: number; error: string } & Fenced): Promise<void> {
    return this.fenced(
      input,
      (tx) => tx`
      UPDATE outbox SET state = 'failed', last_error = ${input.error}, claimed_until = 0 WHERE id = ${input.id}`,
    );
  }

  /**
   * At start-up, under this instance's name: rows it had claimed on the channels it still holds are
   * due again, in doubt, and the leases get new tokens (fencing out the dead process). Another live
   * instance's rows are never touched; ones whose claim ran out come back in doubt when claimed.
   */
  releaseAbandoned(): Promise<number> {
    return transaction(this.sql, async (tx) => {
      const channels = await refenceOwnLeases(tx, this.instance);
      if (channels.length === 0) return 0;
      const released = await tx`
        UPDATE outbox SET claimed_until = 0, in_doubt = 1
        WHERE state = 'pending' AND claimed_until > 0 AND channel = ANY(${channels}::text[])`;
      return released.count;
    });
  }

  /** Each count walks its own partial index: sent rows, however many, are never read. */
  async health(): Promise<OutboxHealth> {
    const [[pending], [failed]] = await Promise.all([
      this.sql<{ n: number; oldest: number | null }[]>`
        SELECT count(*)::int AS n, min(due_at) AS oldest FROM outbox WHERE state = 'pending'`,
      this.sql<{ n: number; last_error: string | null }[]>`
        SELECT count(*)::int AS n,
          (SELECT last_error FROM outbox WHERE state = 'failed' ORDER BY id DESC LIMIT 1) AS last_error
        FROM outbox WHERE state = 'failed'`,
    ]);
    const health: OutboxHealth = { pending: pending?.n ?? 0, failed: failed?.n ?? 0 };
    if (pending?.oldest != null) health.oldestPendingDueAt = pending.oldest;
    if (health.failed > 0 && failed?.last_error != null) health.lastError = failed.last_error;
    return health;
  }

  private fenced(input: { id: number } & Fenced, write: (tx: Tx) => Promise<unknown>): Promise<void> {
    return transaction(this.sql, async (tx) => {
      const row = await this.lockRow(tx, input.id);
      if (row !== undefined && !isFencedOut(row, input)) await write(tx);
    });
  }

  private async lockRow(tx: Tx, id: number): Promise<ClaimedRow | undefined> {
    const [row] = await tx<ClaimedRow[]>`
      SELECT kind, channel, exception_id, group_id, payload, claim_token FROM outbox WHERE id = ${id} FOR UPDATE`;
    return row;
  }
}

/** Another claim took the row since this sender's: its writes about the row no longer count. */
function isFencedOut(row: ClaimedRow, input: Fenced): boolean {
  return input.token !== undefined && row.claim_token !== input.token;
}
