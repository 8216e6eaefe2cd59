import { execFileSync } from 'node:child_process';
import { startTestPostgres } from './postgres-setup.js';

/**
 * Builds first: child-process tests run the compiled CLI.
 * Then starts the throwaway Postgres server (see postgres-setup.ts).
 */
export default function setup(): () => void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  return startTestPostgres();
}
