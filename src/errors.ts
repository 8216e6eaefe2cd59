/**
 * One error class per failure a user or operator can act on, each with a stable code
 * (logs, metrics and HTTP replies key on the code, never on the message text).
 */
export class CartwatchError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The database refused a write for lack of space; ingest answers 503 and retrying later is safe. */
export class StoreFullError extends CartwatchError {
  constructor(cause: unknown) {
    super('STORE_FULL', 'The database is full: free disk space (or raise its size limit), then retry.', {
      cause,
    });
  }
}

/**
 * The database could not be reached, or the connection was lost before a commit was confirmed, so
 * whether it happened is unknown. Ingest answers 503: a retry is safe, each event is stored once by id.
 */
export class StoreUnavailableError extends CartwatchError {
  constructor(cause: unknown) {
    super(
      'STORE_UNAVAILABLE',
      'The database is unreachable or the connection was lost before the commit was confirmed: retry later.',
      { cause },
    );
  }
}

/** Another process held the database's write lock longer than a write waits; nothing was written. */
export class StoreBusyError extends CartwatchError {
  constructor(waitedMs: number, cause: unknown) {
    super(
      'STORE_BUSY',
      `Another process held the database's write lock for over ${waitedMs} ms (a command or a backup tool?): nothing was stored; retry later.`,
      { cause },
    );
  }
}

/**
 * The store refused for now (full, unreachable, locked by another process): nothing was stored, or
 * it is unknown whether it was, and the sender's retry is safe (events are stored once by id).
 */
export function isStoreRefusal(error: unknown): error is CartwatchError {
  return [StoreFullError, StoreUnavailableError, StoreBusyError].some((kind) => error instanceof kind);
}

/** The database was written by a newer Cartwatch; starting would risk misreading it. */
export class SchemaTooNewError extends CartwatchError {
  constructor(found: number, known: number, file: string) {
    super(
      'SCHEMA_TOO_NEW',
      `${file} has schema version ${found}, but this Cartwatch knows only up to ${known}. ` +
        'Run the newer Cartwatch that wrote it, or point CARTWATCH_DB at another file.',
    );
  }
}
