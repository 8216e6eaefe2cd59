import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DuePolicy } from '../../domain/due-policy.js';
import { CartwatchError, StoreFullError } from '../../errors.js';
import type { SqliteWriter } from './sqlite-writer.js';
import type { WriterData, WriterOp, WriterReply, WriterResult } from './writer-protocol.js';

type Pending = { resolve: (value: unknown) => void; reject: (error: unknown) => void };

/** The main thread's end of the writer worker: one promise per request, answered in any order. */
export class WriterClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor(file: string, policy: DuePolicy) {
    this.worker = new Worker(workerUrl(), { workerData: { file, policy } satisfies WriterData });
    this.worker.on('message', (reply: WriterReply) => this.settle(reply));
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) =>
      this.failAll(new Error(`the database writer stopped (exit code ${code})`)),
    );
  }

  call<K extends WriterOp>(op: K, ...args: Parameters<SqliteWriter[K]>): Promise<WriterResult<K>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  async close(): Promise<void> {
    if (this.failure) return;
    await this.call('close');
    await this.worker.terminate();
  }

  private settle(reply: WriterReply): void {
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (reply.ok) pending?.resolve(reply.result);
    else pending?.reject(rebuild(reply.error));
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

function rebuild(error: Extract<WriterReply, { ok: false }>['error']): Error {
  if (error.code === 'SQLITE_FULL') return new StoreFullError(error.message);
  return new CartwatchError(error.code ?? 'STORE_FAILED', error.message);
}

/**
 * The compiled worker beside this file. Under vitest the store runs from its TypeScript source, so
 * the worker comes from the build instead, which the test setup refreshes first.
 */
function workerUrl(): URL {
  const beside = new URL('./writer-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../../dist/src/store/sqlite/writer-worker.js', import.meta.url);
}
