import { type ParseArgsConfig, parseArgs } from 'node:util';
import { suggestion } from '../config/suggest.js';
import { CartwatchError } from '../errors.js';
import { COMMAND_HELP } from './help.js';

/** A command line a command cannot run: names what was wrong and what it accepts, then its usage. */
export class UsageError extends CartwatchError {
  constructor(command: string, problem: string) {
    const usage = COMMAND_HELP[command]?.split('\n')[0] ?? 'Usage: cartwatch COMMAND [options]';
    super(
      'USAGE',
      `cartwatch ${command}: ${problem}\n${usage}\nRun \`cartwatch ${command} --help\` for details.`,
    );
  }
}

type Spec = Omit<ParseArgsConfig, 'strict' | 'tokens' | 'allowPositionals'>;

/**
 * `parseArgs` for one command, whose mistakes name the bad value: an unknown option (with the one it
 * probably meant, or the list), an option without its value, a value given to a switch, an argument
 * it does not take. `takes` names the positional arguments the command accepts, in order.
 */
export function parseCommandArgs<const T extends Spec>(
  command: string,
  config: T,
  takes: readonly string[] = [],
): ReturnType<typeof parseArgs<T & { allowPositionals: true; strict: true }>> {
  const options = config.options ?? {};
  const { tokens = [] } = parseArgs({ ...config, allowPositionals: true, strict: false, tokens: true });
  let positionals = 0;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals += 1;
      if (positionals > takes.length) {
        const accepts = takes.length === 0 ? 'it takes no arguments' : `it takes only ${takes.join(' ')}`;
        throw new UsageError(command, `unexpected argument "${token.value}": ${accepts}`);
      }
    }
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (spec === undefined) {
      const names = Object.keys(options).map((name) => `--${name}`);
      const accepts = names.length === 0 ? 'it takes no options' : suggestion(token.rawName, names);
      throw new UsageError(command, `unknown option "${token.rawName}"; ${accepts}`);
    }
    if (spec.type === 'string' && token.value === undefined)
      throw new UsageError(command, `${token.rawName} needs a value`);
    if (spec.type === 'string' && !token.inlineValue && token.value?.startsWith('-')) {
      const meant = `write ${token.rawName}=${token.value} if it is the value`;
      throw new UsageError(
        command,
        `${token.rawName} needs a value; "${token.value}" looks like an option (${meant})`,
      );
    }
    if (spec.type === 'boolean' && token.value !== undefined)
      throw new UsageError(command, `${token.rawName} takes no value, got "${token.value}"`);
  }
  return parseArgs({ ...config, allowPositionals: true as const, strict: true as const });
}

/** A whole number of at least `min`, or a usage error that quotes what was given. */
export function wholeNumber(command: string, option: string, given: string, min = 1): number {
  const n = Number(given);
  if (given.trim() === '' || !Number.isInteger(n) || n < min)
    throw new UsageError(command, `${option} must be a whole number of at least ${min}, got "${given}"`);
  return n;
}
