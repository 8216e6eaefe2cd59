import path from 'node:path';
import { type DuePolicy, NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { freshPostgresUrl } from './postgres.js';
import { tempDir } from './temp.js';

/**
 * The store conformance suite's two subjects. A conformance test is written once against `Store`
 * and runs for each kind: `describe.each(STORE_KINDS)('%s store', (kind) => …)`.
 */
export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

export interface TestStore {
  store: Store;
  kind: StoreKind;
  /** Where it lives: a file path or a Postgres URL (a second instance can open it too). */
  target: string;
  /** Opens another instance on the same database (Postgres), or the same file again (SQLite). */
  openAnother(): Promise<Store>;
  close(): Promise<void>;
}

export async function openTestStore(
  kind: StoreKind,
  options: { policy?: DuePolicy; now?: number } = {},
): Promise<TestStore> {
  const policy = options.policy ?? NO_DUE_POLICY;
  const opened: Store[] = [];
  if (kind === 'sqlite') {
    const temp = tempDir();
    const file = path.join(temp.dir, 'cartwatch.sqlite');
    const open = async () => {
      const store = SqliteStore.open(file, policy, options.now === undefined ? {} : { now: options.now });
      opened.push(store);
      return store;
    };
    const store = await open();
    return {
      store,
      kind,
      target: file,
      openAnother: open,
      async close() {
        await Promise.all(opened.map((s) => s.close()));
        temp.cleanup();
      },
    };
  }
  const url = await freshPostgresUrl();
  let instances = 0;
  const open = async () => {
    instances += 1;
    const store = await PostgresStore.open(url, policy, {
      ...(options.now !== undefined && { now: options.now }),
      instance: `test-${instances}`,
    });
    opened.push(store);
    return store;
  };
  const store = await open();
  return {
    store,
    kind,
    target: url,
    openAnother: open,
    async close() {
      await Promise.all(opened.map((s) => s.close()));
    },
  };
}
