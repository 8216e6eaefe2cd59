import { describe, expect, it } from 'vitest';
import { connect, migrate } from '../../src/store/postgres/connection.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/schema.js';
import { freshPostgresUrl } from '../support/postgres.js';

describe('the throwaway Postgres server', () => {
  it('migrates a new database once, however many instances start together', async () => {
    const url = await freshPostgresUrl();
    const pools = [connect(url), connect(url), connect(url)];
    try {
      await Promise.all(pools.map((sql) => migrate(sql, 1_000)));
      const [first] = pools as [ReturnType<typeof connect>];
      const rows = await first<
        { version: number; applied_at: number }[]
      >`SELECT version, applied_at FROM schema_migrations ORDER BY version`;
      // Each migration once, though three instances raced to apply them.
      expect(rows).toEqual(POSTGRES_MIGRATIONS.map(({ version }) => ({ version, applied_at: 1_000 })));
    } finally {
      await Promise.all(pools.map((sql) => sql.end()));
    }
  });
});
