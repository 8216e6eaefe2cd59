export const USAGE = `cartwatch: watches cart workflows and posts their exceptions to Slack

Usage: cartwatch COMMAND [options]

Commands:
  start                 run the bot: ingest, cart API and Slack, on PORT (default 3000)
  check-config [FILE]   validate a cartwatch.yml and list every problem with its path
  import FILE.ndjson    import events from NDJSON with the same rules as POST /events
  backup FILE           write a consistent copy of the database while it runs
  digest --team NAME    post a team's daily digest now (--dry-run prints it instead)

Run \`cartwatch COMMAND --help\` for a command's details.
Environment: see README.md ("Configuration"); a .env file in this folder is read too.
`;

export const COMMAND_HELP: Record<string, string> = {
  start: `Usage: cartwatch start

Starts the HTTP server on PORT (default 3000): POST /events, GET /carts/{id}, GET /healthz,
and Slack's requests under /slack/. Reads CARTWATCH_CONFIG (or ./cartwatch.yml, else built-in
defaults) and CARTWATCH_DB (default ./data/cartwatch.db). Stops cleanly on SIGTERM or SIGINT.
`,
  'check-config': `Usage: cartwatch check-config [FILE]

Validates FILE (default: CARTWATCH_CONFIG, else ./cartwatch.yml) and prints every problem as
"path: problem", e.g. routes[2].team: unknown team "pay". Exits 1 when there is any problem.
`,
  import: `Usage: cartwatch import FILE.ndjson [--batch-size N]

Imports one event per line into CARTWATCH_DB. Lines are stored in batches (default 1000 lines);
a batch with an invalid line is not stored at all, and the summary names each invalid line.
Events already stored count as duplicates, so importing again after a fix is safe.
Exits 1 when any line was invalid.
`,
  digest: `Usage: cartwatch digest --team NAME [--dry-run]

Builds the team's digest for the 24 hours to now. --dry-run prints it as text and changes nothing.
Without it, the digest is recorded for the team's local date and queued in the outbox, which the
running Cartwatch sends; a team's digest is never posted twice for the same local date.
`,
  backup: `Usage: cartwatch backup FILE

Copies CARTWATCH_DB to FILE with SQLite's online backup: safe while Cartwatch is running.
`,
};
