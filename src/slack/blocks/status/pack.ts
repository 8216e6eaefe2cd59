const LINES_PER_SECTION = 20;
const MAX_SECTION = 2900;

/** Whole lines packed into section texts under Slack's 3,000 characters each (never cut mid-token). */
export function sections(lines: readonly string[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const line of lines) {
    if (
      current.length > 0 &&
      (length + line.length + 1 > MAX_SECTION || current.length === LINES_PER_SECTION)
    ) {
      out.push(current.join('\n'));
      current = [];
      length = 0;
    }
    current.push(line);
    length += line.length + 1;
  }
  if (current.length > 0) out.push(current.join('\n'));
  return out;
}
