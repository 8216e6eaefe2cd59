import type { DuePolicy } from '../../domain/due-policy.js';
import type { AuditEntry, ExceptionGroup, ExceptionRecord } from '../../domain/exception.js';
import type {
  ActionInput,
  ActionOutcome,
  DetectionBatch,
  DetectionOutcome,
  GroupActionInput,
  GroupActionOutcome,
  GroupResolveInput,
  GroupResolveOutcome,
  ReassignInput,
} from '../exception-types.js';
import type { Sql } from './connection.js';
import { DetectionWriter } from './detection-writer.js';
import { ExceptionReader } from './exception-reader.js';
import { ExceptionWriter } from './exception-writer.js';
import { GroupActions } from './group-actions.js';
import { GroupReader } from './group-reader.js';
import { NoiseWriter } from './noise-writer.js';
import { PersonActions } from './person-actions.js';
import { TrendWriter } from './trend-writer.js';

/** The exceptions area of the Postgres store: detection's writes, people's actions, storms, reads. */
export class Exceptions {
  readonly writer: ExceptionWriter;
  private readonly detection: DetectionWriter;
  private readonly people: PersonActions;
  private readonly storms: GroupActions;
  private readonly reader: ExceptionReader;
  private readonly groups = new GroupReader();

  constructor(
    private readonly sql: Sql,
    policy: DuePolicy,
  ) {
    this.writer = new ExceptionWriter(policy);
    const noise = new NoiseWriter(this.writer);
    this.detection = new DetectionWriter(sql, this.writer, noise, new TrendWriter());
    this.people = new PersonActions(sql, policy, this.writer);
    this.storms = new GroupActions(sql, policy, this.writer);
    this.reader = new ExceptionReader(sql);
  }

  applyDetection(batch: DetectionBatch): Promise<DetectionOutcome> {
    return this.detection.applyDetection(batch);
  }
  findException(id: number): Promise<ExceptionRecord | null> {
    return this.reader.find(id);
  }
  exceptionsOfCart(cartId: string): Promise<ExceptionRecord[]> {
    return this.reader.ofCart(cartId);
  }
  auditOf(exceptionId: number): Promise<AuditEntry[]> {
    return this.reader.auditOf(exceptionId);
  }
  applyAction(input: ActionInput): Promise<ActionOutcome> {
    return this.people.applyAction(input);
  }
  applyReassign(input: ReassignInput): Promise<ActionOutcome> {
    return this.people.applyReassign(input);
  }
  acknowledgeGroup(input: GroupActionInput): Promise<GroupActionOutcome> {
    return this.storms.acknowledgeGroup(input);
  }
  resolveGroup(input: GroupResolveInput): Promise<GroupResolveOutcome> {
    return this.storms.resolveGroup(input);
  }
  /** Its figures read in one snapshot. */
  async findGroup(id: number): Promise<ExceptionGroup | null> {
    const group = await this.sql.begin('isolation level repeatable read read only', (tx) =>
      this.groups.load(tx, id),
    );
    return (group as ExceptionGroup | undefined) ?? null;
  }
}
