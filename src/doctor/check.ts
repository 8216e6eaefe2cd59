/** One thing `cartwatch doctor` looked at: fine, or a problem with the one-line fix. */
export type Check =
  | { ok: true; subject: string; detail: string }
  | { ok: false; subject: string; problem: string; fix: string };

export function pass(subject: string, detail: string): Check {
  return { ok: true, subject, detail };
}

export function fail(subject: string, problem: string, fix: string): Check {
  return { ok: false, subject, problem, fix };
}

export function problemsIn(checks: readonly Check[]): Extract<Check, { ok: false }>[] {
  return checks.filter((check): check is Extract<Check, { ok: false }> => !check.ok);
}

/** The report: one line per check, each problem followed by its fix, then the count. */
export function formatChecks(checks: readonly Check[]): string {
  const lines = checks.flatMap((check) =>
    check.ok
      ? [`ok    ${check.subject}: ${check.detail}`]
      : [`FAIL  ${check.subject}: ${check.problem}`, `      fix: ${check.fix}`],
  );
  const problems = problemsIn(checks).length;
  lines.push(
    '',
    problems === 0
      ? `All ${checks.length} checks passed.`
      : `${problems} problem${problems === 1 ? '' : 's'} found; each is followed by its fix.`,
  );
  return `${lines.join('\n')}\n`;
}
