import type { RecordJob } from './sqlite-writer.js';

/** Messages between the store (main thread) and its writer worker. */
export type WriterRequest =
  | { id: number; op: 'record'; job: RecordJob }
  | { id: number; op: 'prune'; cutoff: number; limit: number }
  | { id: number; op: 'backup'; file: string }
  | { id: number; op: 'close' };

export type WriterReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string; code?: string } };

export interface WriterData {
  file: string;
}
