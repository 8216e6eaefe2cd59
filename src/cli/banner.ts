import path from 'node:path';
import { type Logger, logFields } from '../logger.js';
import type { RunningCartwatch } from '../main.js';
import { isPostgresUrl, redactUrl } from '../store/database-target.js';

type BannerInfo = { configSource: string; dbPath: string };

/** The start-up banner: where things are and the first thing to try, loud when Slack is not connected. */
export function printBanner(running: RunningCartwatch, info: BannerInfo): void {
  process.stdout.write(`${bannerLines(running, info).join('\n')}\n\n`);
}

/** With LOG_FORMAT=json the banner is logged too, a line each, so every line of output is an object. */
export function logBanner(running: RunningCartwatch, info: BannerInfo, logger: Logger): void {
  const [first, ...rest] = bannerLines(running, info).filter((line) => line.trim() !== '');
  logger.info(
    first,
    logFields({
      url: running.url,
      config: info.configSource,
      database: shownDatabase(info.dbPath),
      slack: running.slackMode,
    }),
  );
  for (const line of rest) logger.info(line.trim());
}

function bannerLines(running: RunningCartwatch, info: BannerInfo): string[] {
  const lines = [
    `Cartwatch listening on ${running.url}`,
    `  config:   ${info.configSource}`,
    `  database: ${shownDatabase(info.dbPath)}`,
  ];
  if (running.sandbox) {
    lines.push(
      '',
      '  !! No Slack credentials: this is the LOCAL SLACK SANDBOX, not your workspace.',
      `  !! Open ${running.url}/sandbox to see the channels, click the buttons and run /cart-status.`,
      '  !! To go live, create the app from manifest.yml and set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.',
    );
  }
  const secret = running.ingestSecret;
  if (secret.value === undefined) {
    lines.push('', '  Ingest is OFF: set CARTWATCH_INGEST_SECRET to accept POST /events.');
  } else {
    if (secret.file !== undefined) {
      const where = shownPath(secret.file);
      lines.push(
        '',
        secret.generated
          ? `  CARTWATCH_INGEST_SECRET was not set; generated one for this database, kept in ${where}.`
          : `  CARTWATCH_INGEST_SECRET was not set; read from ${where} (made on an earlier run).`,
      );
    }
    lines.push(
      '',
      '  Try it:',
      `  ${curlExample(running.url, secret.file !== undefined ? secret.value : '$CARTWATCH_INGEST_SECRET')}`,
    );
  }
  return lines;
}

/** Never a password on screen or in logs: a Postgres URL is shown masked. */
function shownDatabase(target: string): string {
  return isPostgresUrl(target) ? `${redactUrl(target)} (Postgres)` : target;
}

/** A path as a person would type it from here: relative when it is below the working directory. */
function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function curlExample(url: string, secret: string): string {
  const event = {
    id: `evt_demo_${Date.now()}`,
    cart_id: 'cart_8842',
    stage: 'payment',
    step: 'authorize',
    status: 'failed',
    occurred_at: new Date().toISOString(),
    source: 'stripe',
    amount: { value: 12999, currency: 'USD' },
    // An operational failure: a customer's own decline would be suppressed, and the try would show nothing.
    error: { code: 'processing_error', message: 'An error occurred while processing the card.' },
  };
  return `curl -sS -X POST ${url}/events -H "Authorization: Bearer ${secret}" -H 'Content-Type: application/json' -d '${JSON.stringify(event)}'`;
}
