import type { DuePolicy } from '../../domain/due-policy.js';
import type { SqliteWriter } from './sqlite-writer.js';

/** The writer's operations the main thread may call, by name; their arguments cross as structured clones. */
export type WriterOp = {
  [K in keyof SqliteWriter]: SqliteWriter[K] extends (...args: never[]) => unknown ? K : never;
}[keyof SqliteWriter];

export type WriterResult<K extends WriterOp> = Awaited<ReturnType<SqliteWriter[K]>>;

/** Messages between the store (main thread) and its writer worker. */
export type WriterRequest = { id: number; op: WriterOp; args: unknown[] };

export type WriterReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string; code?: string } };

export interface WriterData {
  file: string;
  policy: DuePolicy;
}
