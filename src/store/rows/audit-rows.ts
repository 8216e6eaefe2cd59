import type { AuditEntry } from '../../domain/exception.js';

export interface AuditRow {
  exception_id: number;
  at: number;
  actor: string;
  action: string;
  note: string | null;
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    exceptionId: row.exception_id,
    at: row.at,
    actor: row.actor,
    // Written only from the domain's actions; the cast restates that.
    action: row.action as AuditEntry['action'],
    ...(row.note !== null && { note: row.note }),
  };
}
