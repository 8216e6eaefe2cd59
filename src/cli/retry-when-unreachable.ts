import { setTimeout as sleep } from 'node:timers/promises';
import { isDatabaseUnreachable } from '../store/open-store.js';

const PAUSE_MS = 500;
const TRIES = 20;

/**
 * Runs a command's work again when the database connection is lost under it (a Postgres restart,
 * a terminated backend): the next try gets a new connection from the pool. Only for work that is
 * safe to repeat, such as a digest, which the store records once per team and day.
 */
export async function retryWhenUnreachable<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnreachable(error) || attempt >= TRIES) throw error;
      process.stderr.write(
        `cartwatch: the database connection was lost (${error instanceof Error ? error.message : String(error)}); trying again\n`,
      );
      await sleep(PAUSE_MS);
    }
  }
}
