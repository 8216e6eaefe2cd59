import type { FailureSample } from '../../domain/rates.js';
import { type FailureRow, toFailureSample } from '../rows/noise-rows.js';

/** Events read back from the newest when a breached rule's message names carts: bounds the read. */
export const FAILURE_SCAN_LIMIT = 50_000;

/**
 * Failed events counted at or after `since`, from events fed newest first by arrival. Both stores
 * feed it rows until `take` says the scan is over, so where it stops is decided once.
 */
export class FailureScan {
  readonly found: FailureSample[] = [];
  private read = 0;

  constructor(private readonly since: number) {}

  /** Keeps the row if it counts; false once nothing further back can (or the bound is reached). */
  take(row: FailureRow): boolean {
    // Counted at min(occurred, received), so nothing received before `since` can count after it.
    if (row.received_at < this.since || ++this.read > FAILURE_SCAN_LIMIT) return false;
    if (row.status !== 'failed') return true;
    const sample = toFailureSample(row);
    if (sample.at >= this.since) this.found.push(sample);
    return true;
  }
}
