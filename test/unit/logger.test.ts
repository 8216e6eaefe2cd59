import { describe, expect, it } from 'vitest';
import { createLogger, type LogFormat, logFields } from '../../src/logger.js';

const AT = Date.UTC(2026, 11, 1, 9, 30);

function capture(format: LogFormat, level = 'info') {
  const out: string[] = [];
  const err: string[] = [];
  const logger = createLogger(level, {
    format,
    sink: { out: (line) => out.push(line), err: (line) => err.push(line) },
    now: () => AT,
  });
  return { logger, out, err };
}

describe('logger', () => {
  it('when the format is text, then lines read as they always did, with fields after them as key=value', () => {
    const { logger, out, err } = capture('text');
    logger.info('Slack connected');
    logger.warn('post failed', logFields({ outbox_id: 7, team: 'payments', channel: undefined, why: 'a b' }));
    expect(out).toEqual(['[INFO]  cartwatch Slack connected\n']);
    expect(err).toEqual(['[WARN]  cartwatch post failed outbox_id=7 team=payments why="a b"\n']);
  });

  it('when the format is json, then each call is one object per line: time, level, name, message, fields and the error', () => {
    const { logger, out, err } = capture('json');
    logger.info('Cartwatch listening on http://127.0.0.1:3000', logFields({ url: 'http://127.0.0.1:3000' }));
    const failure = Object.assign(new Error('An API error occurred: channel_not_found'), {
      code: 'slack_webapi_platform_error',
    });
    logger.error('outbox drain failed:', failure, logFields({ outbox_id: 3 }));
    expect(out.map((line) => JSON.parse(line))).toEqual([
      {
        time: '2026-12-01T09:30:00.000Z',
        level: 'info',
        name: 'cartwatch',
        message: 'Cartwatch listening on http://127.0.0.1:3000',
        url: 'http://127.0.0.1:3000',
      },
    ]);
    expect(err).toHaveLength(1);
    expect(err[0]?.endsWith('\n')).toBe(true);
    expect(err[0]?.trimEnd()).not.toContain('\n');
    expect(JSON.parse(err[0] ?? '')).toEqual({
      time: '2026-12-01T09:30:00.000Z',
      level: 'error',
      name: 'cartwatch',
      message: 'outbox drain failed: An API error occurred: channel_not_found',
      outbox_id: 3,
      error: {
        type: 'Error',
        code: 'slack_webapi_platform_error',
        message: 'An API error occurred: channel_not_found',
        stack: expect.stringContaining('channel_not_found'),
      },
    });
  });

  it('when LOG_LEVEL is warn, then debug and info are dropped in either format, also after Bolt asks for the level', () => {
    for (const format of ['text', 'json'] as const) {
      const { logger, out, err } = capture(format, 'warn');
      logger.debug('d');
      logger.info('i');
      logger.warn('w');
      logger.setLevel(logger.getLevel());
      logger.error('e');
      expect(out).toEqual([]);
      expect(err).toHaveLength(2);
    }
  });
});
