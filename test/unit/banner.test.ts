import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logBanner } from '../../src/cli/banner.js';
import type { Env } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { RunningCartwatch } from '../../src/main.js';
import { resolveIngestSecret } from '../../src/startup-checks.js';
import { tempDir } from '../support/temp.js';

const temp = tempDir();
afterAll(() => temp.cleanup());

/** The banner's lines as a person reads them at start, for a sandbox run on `dbPath`. */
function banner(dbPath: string): string {
  const env: Env = { dbPath, port: 0, production: false, logLevel: 'info' };
  const ingestSecret = resolveIngestSecret(env, 'none');
  const running = {
    url: 'http://127.0.0.1:3000',
    slackMode: 'none',
    sandbox: {},
    ingestSecret,
  } as RunningCartwatch;
  let out = '';
  const logger = createLogger('info', {
    sink: { out: (line) => (out += line), err: (line) => (out += line) },
  });
  logBanner(running, { configSource: 'built-in defaults', dbPath }, logger);
  return out;
}

describe('the start-up banner', () => {
  it('when the sandbox makes an ingest secret, then the banner says so, and on the next start that it was read from its file', () => {
    const dbPath = path.join(temp.dir, 'data', 'cartwatch.db');
    const file = path.join(temp.dir, 'data', 'ingest-secret');
    const first = banner(dbPath);
    expect(first).toContain(`generated one for this database, kept in ${file}`);
    const second = banner(dbPath);
    expect(second).toContain(
      `CARTWATCH_INGEST_SECRET was not set; read from ${file} (made on an earlier run)`,
    );
    expect(second).not.toContain('generated');
    // The same secret both times, ready to paste.
    const secretOf = (text: string) => /Bearer ([\w-]+)/.exec(text)?.[1];
    expect(secretOf(second)).toBe(secretOf(first));
  });
});
