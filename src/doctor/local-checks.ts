import { type CartwatchConfig, ConfigError, type Env, loadConfigFile } from '../config.js';
import { inspectSqliteFile } from '../store/sqlite/inspect.js';
import { type Check, fail, pass } from './check.js';

/** The config in force; problems name their path. Built-in defaults are a problem on a live install. */
export function checkConfig(env: Env, cwd: string): { checks: Check[]; config?: CartwatchConfig } {
  try {
    const { config, source } = loadConfigFile(env.configPath, { cwd });
    if (source === 'built-in defaults')
      return {
        checks: [
          fail(
            'config',
            'no cartwatch.yml here and CARTWATCH_CONFIG is not set: the built-in defaults use example channel ids',
            'copy cartwatch.example.yml to cartwatch.yml (or point CARTWATCH_CONFIG at your file) and put your channel and user group ids in it',
          ),
        ],
      };
    const teams = Object.keys(config.teams).length;
    return { checks: [pass('config', `${source} (${teams} teams, ${config.routes.length} routes)`)], config };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const file = env.configPath ?? 'cartwatch.yml';
    return {
      checks: error.problems.map((problem) =>
        fail('config', problem, `correct it in ${file}; \`cartwatch check-config ${file}\` checks it again`),
      ),
    };
  }
}

/** The database file: opens, a schema this code knows, and writable by this user. */
export function checkDatabase(dbPath: string): Check {
  const subject = `database ${dbPath}`;
  const found = inspectSqliteFile(dbPath);
  const access =
    'give the user Cartwatch runs as write access to the file and its folder (SQLite keeps -wal and -shm files beside it), or point CARTWATCH_DB elsewhere';
  switch (found.state) {
    case 'absent':
      return found.folderWritable
        ? pass(subject, 'not created yet; `cartwatch start` creates it')
        : fail(subject, `does not exist and cannot be created (${found.folderProblem})`, access);
    case 'unreadable':
      return fail(subject, `cannot be opened (${found.problem})`, access);
    case 'not-cartwatch':
      return fail(
        subject,
        'is an SQLite file, but not a Cartwatch database',
        'point CARTWATCH_DB at the Cartwatch database, or at a new file to start afresh',
      );
    case 'present': {
      if (found.schemaVersion > found.knownVersion)
        return fail(
          subject,
          `schema version ${found.schemaVersion} was written by a newer Cartwatch; this one knows up to ${found.knownVersion}`,
          'run the newer Cartwatch that wrote it (or restore a backup made by this version)',
        );
      if (found.writeProblem !== undefined)
        return fail(subject, `cannot be written (${found.writeProblem})`, access);
      const schema =
        found.schemaVersion === found.knownVersion
          ? `schema ${found.schemaVersion}`
          : `schema ${found.schemaVersion}, migrated to ${found.knownVersion} at the next start`;
      return pass(subject, `${schema}, writable`);
    }
  }
}

/**
 * Which secrets are set, and whether they look whole. Values are never printed. A short or
 * malformed CARTWATCH_INGEST_SECRET never gets here: reading the environment refuses it first.
 */
export function checkSecrets(env: Env): Check[] {
  const checks: Check[] = [slackCredentials(env)];
  checks.push(
    env.ingestSecret === undefined
      ? fail(
          'CARTWATCH_INGEST_SECRET',
          'not set: POST /events refuses every event',
          'set it to a random value (openssl rand -hex 24) and give the same value to whatever posts events',
        )
      : pass('CARTWATCH_INGEST_SECRET', `set (${env.ingestSecret.length} characters)`),
  );
  checks.push(
    webhookSecret('SHOPIFY_WEBHOOK_SECRET', env.shopifyWebhookSecret, 'the Shopify app’s API secret'),
  );
  checks.push(
    env.stripeWebhookSecret !== undefined && !env.stripeWebhookSecret.startsWith('whsec_')
      ? fail(
          'STRIPE_WEBHOOK_SECRET',
          'does not start with whsec_, so it is not an endpoint signing secret',
          'copy the endpoint’s Signing secret (whsec_…) from Stripe → Developers → Webhooks',
        )
      : webhookSecret(
          'STRIPE_WEBHOOK_SECRET',
          env.stripeWebhookSecret,
          'the endpoint’s whsec_… signing secret',
        ),
  );
  return checks;
}

/** Slack's signing secrets are 32 characters: a shorter one was cut off when copied. */
const SIGNING_SECRET_LENGTH = 32;

function slackCredentials(env: Env): Check {
  if (env.slackBotToken === undefined)
    return fail(
      'Slack credentials',
      'SLACK_BOT_TOKEN is not set: Cartwatch runs the local sandbox, not your workspace',
      'create the app from manifest.yml (or manifest.socket-mode.yml), install it, and set SLACK_BOT_TOKEN (xoxb-…)',
    );
  if (env.slackAppToken !== undefined)
    return pass('Slack credentials', 'bot token and app-level token (Socket Mode)');
  if (env.slackSigningSecret === undefined)
    return fail(
      'Slack credentials',
      'SLACK_SIGNING_SECRET is not set, nor SLACK_APP_TOKEN: Slack’s requests cannot be verified',
      'copy the Signing Secret from the app settings → Basic Information → App Credentials into SLACK_SIGNING_SECRET',
    );
  if (env.slackSigningSecret.length < SIGNING_SECRET_LENGTH)
    return fail(
      'SLACK_SIGNING_SECRET',
      `${env.slackSigningSecret.length} characters where Slack's have ${SIGNING_SECRET_LENGTH}: it looks cut short`,
      'copy the Signing Secret again from Basic Information → App Credentials (Show, then copy all of it)',
    );
  return pass('Slack credentials', 'bot token and signing secret (HTTP mode)');
}

const SHORTEST_WEBHOOK_SECRET = 16;

function webhookSecret(name: string, value: string | undefined, what: string): Check {
  if (value === undefined) return pass(name, 'not set: that webhook route is off');
  if (value.length < SHORTEST_WEBHOOK_SECRET)
    return fail(name, `${value.length} characters: it looks cut short`, `copy ${what} again, all of it`);
  return pass(name, `set (${value.length} characters)`);
}
