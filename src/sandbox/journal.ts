import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { SandboxMessage, SandboxWorkspace } from './workspace.js';

/** Writes are gathered for this long, so a burst of posts is one write. */
const WRITE_AFTER_MS = 200;

const journal = z.object({
  version: z.literal(1),
  messages: z.array(
    z.object({
      channel: z.string(),
      ts: z.string(),
      text: z.string(),
      blocks: z.array(z.unknown()).optional(),
      threadTs: z.string().optional(),
      edited: z.boolean().optional(),
    }),
  ),
});

/** Where the sandbox keeps its channels' messages: beside the database, named after it. */
export function journalFileOf(dbPath: string): string {
  const { dir, name } = path.parse(dbPath);
  return path.join(dir, `${name}.sandbox.json`);
}

/**
 * Keeps the sandbox's channel messages in a file beside the database, so a restart on the same
 * database shows what Slack would still show: the messages of exceptions that are still open,
 * whose buttons still work. A new database starts with empty channels (the file is dropped).
 */
export class SandboxJournal {
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deps: { workspace: SandboxWorkspace; file: string; logger: Logger },
    options: { fresh: boolean },
  ) {
    if (options.fresh) rmSync(deps.file, { force: true });
    else deps.workspace.restore(this.read());
    this.unsubscribe = deps.workspace.onChange(() => this.schedule());
  }

  /** Writes what is pending now and stops journalling. */
  close(): void {
    this.unsubscribe();
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.write();
    }
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, WRITE_AFTER_MS);
    this.timer.unref();
  }

  private read(): SandboxMessage[] {
    const { file, logger } = this.deps;
    if (!existsSync(file)) return [];
    try {
      const parsed = journal.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (parsed.success) return parsed.data.messages as SandboxMessage[];
      logger.warn(`sandbox: ${file} is not a sandbox journal; the channels start empty`);
    } catch (error) {
      logger.warn(`sandbox: ${file} could not be read; the channels start empty:`, error);
    }
    return [];
  }

  /** Whole or not at all: a crash mid-write leaves the previous journal, never half of one. */
  private write(): void {
    const { file, workspace, logger } = this.deps;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const temp = `${file}.tmp`;
      writeFileSync(temp, JSON.stringify({ version: 1, messages: workspace.messages }));
      renameSync(temp, file);
    } catch (error) {
      logger.warn(`sandbox: its messages could not be kept in ${file}:`, error);
    }
  }
}
