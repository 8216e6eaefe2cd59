import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type CartwatchConfig, crossReferenceProblems, normalise } from './cartwatch-config.js';
import { ConfigError } from './config-error.js';
import { configFileSchema } from './file-schema.js';

export type CheckResult = { ok: true; config: CartwatchConfig } | { ok: false; problems: string[] };

/** Parses and validates cartwatch.yml text, collecting every problem as "path: message". */
export function checkConfigText(text: string): CheckResult {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    // The parser's first line already says where: "… at line 3, column 7:".
    return { ok: false, problems: document.errors.map((e) => `(yaml): ${e.message.split('\n')[0]}`) };
  }
  const raw: unknown = document.toJS() ?? {};
  const parsed = configFileSchema.safeParse(raw);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.flatMap(describe)),
    ...crossReferenceProblems(raw),
  ];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  return { ok: true, config: normalise(parsed.data) };
}

function describe(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key "${key}"`);
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [`${formatPath(issue.path)}: required`];
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

export function formatPath(parts: readonly PropertyKey[]): string {
  if (parts.length === 0) return '(root)';
  return parts
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

export function formatProblems(problems: readonly string[]): string {
  return problems.map((p) => `- ${p}`).join('\n');
}

/**
 * The config in force: the named file, else ./cartwatch.yml, else the built-in defaults.
 * A named file that is missing or invalid is an error, never a silent fallback.
 */
export function loadConfigFile(
  file: string | undefined,
  options: { cwd: string; defaults: CartwatchConfig },
): { config: CartwatchConfig; source: string } {
  const candidate = file ?? path.join(options.cwd, 'cartwatch.yml');
  if (!existsSync(candidate)) {
    if (file === undefined) return { config: options.defaults, source: 'built-in defaults' };
    throw new ConfigError('CONFIG_INVALID', [`${file}: no such file (set by CARTWATCH_CONFIG)`]);
  }
  const result = checkConfigText(readFileSync(candidate, 'utf8'));
  if (!result.ok)
    throw new ConfigError(
      'CONFIG_INVALID',
      result.problems.map((p) => `${candidate}: ${p}`),
    );
  return { config: result.config, source: candidate };
}
