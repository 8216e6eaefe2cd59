import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Document, parseDocument, type YAMLError } from 'yaml';
import { type CartwatchConfig, crossReferenceProblems, normalise } from './cartwatch-config.js';
import { ConfigError } from './config-error.js';
import { configFileSchema } from './file-schema.js';
import { describeIssue } from './problems.js';

export type CheckResult = { ok: true; config: CartwatchConfig } | { ok: false; problems: string[] };

/** Parses and validates cartwatch.yml text, collecting every problem as "path: message". */
export function checkConfigText(text: string): CheckResult {
  const document = parseDocument(text);
  if (document.errors.length > 0) return { ok: false, problems: document.errors.map(yamlProblem) };
  const raw = toPlain(document);
  if (!raw.ok) return raw;
  const parsed = configFileSchema.safeParse(raw.value);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.flatMap((i) => describeIssue(i, configFileSchema, raw.value))),
    ...crossReferenceProblems(raw.value),
  ];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  return { ok: true, config: normalise(parsed.data) };
}

function yamlProblem(error: YAMLError): string {
  // The parser's message repeats the position and then quotes the source; the first clause is enough.
  const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
  const at = error.linePos?.[0];
  return at ? `line ${at.line}, column ${at.col}: ${message}` : `(yaml): ${message}`;
}

function toPlain(document: Document): { ok: true; value: unknown } | { ok: false; problems: string[] } {
  try {
    return { ok: true, value: document.toJS() ?? {} };
  } catch (error) {
    // e.g. an alias bomb: the parser refuses to expand it.
    return { ok: false, problems: [`(yaml): ${(error as Error).message}`] };
  }
}

/**
 * The config in force: the named file (relative to `cwd`), else `<cwd>/cartwatch.yml`, else the
 * built-in defaults. A named file that is missing or invalid is an error, never a silent fallback.
 */
export function loadConfigFile(
  file: string | undefined,
  options: { cwd: string; defaults: CartwatchConfig },
): { config: CartwatchConfig; source: string } {
  const candidate = path.resolve(options.cwd, file ?? 'cartwatch.yml');
  if (!existsSync(candidate)) {
    if (file === undefined) return { config: options.defaults, source: 'built-in defaults' };
    throw new ConfigError(
      'CONFIG_INVALID',
      [`${candidate}: no such file; point CARTWATCH_CONFIG at an existing file, or unset it`],
      { source: candidate },
    );
  }
  const result = checkConfigText(readFileSync(candidate, 'utf8'));
  if (!result.ok) throw new ConfigError('CONFIG_INVALID', result.problems, { source: candidate });
  return { config: result.config, source: candidate };
}
