// postgres.js 3.4.9 throws from a timer when a connection is lost mid-transaction: its ROLLBACK is a
// small write deferred with setImmediate, which then finds the socket gone and throws an uncaught
// TypeError that ends the process (porsager/postgres#1154, #1208; fixes proposed in #1168, #1209).
// Its teardown also leaves the deferred-write timer set, so a reused connection could stop flushing.
// Cartwatch must answer 503 when Postgres drops a connection, not die: until a release fixes it, this
// guards the driver after every install (npm's postinstall). It edits only what it recognises and is
// safe to run twice.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'postgres');
const MARK = '/* cartwatch: guarded nextWrite */';

const edits = [
  [
    'function nextWrite(fn) {\n',
    `function nextWrite(fn) {\n    ${MARK}\n    if (socket === null) {\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n`,
  ],
  [
    '    clearImmediate(nextWriteTimer)\n',
    '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n',
  ],
];

// A new connection's array-type query runs before the connection is handed out; when Postgres cuts
// the connection then (pg_terminate_backend, a restart), the queries waiting on it are failed, but the
// promise of the type fetch itself is dropped and its rejection ends the process (porsager/postgres
// #1192, #1205, #1223). It is handled; the failure still reaches the waiting queries.
const FETCH_MARK = '/* cartwatch: handled fetchArrayTypes */';
const fetchEdits = [
  ['return fetchArrayTypes()\n', `return fetchArrayTypes().catch(() => {}) ${FETCH_MARK}\n`],
];

/** Applies a group of edits unless its mark shows it was applied; undefined when the file changed. */
function applied(text, dir, mark, group) {
  if (text.includes(mark)) return text;
  for (const [from, to] of group) {
    if (!text.includes(from)) {
      console.warn(
        `patch-postgres: ${dir}/connection.js has changed; not patched (check whether the release fixed it)`,
      );
      return undefined;
    }
    text = text.split(from).join(to);
  }
  return text;
}

for (const dir of ['src', 'cjs/src', 'cf/src']) {
  const file = path.join(root, dir, 'connection.js');
  if (!existsSync(file)) continue;
  const before = readFileSync(file, 'utf8');
  let text = applied(before, dir, MARK, edits);
  if (text !== undefined) text = applied(text, dir, FETCH_MARK, fetchEdits);
  if (text !== undefined && text !== before) writeFileSync(file, text);
}
