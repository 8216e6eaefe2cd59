import { formatWithOptions } from 'node:util';
import { type Logger, LogLevel } from '@slack/logger';

export type { Logger };

export type LogFormat = 'text' | 'json';

const LEVELS: Record<string, LogLevel> = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
};

const SEVERITY: Record<LogLevel, number> = {
  [LogLevel.DEBUG]: 100,
  [LogLevel.INFO]: 200,
  [LogLevel.WARN]: 300,
  [LogLevel.ERROR]: 400,
};

type FieldValue = string | number | boolean | undefined;

/**
 * Named values for one log line (exception_id, team, outbox_id, channel): ids and configuration
 * names only, never event text or secrets. Passed as any argument of a log call.
 */
export class LogFields {
  constructor(readonly values: Readonly<Record<string, FieldValue>>) {}
}

export function logFields(values: Record<string, FieldValue>): LogFields {
  return new LogFields(values);
}

/** Where lines go: debug and info to standard output, warn and error to standard error (as console does). */
export interface LogSink {
  out(line: string): void;
  err(line: string): void;
}

const PROCESS_SINK: LogSink = {
  out: (line) => process.stdout.write(line),
  err: (line) => process.stderr.write(line),
};

export interface LoggerOptions {
  format?: LogFormat;
  name?: string;
  sink?: LogSink;
  now?: () => number;
}

/**
 * One logger for our code and Bolt's, so both honour LOG_LEVEL and LOG_FORMAT alike. `text` reads
 * as @slack/logger's ConsoleLogger always did (`[INFO]  cartwatch message`), with any fields after
 * it as key=value; `json` writes one object per line: time, level, name, message, the fields, and
 * an `error` with its name, code and message.
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  return new CartwatchLogger(LEVELS[level] ?? LogLevel.INFO, options);
}

class CartwatchLogger implements Logger {
  private name: string;
  private readonly format: LogFormat;
  private readonly sink: LogSink;
  private readonly now: () => number;

  constructor(
    private level: LogLevel,
    options: LoggerOptions,
  ) {
    this.name = options.name ?? 'cartwatch';
    this.format = options.format ?? 'text';
    this.sink = options.sink ?? PROCESS_SINK;
    this.now = options.now ?? Date.now;
  }

  getLevel(): LogLevel {
    return this.level;
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  setName(name: string): void {
    this.name = name;
  }

  debug(...msg: unknown[]): void {
    this.write(LogLevel.DEBUG, msg);
  }

  info(...msg: unknown[]): void {
    this.write(LogLevel.INFO, msg);
  }

  warn(...msg: unknown[]): void {
    this.write(LogLevel.WARN, msg);
  }

  error(...msg: unknown[]): void {
    this.write(LogLevel.ERROR, msg);
  }

  private write(level: LogLevel, msg: unknown[]): void {
    if (SEVERITY[level] < SEVERITY[this.level]) return;
    const fields: Record<string, FieldValue> = {};
    const rest: unknown[] = [];
    for (const part of msg) {
      if (part instanceof LogFields) Object.assign(fields, part.values);
      else rest.push(part);
    }
    const line = this.format === 'json' ? this.json(level, rest, fields) : this.text(level, rest, fields);
    if (level === LogLevel.WARN || level === LogLevel.ERROR) this.sink.err(line);
    else this.sink.out(line);
  }

  private text(level: LogLevel, rest: unknown[], fields: Record<string, FieldValue>): string {
    const label = `[${level.toUpperCase()}] `;
    const pairs = Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${quoteIfNeeded(String(value))}`);
    return `${formatWithOptions({}, label, this.name, ...rest, ...pairs)}\n`;
  }

  private json(level: LogLevel, rest: unknown[], fields: Record<string, FieldValue>): string {
    const errors = rest.filter((part): part is Error => part instanceof Error);
    const words = rest.filter((part) => !(part instanceof Error));
    const message = [
      formatWithOptions({ breakLength: Number.POSITIVE_INFINITY, compact: true }, ...words),
      ...errors.map((e) => e.message),
    ]
      .filter((part) => part !== '')
      .join(' ');
    const first = errors[0];
    const entry = {
      time: new Date(this.now()).toISOString(),
      level,
      name: this.name,
      message,
      ...fields,
      ...(first && { error: describeError(first) }),
    };
    return `${JSON.stringify(entry)}\n`;
  }
}

function describeError(error: Error): Record<string, string> {
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    ...(typeof code === 'string' && { code }),
    message: error.message,
    ...(error.stack && { stack: error.stack }),
  };
}

function quoteIfNeeded(value: string): string {
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}
