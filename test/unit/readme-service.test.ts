import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config.js';

const readme = readFileSync('README.md', 'utf8');
const section = readme.slice(readme.indexOf('## Running it as a service'), readme.indexOf('## Layout'));
const [service = '', backup = ''] = [...section.matchAll(/```ini\n(.*?)```/gs)].map((m) => m[1] as string);
const envFile = /```sh\n(NODE_ENV=.*?)```/s.exec(section)?.[1] ?? '';

/** `Key=value` lines of a unit, last one winning, as systemd reads them. */
function keys(unit: string): Map<string, string> {
  return new Map(
    unit
      .split('\n')
      .filter((line) => /^\w+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
  );
}

describe("README's systemd unit", () => {
  it('when installed as shown, then it runs cartwatch start from the build, restarts on failure, stops with SIGTERM and reads the environment file', () => {
    const unit = keys(service);
    const bin = JSON.parse(readFileSync('package.json', 'utf8')).bin.cartwatch as string;
    expect(unit.get('ExecStart')).toBe(`/usr/bin/node /opt/cartwatch/${bin} start`);
    expect(unit.get('Restart')).toBe('on-failure');
    expect(unit.get('KillSignal')).toBe('SIGTERM');
    expect(unit.get('EnvironmentFile')).toBe('/etc/cartwatch/cartwatch.env');
    expect(keys(backup).get('ExecStart')).toContain(`node ${bin} backup /var/backups/cartwatch/`);
  });

  it('when the environment file is filled in, then Cartwatch reads it as production with JSON logs and its database in the state directory', () => {
    const vars = Object.fromEntries(
      envFile
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => {
          const [name = '', value = ''] = line.split(/=(.*)/s);
          // Placeholders (…) stand for secrets: fill them with values of the right shape.
          const filled = value.includes('…') ? `${value.replace('…', '')}${'0'.repeat(32)}` : value;
          return [name, filled];
        }),
    );
    const env = loadEnv({ env: vars, cwd: '/opt/cartwatch', readDotEnv: false });
    expect(env).toMatchObject({
      production: true,
      logFormat: 'json',
      dbPath: '/var/lib/cartwatch/cartwatch.db',
      configPath: '/etc/cartwatch/cartwatch.yml',
    });
    expect(keys(service).get('StateDirectory')).toBe('cartwatch');
  });
});
