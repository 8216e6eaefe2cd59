import { CartwatchError } from '../errors.js';
import { formatProblems } from './problems.js';

type ConfigErrorCode = 'CONFIG_INVALID' | 'ENV_INVALID';

const HOW_TO_FIX: Record<ConfigErrorCode, string> = {
  CONFIG_INVALID:
    'Fix cartwatch.yml (or the file CARTWATCH_CONFIG names) and run `cartwatch check-config` to see what is left.',
  ENV_INVALID: 'Fix the variables named above in the environment or in .env, then start again.',
};

/** The configuration cannot be used; `problems` lists each as "where: what is wrong". */
export class ConfigError extends CartwatchError {
  declare readonly code: ConfigErrorCode;

  constructor(
    code: ConfigErrorCode,
    readonly problems: string[],
    options: { source?: string } = {},
  ) {
    const what = code === 'ENV_INVALID' ? 'the environment' : (options.source ?? 'the configuration');
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(code, `${what} has ${count}:\n${formatProblems(problems)}\n${HOW_TO_FIX[code]}`);
  }
}
