// postgres.js 3.4.9 throws from a timer when a connection is lost mid-transaction: its ROLLBACK is a
// small write deferred with setImmediate, which then finds the socket gone and throws an uncaught
// TypeError that ends the process (porsager/postgres#1154, #1208; fixes proposed in #1168, #1209).
// Its teardown also leaves the deferred-write timer set, so a reused connection could stop flushing.
// Cartwatch must answer 503 when Postgres drops a connection, not die: until a release fixes it, this
// guards the driver after every install (npm's postinstall). It edits only what it recognises, warns
// when a file changed, and is safe to run twice.
// test/unit/postgres-driver-guard.test.ts shows what the guards are for.
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

// A killed backend (pg_terminate_backend, idle_in_transaction_session_timeout, a server restart) ends
// `sql.begin` with CONNECTION_CLOSED, but its callback runs on, and the connection object it holds is
// the one the pool reconnects: what the callback issues next (its COMMIT too) ran on the new backend,
// in autocommit or inside another caller's transaction, and stayed; statements waiting behind a full
// pipeline never settled (porsager/postgres#1215, #1216, #1209). The transaction now learns of the
// close the moment the pool does, rejects what it had queued and everything issued after, and the
// closed connection forgets its old backend's statement, error and results, so the first query on
// the new one no longer gets the old backend's FATAL (or an old statement's rows).
const TX_MARK = '/* cartwatch: transaction ends with its connection */';
const txEdits = [
  [
    '      , prepare = null\n\n    try {\n',
    `      , prepare = null\n      , lost = null ${TX_MARK}\n      , dropped = null\n\n    try {\n`,
  ],
  [
    '        new Promise((_, reject) => connection.onclose = reject)\n',
    '        new Promise((_, reject) => lost ? reject(lost) : (dropped = reject))\n',
  ],
  [
    '        q.catch(e => uncaughtError || (uncaughtError = e))\n        c.queue === full\n',
    '        q.catch(e => uncaughtError || (uncaughtError = e))\n        if (lost)\n          return q.reject(lost)\n        c.queue === full\n',
  ],
  [
    '    function onexecute(c) {\n      connection = c\n',
    '    function lose(e) {\n      lost = e\n      while (queries.length)\n        queries.shift().reject(e)\n      dropped && dropped(e)\n    }\n\n' +
      '    function onexecute(c) {\n      connection = c\n      c.onclose = lose\n',
  ],
];
const CLOSE_MARK = '/* cartwatch: closed connection forgets its backend */';
const closeEdits = [
  [
    '    socket.removeAllListeners()\n    socket = null\n\n    if (initial)\n      return reconnect()\n',
    `    socket.removeAllListeners()\n    socket = null\n\n    ${CLOSE_MARK}\n` +
      "    const lost = Errors.connection('CONNECTION_CLOSED', options)\n" +
      '    stream && (stream.destroy(lost), stream = null)\n' +
      '    query && queryError(query, lost)\n' +
      '    while (sent.length)\n      queryError(sent.shift(), lost)\n' +
      '    query = results = errorResponse = final = null\n' +
      '    result = new Result()\n    rows = 0\n\n' +
      '    if (initial)\n      return reconnect()\n',
  ],
];

/** Applies a group of edits unless its mark shows it was applied; undefined when the file changed. */
function applied(text, file, mark, group) {
  if (text.includes(mark)) return text;
  for (const [from, to] of group) {
    if (!text.includes(from)) {
      console.warn(`patch-postgres: ${file} has changed; not patched (check whether the release fixed it)`);
      return undefined;
    }
    text = text.split(from).join(to);
  }
  return text;
}

/** Applies the groups in order, stopping at the first the file no longer matches; writes what applied. */
function patch(file, shortName, groups) {
  if (!existsSync(file)) return;
  const before = readFileSync(file, 'utf8');
  let text = before;
  for (const [mark, group] of groups) {
    const next = applied(text, shortName, mark, group);
    if (next === undefined) break;
    text = next;
  }
  if (text !== before) writeFileSync(file, text);
}

for (const dir of ['src', 'cjs/src', 'cf/src']) {
  patch(path.join(root, dir, 'connection.js'), `${dir}/connection.js`, [
    [MARK, edits],
    [FETCH_MARK, fetchEdits],
    [CLOSE_MARK, closeEdits],
  ]);
  patch(path.join(root, dir, 'index.js'), `${dir}/index.js`, [[TX_MARK, txEdits]]);
}
