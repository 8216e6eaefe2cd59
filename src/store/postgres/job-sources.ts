import type { EscalationBoard } from '../../domain/escalation-board.js';
import type { ExceptionGroup, ExceptionRecord } from '../../domain/exception.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import { type JobSources, type OutboxRow, sourcesNamedBy } from '../shared/outbox-jobs.js';
import { BoardReader } from './board-reader.js';
import type { Runner } from './connection.js';
import { GroupReader } from './group-reader.js';

const groups = new GroupReader();
const boards = new BoardReader();

/**
 * Loads, in the claim's transaction, everything the claimed rows are drawn from (their exceptions,
 * storms and boards), a statement per kind rather than per row, so jobs are drawn as they stand now.
 */
export async function loadJobSources(sql: Runner, rows: readonly OutboxRow[]): Promise<JobSources> {
  const named = sourcesNamedBy(rows);
  const [exceptions, groupList, boardList] = await Promise.all([
    named.exceptionIds.length === 0
      ? []
      : sql<ExceptionRow[]>`SELECT * FROM exceptions WHERE id = ANY(${named.exceptionIds}::bigint[])`,
    Promise.all(named.groupIds.map((id) => groups.load(sql, id))),
    Promise.all(named.boardTeams.map((team) => boards.load(sql, team))),
  ]);
  const byId = new Map<number, ExceptionRecord>(exceptions.map((row) => [row.id, toException(row)]));
  const groupById = new Map<number, ExceptionGroup>();
  for (const group of groupList) if (group) groupById.set(group.id, group);
  const boardOf = new Map<string, EscalationBoard>();
  for (const board of boardList) if (board) boardOf.set(board.team, board);
  return {
    exception: (id) => byId.get(id),
    group: (id) => groupById.get(id),
    board: (team) => boardOf.get(team),
  };
}
