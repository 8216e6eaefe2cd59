import type Database from 'better-sqlite3';
import type { OutboxJob } from '../exception-types.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import {
  boardTeamOf,
  claimedInDoubt,
  type JobSources,
  type OutboxRow,
  toOutboxJob,
} from '../shared/outbox-jobs.js';
import { POSTING_KIND_LIST, waitsForNothingEarlier } from '../shared/outbox-order.js';
import { tsTargetOf } from '../shared/outbox-ts.js';
import type { ClaimOutboxInput } from '../store.js';
import { BoardReader } from './board-reader.js';
import { GroupReader } from './group-reader.js';
import { writeTransaction } from './write-transaction.js';

/**
 * The outbox worker's side of the outbox: due rows claimed under a lease (and rendered from the
 * state they show), then each completed with its message's ts, retried, released or failed.
 * outbox-writer.ts queues the rows.
 */
export class OutboxSender {
  private readonly s;

  /** What claimed rows are drawn from, read in the claim's transaction. */
  private readonly sources: JobSources;

  constructor(private readonly db: Database.Database) {
    const groups = new GroupReader(db);
    const boards = new BoardReader(db);
    const exception = db.prepare<[number], ExceptionRow>('SELECT * FROM exceptions WHERE id = ?');
    this.sources = {
      exception: (id) => {
        const row = exception.get(id);
        return row && toException(row);
      },
      group: (id) => groups.load(id),
      board: (team) => boards.load(team),
    };
    this.s = {
      // In order per message (shared/outbox-order.ts). Channels still inside their posting pace are
      // left out, so one busy channel starves no other.
      due: db.prepare<{ now: number; paced: string; held: string; limit: number }, OutboxRow>(
        `SELECT id, exception_id, group_id, kind, channel, payload, attempts, in_doubt, claimed_until FROM outbox o
         WHERE state = 'pending' AND due_at <= @now AND claimed_until <= @now
           AND NOT (kind IN (${POSTING_KIND_LIST}) AND channel IN (SELECT value FROM json_each(@paced)))
           AND kind NOT IN (SELECT value FROM json_each(@held))
           AND ${waitsForNothingEarlier('@now')}
         ORDER BY due_at, id LIMIT @limit`,
      ),
      lease: db.prepare('UPDATE outbox SET claimed_until = ?, in_doubt = ? WHERE id = ?'),
      abandoned: db.prepare(
        "UPDATE outbox SET claimed_until = 0, in_doubt = 1 WHERE state = 'pending' AND claimed_until > 0",
      ),
      sent: db.prepare("UPDATE outbox SET state = 'sent', sent_at = ?, claimed_until = 0 WHERE id = ?"),
      sentRow: db.prepare<[number], Pick<OutboxRow, 'kind' | 'exception_id' | 'group_id' | 'payload'>>(
        'SELECT kind, exception_id, group_id, payload FROM outbox WHERE id = ?',
      ),
      exceptionTs: db.prepare('UPDATE exceptions SET slack_ts = ? WHERE id = ?'),
      groupTs: db.prepare('UPDATE exception_groups SET slack_ts = ? WHERE id = ?'),
      boardTs: db.prepare('UPDATE escalation_boards SET slack_ts = ? WHERE team = ?'),
      boardDrawn: db.prepare('UPDATE escalation_boards SET drawn_at = ? WHERE team = ?'),
      retry: db.prepare(
        'UPDATE outbox SET due_at = ?, attempts = attempts + 1, last_error = ?, claimed_until = 0, in_doubt = in_doubt OR ? WHERE id = ?',
      ),
      release: db.prepare('UPDATE outbox SET claimed_until = 0 WHERE id = ?'),
      failed: db.prepare(
        "UPDATE outbox SET state = 'failed', last_error = ?, claimed_until = 0 WHERE id = ?",
      ),
    };
  }

  claim(input: ClaimOutboxInput): OutboxJob[] {
    const { now, limit, leaseMs } = input;
    const paced = JSON.stringify(input.pacedChannels ?? []);
    const held = JSON.stringify(input.heldKinds ?? []);
    return writeTransaction(this.db, () =>
      this.s.due.all({ now, paced, held, limit }).map((row) => {
        const inDoubt = claimedInDoubt(row);
        this.s.lease.run(now + leaseMs, inDoubt ? 1 : 0, row.id);
        return toOutboxJob(row, inDoubt, this.sources);
      }),
    )();
  }

  complete(id: number, at: number, ts: string | undefined): void {
    writeTransaction(this.db, () => {
      this.s.sent.run(at, id);
      const row = this.s.sentRow.get(id);
      if (row === undefined) return;
      if (ts !== undefined) this.recordTs(row, ts);
      // Detection's next redraw of the board is paced from here (BoardWriter.changed).
      if (tsTargetOf(row.kind) === 'board') this.s.boardDrawn.run(at, boardTeamOf(row));
    })();
  }

  /** A post's ts (or an update's, posted afresh) is kept where shared/outbox-ts.ts says. */
  private recordTs(row: Pick<OutboxRow, 'kind' | 'exception_id' | 'group_id' | 'payload'>, ts: string): void {
    const target = tsTargetOf(row.kind);
    if (target === 'exception' && row.exception_id !== null) this.s.exceptionTs.run(ts, row.exception_id);
    else if (target === 'group' && row.group_id !== null) this.s.groupTs.run(ts, row.group_id);
    else if (target === 'board') this.s.boardTs.run(ts, boardTeamOf(row));
  }

  retry(id: number, dueAt: number, error: string, inDoubt: boolean): void {
    this.s.retry.run(dueAt, error, inDoubt ? 1 : 0, id);
  }

  /**
   * At start-up every lease belongs to a process that is gone (one process sends): its rows are
   * sent again now rather than when the lease runs out, each looked for in Slack first.
   */
  releaseAbandoned(): number {
    return this.s.abandoned.run().changes;
  }

  release(id: number): void {
    this.s.release.run(id);
  }

  fail(id: number, error: string): void {
    this.s.failed.run(error, id);
  }
}
