import type { AuditEntry, ExceptionRecord } from '../../domain/exception.js';
import { type AuditRow, toAuditEntry } from '../rows/audit-rows.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import type { Sql } from './connection.js';

/** Exceptions and their audit trails as the app reads them. */
export class ExceptionReader {
  constructor(private readonly sql: Sql) {}

  async find(id: number): Promise<ExceptionRecord | null> {
    const [row] = await this.sql<ExceptionRow[]>`SELECT * FROM exceptions WHERE id = ${id}`;
    return row ? toException(row) : null;
  }

  async ofCart(cartId: string): Promise<ExceptionRecord[]> {
    const rows = await this.sql<
      ExceptionRow[]
    >`SELECT * FROM exceptions WHERE cart_id = ${cartId} ORDER BY id`;
    return rows.map(toException);
  }

  async auditOf(exceptionId: number): Promise<AuditEntry[]> {
    const rows = await this.sql<AuditRow[]>`SELECT exception_id, at, actor, action, note FROM exception_audit
      WHERE exception_id = ${exceptionId} ORDER BY id`;
    return rows.map(toAuditEntry);
  }
}
