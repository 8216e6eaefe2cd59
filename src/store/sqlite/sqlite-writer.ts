import type Database from 'better-sqlite3';
import { STAGES } from '../../domain/event.js';
import type { NewEvent, RecordOutcome } from '../store.js';
import { EventWriter } from './event-writer.js';

export interface RecordJob {
  batch: readonly NewEvent[];
  receivedAt: number;
}

/**
 * Every write the store makes, synchronously, on the connection it owns. It runs in the writer
 * worker (see writer-worker.ts) so that commits, and the disk waits they carry, never hold up
 * the thread that serves HTTP and Slack.
 */
export class SqliteWriter {
  private readonly recordAll: (jobs: readonly RecordJob[]) => RecordOutcome[];
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    const events = new EventWriter(db);
    this.recordAll = db.transaction((jobs: readonly RecordJob[]) =>
      jobs.map((job) => events.write(job.batch, job.receivedAt)),
    );
    this.statements = {
      oldestEvents: db.prepare<[number], { seq: number; received_at: number }>(
        'SELECT seq, received_at FROM events ORDER BY seq LIMIT ?',
      ),
      deleteEventsUpTo: db.prepare('DELETE FROM events WHERE seq <= ?'),
      idleCartsInStage: db.prepare<[string, number, number], { cart_id: string }>(
        'SELECT cart_id FROM carts WHERE stage = ? AND last_progress_at < ? LIMIT ?',
      ),
      deleteCart: db.prepare('DELETE FROM carts WHERE cart_id = ?'),
      deleteLinksOfCart: db.prepare('DELETE FROM correlation_links WHERE cart_id = ?'),
    };
  }

  /** Records several callers' batches in one transaction (group commit); one outcome per job. */
  recordGroup(jobs: readonly RecordJob[]): RecordOutcome[] {
    return this.recordAll(jobs);
  }

  pruneBefore(cutoff: number, limit: number): number {
    const s = this.statements;
    // Rows are received in seq order, so the oldest are at the front: the cost is what gets deleted.
    let lastOld: number | undefined;
    for (const row of s.oldestEvents.all(limit)) {
      if (row.received_at >= cutoff) break;
      lastOld = row.seq;
    }
    return this.db.transaction(() => {
      const deleted = lastOld === undefined ? 0 : s.deleteEventsUpTo.run(lastOld).changes;
      // Per stage so the (stage, last_progress_at) index finds the idle carts without a scan.
      for (const stage of STAGES) {
        for (const { cart_id } of s.idleCartsInStage.all(stage, cutoff, limit)) {
          s.deleteCart.run(cart_id);
          s.deleteLinksOfCart.run(cart_id);
        }
      }
      return deleted;
    })();
  }

  async backupTo(file: string): Promise<void> {
    await this.db.backup(file);
  }

  close(): void {
    this.db.close();
  }
}
