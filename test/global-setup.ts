import { execFileSync } from 'node:child_process';

/** Builds first: child-process tests run the CLI, and the store's writer worker runs compiled code. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
