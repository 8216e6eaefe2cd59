import { ConfigError, type Env, loadEnv } from '../config.js';
import { type Check, fail, formatChecks, problemsIn } from '../doctor/check.js';
import { createLogger } from '../logger.js';
import { parseCommandArgs } from './args.js';

/** `cartwatch doctor [--url URL]`: prints each check, each problem with its fix; exit 1 on any problem. */
export async function runDoctorCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('doctor', { args, options: { url: { type: 'string' } } });
  let env: Env;
  try {
    env = loadEnv();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Every other check needs the environment: report what is wrong with it, and stop there.
    return report(error.problems.map(environmentProblem));
  }
  // The checks report Slack's failures themselves; the client's own warnings would say it twice.
  const logger = createLogger('error', { format: env.logFormat ?? 'text' });
  // Loaded here: the Slack client takes a moment that other commands need not wait for.
  const { runDoctor } = await import('../doctor/doctor.js');
  const checks = await runDoctor({
    env,
    cwd: process.cwd(),
    logger,
    ...(values.url !== undefined && { url: values.url }),
  });
  return report(checks);
}

function report(checks: Check[]): number {
  process.stdout.write(formatChecks(checks));
  return problemsIn(checks).length > 0 ? 1 : 0;
}

/** "NAME: what is wrong (and how)" as the environment's parser words it. */
function environmentProblem(problem: string): Check {
  const colon = problem.indexOf(': ');
  const name = colon > 0 ? problem.slice(0, colon) : 'environment';
  return fail(
    name,
    colon > 0 ? problem.slice(colon + 2) : problem,
    `set ${name} in the environment or .env as described, then run cartwatch doctor again (the other checks need it)`,
  );
}
