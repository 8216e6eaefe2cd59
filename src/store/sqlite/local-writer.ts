import { setTimeout as sleep } from 'node:timers/promises';
import type { DuePolicy } from '../../domain/due-policy.js';
import { CartwatchError, StoreBusyError, StoreFullError } from '../../errors.js';
import { GroupCommit } from '../shared/group-commit.js';
import type { RecordOutcome } from '../store.js';
import { openDatabase } from './connection.js';
import { type RecordJob, SqliteWriter } from './sqlite-writer.js';

/** The writer's operations the store calls by name. */
export type WriterOp = {
  [K in keyof SqliteWriter]: SqliteWriter[K] extends (...args: never[]) => unknown ? K : never;
}[keyof SqliteWriter];

export type WriterResult<K extends WriterOp> = Awaited<ReturnType<SqliteWriter[K]>>;

/** How long a write waits for another process's write lock before it is refused, as busy_timeout did. */
export const LOCK_WAIT_MS = 5_000;
const FIRST_RETRY_MS = 2;
const LONGEST_RETRY_MS = 50;

/**
 * The store's writes, on the thread that serves HTTP and Slack, on a connection of their own.
 *
 * They ran in a worker thread once, so that a commit's disk wait never held up this thread. Measured
 * on 2026-12-02 (README "Performance"), handing every batch across as a structured clone, and
 * keeping a second heap, cost more than the waits: here a single event costs a fifth to a third
 * less CPU at the same rate, and the process's peak memory is over 100 MB lower, for batches about
 * a fifth slower (one thread now parses, writes and detects them in turn).
 *
 * What must not block this thread is another process's lock (a CLI command, a backup tool): SQLite's
 * busy handler would sleep here, stalling Slack's 3-second acks. So this connection never waits
 * inside SQLite (busy_timeout 0); a write that finds the lock taken has changed nothing (every one
 * begins IMMEDIATE or is a single statement), and is tried again later without blocking.
 */
export class LocalWriter {
  private readonly writer: SqliteWriter;
  // Batches that arrive within one turn of the event loop are written in one commit.
  private readonly records: GroupCommit<RecordJob, RecordOutcome>;
  /** Settles once the writes waiting for another process's lock have gone through or given up. */
  private waiting: Promise<void> | undefined;
  private readonly running = new Set<Promise<void>>();

  constructor(
    file: string,
    policy: DuePolicy,
    private readonly lockWaitMs = LOCK_WAIT_MS,
  ) {
    const db = openDatabase(file);
    db.pragma('busy_timeout = 0');
    this.writer = new SqliteWriter(db, policy);
    this.records = new GroupCommit((jobs) => this.whenUnlocked(() => this.writer.recordGroup(jobs)), {
      // A lock held too long is no one job's fault: retrying each alone would only wait again.
      retryAlone: (error) => !isLockTimeout(error),
    });
  }

  /** Records a caller's batch in the next group commit; resolves once it is on disk. */
  record(job: RecordJob): Promise<RecordOutcome> {
    return this.records.submit(job);
  }

  call<K extends WriterOp>(op: K, ...args: Parameters<SqliteWriter[K]>): Promise<WriterResult<K>> {
    const method = this.writer[op] as (...a: unknown[]) => WriterResult<K> | Promise<WriterResult<K>>;
    return this.whenUnlocked(() => method.apply(this.writer, args));
  }

  async close(): Promise<void> {
    await this.records.drained();
    await this.waiting;
    await Promise.all(this.running);
    this.writer.close();
  }

  /**
   * Runs the write now, unless another process holds the lock or an earlier write still waits for
   * it: then after those, in the order asked (as the old worker's queue kept them), each refused
   * once the lock has held it up for lockWaitMs since it was asked.
   */
  private whenUnlocked<T>(write: () => T | Promise<T>): Promise<T> {
    const giveUpAt = performance.now() + this.lockWaitMs;
    if (this.waiting === undefined) {
      try {
        const result = write();
        // Only the online backup runs on after returning (step by step): close waits for it too.
        if (result instanceof Promise) return this.track(result);
        return Promise.resolve(result);
      } catch (error) {
        if (!isLocked(error)) return Promise.reject(storeErrorOf(error));
      }
    }
    const result = (this.waiting ?? Promise.resolve()).then(() => this.retry(write, giveUpAt));
    const settled = result.then(ignore, ignore);
    this.waiting = settled;
    void settled.then(() => {
      if (this.waiting === settled) this.waiting = undefined;
    });
    return result;
  }

  private track<T>(running: Promise<T>): Promise<T> {
    const settled = running.then(ignore, ignore);
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return running.catch((error: unknown) => Promise.reject(storeErrorOf(error)));
  }

  private async retry<T>(write: () => T | Promise<T>, giveUpAt: number): Promise<T> {
    for (let wait = FIRST_RETRY_MS; ; wait = Math.min(wait * 2, LONGEST_RETRY_MS)) {
      try {
        return await write();
      } catch (error) {
        if (!isLocked(error)) throw storeErrorOf(error);
        if (performance.now() + wait > giveUpAt) throw new StoreBusyError(this.lockWaitMs, error);
      }
      await sleep(wait);
    }
  }
}

function ignore(): void {}

/** Another connection holds the lock (better-sqlite3 names extended codes, e.g. SQLITE_BUSY_SNAPSHOT). */
function isLocked(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

function isLockTimeout(error: unknown): boolean {
  return error instanceof StoreBusyError;
}

/** SQLite's errors as the store's: a full disk is one callers answer differently (503, retry later). */
function storeErrorOf(error: unknown): Error {
  if (error instanceof CartwatchError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_FULL') return new StoreFullError(message);
  return new CartwatchError(typeof code === 'string' ? code : 'STORE_FAILED', message);
}
