import { describe, expect, it, vi } from 'vitest';
import { retryWhenUnreachable } from '../../src/cli/retry-when-unreachable.js';
import { StoreUnavailableError } from '../../src/errors.js';

const lost = (code: string) => Object.assign(new Error(`lost: ${code}`), { code });

describe('a command retried when the database connection is lost', () => {
  it('when a backend is terminated under it once, then the work runs again and its result is returned', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let tries = 0;
    const result = await retryWhenUnreachable(async () => {
      tries += 1;
      if (tries === 1) throw lost('57P01');
      if (tries === 2) throw new StoreUnavailableError(lost('CONNECTION_CLOSED'));
      return 'queued';
    });
    expect(result).toBe('queued');
    expect(tries).toBe(3);
    vi.restoreAllMocks();
  });

  it('when the work fails for any other reason, then it is not repeated', async () => {
    let tries = 0;
    await expect(
      retryWhenUnreachable(async () => {
        tries += 1;
        throw Object.assign(new Error('duplicate key'), { code: '23505' });
      }),
    ).rejects.toThrow('duplicate key');
    expect(tries).toBe(1);
  });
});
