import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { readBody } from '../src/http/body.js';
import { sendError, sendJson } from '../src/http/reply.js';
import { validateEvents } from '../src/ingest/event-schema.js';
import { parseEventBody } from '../src/ingest/parse-body.js';
import { GroupCommit } from '../src/store/shared/group-commit.js';
import type { NewEvent } from '../src/store/store.js';

/**
 * The durable floor: what any design that keeps Cartwatch's promise could reach on this machine.
 * It does the least a durable ingest must: read the body, parse and validate it with Cartwatch's own
 * code, insert each event's row (its sequence and unique id, nothing else), and answer 202 only
 * after a group commit with synchronous=FULL, as Cartwatch does. No projection, no correlation, no
 * detection. Cartwatch's figures beside it say what the rest of the product costs.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'cartwatch-floor-'));
const db = new Database(path.join(dir, 'floor.db'));
db.pragma('page_size = 16384');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(
  'CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, received_at INTEGER, raw TEXT)',
);
const insert = db.prepare('INSERT OR IGNORE INTO events (id, received_at, raw) VALUES (?, ?, ?)');

type Outcome = { accepted: number; duplicates: number };
const recordAll = db.transaction((batches: readonly (readonly NewEvent[])[]): Outcome[] =>
  batches.map((batch) => {
    const receivedAt = Date.now();
    let accepted = 0;
    for (const { event, raw } of batch) accepted += insert.run(event.id, receivedAt, raw).changes;
    return { accepted, duplicates: batch.length - accepted };
  }),
);
const commits = new GroupCommit<readonly NewEvent[], Outcome>((batches) => recordAll(batches));

const server = createServer((req, res) => {
  void readBody(req, 1024 * 1024).then(async (body) => {
    const parsed = parseEventBody(body, 'json');
    if (!parsed.ok) return sendError(res, 400, parsed.error);
    const validation = validateEvents(parsed.items);
    if (!validation.ok) return sendError(res, 400, 'invalid');
    sendJson(res, 202, await commits.submit(validation.events));
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () =>
  server.close(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }),
);
