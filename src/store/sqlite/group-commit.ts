/**
 * Collects the writes that arrive within one turn of the event loop and commits them together.
 * With synchronous=FULL every commit waits for the disk; sharing that wait among concurrent
 * requests is what keeps durable ingest fast. Each caller still learns its own outcome.
 */
export class GroupCommit<Job, Result> {
  private queue: { job: Job; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};

  constructor(
    /** Runs all jobs in one transaction; throws to roll the whole group back. */
    private readonly commitAll: (jobs: readonly Job[]) => Result[],
  ) {}

  submit(job: Job): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      this.idle = new Promise((done) => {
        this.markIdle = done;
      });
      setImmediate(() => this.flush());
    });
  }

  /** Resolves once everything submitted so far has been committed or refused. */
  drained(): Promise<void> {
    return this.scheduled ? this.idle : Promise.resolve();
  }

  private flush(): void {
    const group = this.queue;
    this.queue = [];
    this.scheduled = false;
    try {
      const results = this.commitAll(group.map((entry) => entry.job));
      group.forEach((entry, i) => {
        entry.resolve(results[i] as Result);
      });
    } catch (groupError) {
      if (group.length === 1) group[0]?.reject(groupError);
      // One bad job must not fail its neighbours: retry each alone so only the culprit is refused.
      else for (const entry of group) this.commitAlone(entry);
    }
    this.markIdle();
  }

  private commitAlone(entry: (typeof this.queue)[number]): void {
    try {
      const [result] = this.commitAll([entry.job]);
      entry.resolve(result as Result);
    } catch (error) {
      entry.reject(error);
    }
  }
}
