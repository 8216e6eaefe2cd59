import type { EventIssue } from './event-schema.js';

export type BodyFormat = 'json' | 'ndjson';

const FORMATS: Record<string, BodyFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
};

/** The body format a Content-Type names (parameters such as charset ignored), or undefined. */
export function bodyFormatOf(contentType: string | undefined): BodyFormat | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType === undefined ? undefined : FORMATS[mediaType];
}

export type ParsedBody = { ok: true; items: unknown[] } | { ok: false; error: string; issues: EventIssue[] };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One event, an array of events, or NDJSON: always a list of parsed JSON values, or why not. */
export function parseEventBody(body: Buffer, format: BodyFormat): ParsedBody {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return refuse('the body is not valid UTF-8');
  }
  const items = format === 'json' ? parseJson(text) : parseNdjson(text);
  if (!items.ok) return items;
  if (items.items.length === 0) return refuse('the body holds no events');
  return items;
}

function parseJson(text: string): ParsedBody {
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, items: Array.isArray(value) ? value : [value] };
  } catch (error) {
    return refuse(`the body is not valid JSON (${(error as Error).message})`);
  }
}

function parseNdjson(text: string): ParsedBody {
  const items: unknown[] = [];
  const issues: EventIssue[] = [];
  const lines = text.split('\n');
  lines.forEach((line, lineIndex) => {
    if (line.trim() === '') return;
    try {
      items.push(JSON.parse(line));
    } catch {
      issues.push({
        index: items.length + issues.length,
        path: '',
        message: `line ${lineIndex + 1} is not valid JSON`,
      });
    }
  });
  return issues.length > 0
    ? { ok: false, error: 'some lines are not valid JSON', issues }
    : { ok: true, items };
}

function refuse(error: string): ParsedBody {
  return { ok: false, error, issues: [] };
}
