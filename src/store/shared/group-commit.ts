type Entry<Job, Result> = { job: Job; resolve: (r: Result) => void; reject: (e: unknown) => void };

export interface GroupCommitOptions {
  /**
   * Whether a failed group is worth retrying job by job to find the culprit (the default). A lost
   * connection is no one job's fault: every job of the group is refused with that error instead.
   */
  retryAlone?: (groupError: unknown) => boolean;
}

/**
 * Collects the writes that arrive within one turn of the event loop, and while a commit is under
 * way, and commits them together. Every commit waits for the disk (SQLite with synchronous=FULL) or
 * a round trip and the WAL flush (Postgres); sharing that wait among concurrent requests is what
 * keeps durable ingest fast. Each caller still learns its own outcome, only after the commit.
 */
export class GroupCommit<Job, Result> {
  private queue: Entry<Job, Result>[] = [];
  private scheduled = false;
  private committing = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};

  constructor(
    /** Runs all jobs in one transaction; throws (or rejects) to roll the whole group back. */
    private readonly commitAll: (jobs: readonly Job[]) => Result[] | Promise<Result[]>,
    private readonly options: GroupCommitOptions = {},
  ) {}

  submit(job: Job): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (this.scheduled || this.committing) return;
      this.scheduled = true;
      this.idle = new Promise((done) => {
        this.markIdle = done;
      });
      setImmediate(() => void this.flush());
    });
  }

  /** Resolves once everything submitted so far has been committed or refused. */
  drained(): Promise<void> {
    return this.scheduled || this.committing ? this.idle : Promise.resolve();
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.committing = true;
    // What arrives during this commit waits for it, then goes in the next one.
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      await this.commitGroup(group);
    }
    this.committing = false;
    this.markIdle();
  }

  private async commitGroup(group: Entry<Job, Result>[]): Promise<void> {
    try {
      const results = await this.commitAll(group.map((entry) => entry.job));
      group.forEach((entry, i) => {
        entry.resolve(results[i] as Result);
      });
    } catch (groupError) {
      const alone = group.length > 1 && (this.options.retryAlone?.(groupError) ?? true);
      if (!alone) for (const entry of group) entry.reject(groupError);
      // One bad job must not fail its neighbours: retry each alone so only the culprit is refused.
      else for (const entry of group) await this.commitAlone(entry);
    }
  }

  private async commitAlone(entry: Entry<Job, Result>): Promise<void> {
    try {
      const [result] = await this.commitAll([entry.job]);
      entry.resolve(result as Result);
    } catch (error) {
      entry.reject(error);
    }
  }
}
