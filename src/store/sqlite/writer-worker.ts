import { parentPort, workerData } from 'node:worker_threads';
import { GroupCommit } from '../shared/group-commit.js';
import type { RecordOutcome } from '../store.js';
import { openDatabase } from './connection.js';
import { type RecordJob, SqliteWriter } from './sqlite-writer.js';
import type { WriterData, WriterReply, WriterRequest } from './writer-protocol.js';

const port = parentPort;
if (port === null) throw new Error('writer-worker.js runs only as a worker thread');

const { file, policy } = workerData as WriterData;
const writer = new SqliteWriter(openDatabase(file), policy);
// Batches that reach the worker while it waits on a commit are written together in the next one.
const records = new GroupCommit<RecordJob, RecordOutcome>((jobs) => writer.recordGroup(jobs));

port.on('message', (request: WriterRequest) => {
  void handle(request).then(
    (result) => port.postMessage({ id: request.id, ok: true, result } satisfies WriterReply),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: describe(error) } satisfies WriterReply),
  );
});

async function handle({ op, args }: WriterRequest): Promise<unknown> {
  if (op === 'record') return records.submit(args[0] as RecordJob);
  if (op === 'close') {
    await records.drained();
    return writer.close();
  }
  return (writer[op] as (...a: unknown[]) => unknown)(...args);
}

function describe(error: unknown): Extract<WriterReply, { ok: false }>['error'] {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' && { code }) };
}
