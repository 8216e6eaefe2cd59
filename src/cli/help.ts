export const USAGE = `cartwatch: watches cart workflows and posts their exceptions to Slack

Usage: cartwatch COMMAND [options]

Commands:
  start                 run the bot: ingest, cart API and Slack, on PORT (default 3000)
  check-config [FILE]   validate a cartwatch.yml and list every problem with its path
  import FILE.ndjson    import events from NDJSON with the same rules as POST /events
  backup FILE           write a consistent copy of the SQLite database while it runs
  migrate --to URL      copy the SQLite database into an empty Postgres database (moving up)
  digest --team NAME    post a team's daily (or --weekly) digest now (--dry-run prints it instead)
  silence add|list|end  silence a team's exceptions for a while, list silences, or end one early
  report --days N       the last N days' failure rates, stage times and trends as Markdown or CSV
  demo --events N       write N events of the demo stream as NDJSON (for import and benchmarks)
  webhooks failed       list signed webhook bodies that could not be read, with the reason
  doctor [--url URL]    check a live install (Slack token, scopes, channels, user groups, config,
                        database, secrets, the public URL) and print each problem with its fix

Run \`cartwatch COMMAND --help\` for a command's details.
Environment: see README.md ("Configuration"); a .env file in this folder is read too.
`;

export const COMMAND_HELP: Record<string, string> = {
  webhooks: `Usage: cartwatch webhooks failed [--limit N] [--raw]

Lists the Shopify and Stripe deliveries that were signed correctly but could not be read (not JSON,
or missing the fields a topic promises), newest first, with the reason; --raw prints their bodies.
`,
  demo: `Usage: cartwatch demo --events N

Writes N events of the demo stream to standard output as NDJSON: carts through checkout, payment,
order and fulfilment, with card declines, a capture that never comes, a fulfilment backlog and a
late event. Feed it to \`cartwatch import\` or POST /events.
`,
  start: `Usage: cartwatch start [--demo | --no-demo]

Starts the HTTP server on PORT (default 3000): POST /events, GET /carts/{id}, GET /healthz,
and Slack's requests under /slack/. Without Slack credentials it runs the local Slack sandbox at
/sandbox, and feeds it the demo stream when the database is empty (--demo: always; --no-demo:
never). Reads CARTWATCH_CONFIG (or ./cartwatch.yml, else built-in
defaults) and CARTWATCH_DB: a SQLite file (default ./data/cartwatch.db) or a postgres:// URL,
which several instances may share. Stops cleanly on SIGTERM or SIGINT.
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
  digest: `Usage: cartwatch digest --team NAME [--weekly] [--dry-run]

Builds the team's digest since its last one (else the last 24 hours) to now. --dry-run prints it
as text and changes nothing. Without it, the digest is recorded for the team's local date and queued
in the outbox, which the running Cartwatch sends. A team's digest is never posted twice for the same
local date, and none is posted for the day the database was created (the day began before anything
was watched). When nothing is queued it says why, e.g.
  digest for payments on 2026-12-01 already posted at 09:00 (Europe/Berlin); nothing queued

--weekly does the same for the weekly digest (digest.weekly, Mondays at 09:00 by default): the
one due last, telling the seven days before its day against the seven before them, once per team
and ISO week, and none for a week that began before the database.

Exit status: 0 when the digest was queued, and also when there was nothing to queue (already ran,
a quiet day skipped with digest.skip_quiet, the database's first day); 1 for an unknown team or
option.
`,
  silence: `Usage: cartwatch silence add --team NAME [--stage S] [--step S] [--error-code C] [--source S] --for DURATION --reason TEXT
       cartwatch silence list [--team NAME]
       cartwatch silence end ID

A silence holds back a team's exceptions that match it: they are raised and kept (and shown as
silenced in /cart-status and timelines), but not posted or escalated. When it ends, what is still
open is posted at once, after one summary in the team's channel of what happened meanwhile.

add    names the team and at least one of --stage, --step, --error-code, --source; --for is at most
       7d (30m, 2h, 1d); --reason is required. Adding one identical to an active silence (same team
       and the same matchers) extends it instead.
list   the silences holding now, soonest to end first, with how many open exceptions each holds back.
end    ends silence ID now; the running Cartwatch posts its summary and what it held back within a
       sweep (15 seconds).

Every create, extension and end is kept in the silence's audit trail, under your login.
Exit status: 0 when done (also when nothing changed or the silence had already ended); 1 for a
mistake in the command line or an unknown ID.
`,
  report: `Usage: cartwatch report [--days N] [--format md|csv] [--team NAME]

Writes the figures behind /cart-status trends and the weekly digest for the last N days (default 7,
at most 90; today so far included) against the N days before: per stage.step the failure rate, its
trend (improving, worse, steady) and one character per day, stalls and suppressed failures; the
median time through each stage; the noisiest error codes; exceptions raised, value at risk and
recovered, and median times to acknowledge and resolve. All teams unless --team names one (then in
its time zone). --format md (default) writes Markdown tables; csv writes one figure a row:
  section,subject,figure,this_period,before,trend
Read from hourly roll-ups kept as events are detected, so it is quick on a busy database.
`,
  doctor: `Usage: cartwatch doctor [--url URL]

Checks what a live install depends on and prints one line per check; each problem is followed by
its fix in one line. With the environment Cartwatch runs with (and .env here):
  Slack     the bot token (auth.test); its granted scopes against those manifest.yml asks for;
            SLACK_APP_TOKEN for Socket Mode; each team channel and the escalation channel (exists,
            not archived, not private without the bot); each user group named as a mention or
            among members (readable)
  config    CARTWATCH_CONFIG or ./cartwatch.yml, checked as check-config does
  database  CARTWATCH_DB opens, its schema version is one this Cartwatch knows, it can be written;
            for a postgres:// URL: the server answers and the schema is one this Cartwatch knows
  secrets   Slack credentials, CARTWATCH_INGEST_SECRET, the webhook secrets (never printed)
  --url     the public URL in the manifest (e.g. https://cartwatch.example.com): GET /healthz
            answers as Cartwatch, and in HTTP mode /slack/events reaches it

Nothing is changed. A running Cartwatch logs the Slack and secret checks once at start.
Exit status: 0 when every check passed; 1 when any found a problem.
`,
  backup: `Usage: cartwatch backup FILE

Copies CARTWATCH_DB to FILE with SQLite's online backup: safe while Cartwatch is running.
On Postgres, use its own tools instead: pg_dump --format=custom "$CARTWATCH_DB" (or continuous
archiving with a standby); this command says so and copies nothing.
`,
  migrate: `Usage: cartwatch migrate --to postgres://USER:PASSWORD@HOST/DATABASE

Copies the SQLite database CARTWATCH_DB names (default ./data/cartwatch.db) into an EMPTY Postgres
database, in one transaction: events, links, carts, expectations, sources, exceptions with their
audit trails, storms, boards, silences, the outbox, digest runs, noise counts and trend roll-ups,
and the detector's place, so nothing is detected or posted twice. It refuses a database that
already has tables. Stop Cartwatch first (events arriving meanwhile would stay behind). Afterwards
it prints each table's rows on both sides and what to do next: set CARTWATCH_DB to the URL and
start again; keep the SQLite file as a backup.
Exit status: 0 when copied and every count matches; 1 otherwise.
`,
};
