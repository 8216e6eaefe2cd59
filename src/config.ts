/**
 * Configuration: the environment (the only reader of process.env) and cartwatch.yml,
 * both validated with zod at start-up so the rest of the code trusts its types.
 */
import type { CartwatchConfig } from './config/cartwatch-config.js';
import { DEFAULT_CONFIG } from './config/defaults.js';
import { loadConfigFile as loadFile } from './config/load-file.js';

export type {
  BacklogRule,
  CartwatchConfig,
  ExpectRule,
  Route,
  RouteMatch,
  StepRef,
  TeamConfig,
} from './config/cartwatch-config.js';
export { DEFAULT_NOISE } from './config/cartwatch-config.js';
export { ConfigError } from './config/config-error.js';
export { DEFAULT_CONFIG } from './config/defaults.js';
export { type Env, loadEnv } from './config/env.js';
export { type CheckResult, checkConfigText } from './config/load-file.js';
export { formatProblems } from './config/problems.js';
export { isTimeZone, parseDuration, parseSize } from './config/units.js';

/** The config in force: the named file (CARTWATCH_CONFIG), else ./cartwatch.yml, else the built-in defaults. */
export function loadConfigFile(
  file: string | undefined,
  options: { cwd: string },
): { config: CartwatchConfig; source: string } {
  return loadFile(file, { cwd: options.cwd, defaults: DEFAULT_CONFIG });
}
