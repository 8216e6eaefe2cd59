import { CartwatchError } from '../errors.js';

const HOW_TO_FIX: Record<ConfigError['code'], string> = {
  CONFIG_INVALID:
    'Fix the file (cartwatch.yml, or the one CARTWATCH_CONFIG names) and run `cartwatch check-config`.',
  ENV_INVALID: 'Fix the environment variables (or .env) named above.',
};

/** The configuration cannot be used; `problems` lists each as "where: what is wrong". */
export class ConfigError extends CartwatchError {
  declare readonly code: 'CONFIG_INVALID' | 'ENV_INVALID';

  constructor(
    code: 'CONFIG_INVALID' | 'ENV_INVALID',
    readonly problems: string[],
  ) {
    super(code, `${problems.map((p) => `\n- ${p}`).join('')}\n${HOW_TO_FIX[code]}`);
  }
}
