#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { UsageError } from './cli/args.js';
import { COMMAND_HELP, USAGE } from './cli/help.js';
import { suggestion } from './config/suggest.js';
import { CartwatchError } from './errors.js';

type Command = (args: string[]) => Promise<number>;

// Each command's module is loaded only when that command runs: help, usage mistakes and light
// commands answer without loading the server, the store and Slack's client.
const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./cli/commands.js')).runStart,
  'check-config': async () => (await import('./cli/commands.js')).runCheckConfig,
  import: async () => (await import('./cli/commands.js')).runImport,
  backup: async () => (await import('./cli/commands.js')).runBackup,
  digest: async () => (await import('./cli/commands.js')).runDigest,
  silence: async () => (await import('./cli/silence-command.js')).runSilence,
  report: async () => (await import('./cli/report-command.js')).runReport,
  demo: async () => (await import('./cli/commands.js')).runDemo,
  webhooks: async () => (await import('./cli/commands.js')).runWebhooks,
  doctor: async () => (await import('./cli/doctor-command.js')).runDoctorCommand,
  migrate: async () => (await import('./cli/migrate-command.js')).runMigrate,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 1 : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    const names = Object.keys(COMMANDS);
    process.stderr.write(`cartwatch: unknown command "${name}"; ${suggestion(name, names)}\n\n${USAGE}`);
    return 1;
  }
  if (parseArgs({ args: rest, strict: false }).values.help) {
    process.stdout.write(COMMAND_HELP[name] ?? USAGE);
    return 0;
  }
  const command = await load();
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`${error.message}\n`);
    else if (error instanceof CartwatchError) process.stderr.write(`cartwatch: ${error.message}\n`);
    else
      process.stderr.write(
        `cartwatch: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    process.exitCode = 1;
  },
);
