import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type EventIssue, validateEvents } from '../ingest/event-schema.js';
import type { IngestService } from '../services/ingest.js';

export interface ImportSummary {
  lines: number;
  accepted: number;
  duplicates: number;
  invalid: { line: number; path: string; message: string }[];
  /** Line ranges of batches left out whole because they held an invalid line. */
  skippedBatches: { firstLine: number; lastLine: number }[];
}

interface PendingLine {
  line: number;
  value: unknown;
}

/**
 * Imports NDJSON with the API's rules: each batch of lines is validated and stored all or nothing,
 * and a repeat import only counts duplicates, so fixing the bad lines and importing again is safe.
 */
export async function importNdjson(
  file: string,
  deps: { ingest: IngestService; batchSize: number; onProgress?: (summary: ImportSummary) => void },
): Promise<ImportSummary> {
  const summary: ImportSummary = { lines: 0, accepted: 0, duplicates: 0, invalid: [], skippedBatches: [] };
  let pending: PendingLine[] = [];
  let unparsable: ImportSummary['invalid'] = [];
  const flush = async () => {
    await importBatch(pending, unparsable, deps.ingest, summary);
    pending = [];
    unparsable = [];
    deps.onProgress?.(summary);
  };
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const text of lines) {
    summary.lines += 1;
    if (text.trim() === '') continue;
    try {
      pending.push({ line: summary.lines, value: JSON.parse(text) });
    } catch {
      unparsable.push({ line: summary.lines, path: '', message: 'not valid JSON' });
    }
    if (pending.length + unparsable.length >= deps.batchSize) await flush();
  }
  if (pending.length + unparsable.length > 0) await flush();
  return summary;
}

async function importBatch(
  pending: PendingLine[],
  unparsable: ImportSummary['invalid'],
  ingest: IngestService,
  summary: ImportSummary,
): Promise<void> {
  const validation = validateEvents(pending.map((p) => p.value));
  const issues = validation.ok ? [] : validation.issues.map((issue) => atLine(issue, pending));
  const invalid = [...unparsable, ...issues].sort((a, b) => a.line - b.line);
  if (!validation.ok || invalid.length > 0) {
    summary.invalid.push(...invalid);
    const lines = [...pending.map((p) => p.line), ...unparsable.map((u) => u.line)];
    summary.skippedBatches.push({ firstLine: Math.min(...lines), lastLine: Math.max(...lines) });
    return;
  }
  const outcome = await ingest.record(validation.events);
  summary.accepted += outcome.accepted;
  summary.duplicates += outcome.duplicates;
}

function atLine(issue: EventIssue, pending: PendingLine[]): ImportSummary['invalid'][number] {
  return { line: pending[issue.index]?.line ?? 0, path: issue.path, message: issue.message };
}
