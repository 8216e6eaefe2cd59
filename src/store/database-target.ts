/**
 * What CARTWATCH_DB names: a Postgres database when it is a `postgres://` or `postgresql://` URL,
 * a SQLite file otherwise. Pure, so configuration and tools can tell without loading a driver.
 */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** The URL with any password masked, for logs, `/healthz` and `cartwatch doctor`. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

/** The database a Postgres URL names (its path), or `postgres` when it names none, as libpq defaults. */
export function postgresDatabaseName(url: string): string {
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return name === '' ? 'postgres' : name;
  } catch {
    return 'postgres';
  }
}
