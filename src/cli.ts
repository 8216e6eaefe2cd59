#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { UsageError } from './cli/args.js';
import {
  runBackup,
  runCheckConfig,
  runDemo,
  runDigest,
  runImport,
  runStart,
  runWebhooks,
} from './cli/commands.js';
import { runDoctorCommand } from './cli/doctor-command.js';
import { COMMAND_HELP, USAGE } from './cli/help.js';
import { runReport } from './cli/report-command.js';
import { runSilence } from './cli/silence-command.js';
import { suggestion } from './config/suggest.js';
import { CartwatchError } from './errors.js';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  start: runStart,
  'check-config': runCheckConfig,
  import: runImport,
  backup: runBackup,
  digest: runDigest,
  silence: runSilence,
  report: runReport,
  demo: runDemo,
  webhooks: runWebhooks,
  doctor: runDoctorCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 1 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    const names = Object.keys(COMMANDS);
    process.stderr.write(`cartwatch: unknown command "${name}"; ${suggestion(name, names)}\n\n${USAGE}`);
    return 1;
  }
  if (parseArgs({ args: rest, strict: false }).values.help) {
    process.stdout.write(COMMAND_HELP[name] ?? USAGE);
    return 0;
  }
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
