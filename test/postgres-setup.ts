import { TEST_PG_SOCKET_ENV } from './support/postgres.js';
import { startPostgresServer } from './support/postgres-server.js';

/**
 * Starts the throwaway Postgres server the Postgres store's tests share (each test makes its own
 * database on it) and returns what stops it when the run ends. Children inherit the variable.
 */
export function startTestPostgres(): () => void {
  if (process.env[TEST_PG_SOCKET_ENV] !== undefined) return () => {};
  const server = startPostgresServer();
  process.env[TEST_PG_SOCKET_ENV] = server.socketDir;
  return () => server.stop();
}

export default startTestPostgres;
