import type { DuePolicy } from '../../domain/due-policy.js';
import { GroupCommit } from '../shared/group-commit.js';
import { planRecord, type RecordJob } from '../shared/record-plan.js';
import type { NewEvent, RecordOutcome } from '../store.js';
import { type Sql, transaction } from './connection.js';
import { loadRecordView } from './record-view.js';
import { writePlan } from './record-writes.js';
import { isConnectionLost, unavailableIfLost } from './unavailable.js';

/**
 * Ingest on Postgres: the batches that reach this instance together are recorded in one
 * transaction (group commit), each caller answered only after COMMIT returned. A lost connection
 * refuses the whole group as unavailable (the commit may or may not have happened: the producer's
 * retry finds each event stored once); any other failure is retried job by job.
 */
export class EventRecorder {
  private readonly group: GroupCommit<RecordJob, RecordOutcome>;

  constructor(
    private readonly sql: Sql,
    private readonly policy: DuePolicy,
  ) {
    this.group = new GroupCommit((jobs) => this.commit(jobs), { retryAlone: (e) => !isConnectionLost(e) });
  }

  async record(batch: readonly NewEvent[], receivedAt: number): Promise<RecordOutcome> {
    if (batch.length === 0) return { accepted: 0, duplicates: 0 };
    try {
      return await this.group.submit({ batch, receivedAt });
    } catch (error) {
      throw unavailableIfLost(error);
    }
  }

  /** Resolves once every batch submitted so far has been committed or refused. */
  drained(): Promise<void> {
    return this.group.drained();
  }

  private commit(jobs: readonly RecordJob[]): Promise<RecordOutcome[]> {
    return transaction(this.sql, async (tx) => {
      const view = await loadRecordView(tx, jobs);
      const plan = planRecord(this.policy, view, jobs);
      await writePlan(tx, plan);
      return plan.outcomes;
    });
  }
}
