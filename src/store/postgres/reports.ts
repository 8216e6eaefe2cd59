import type { Sql } from './connection.js';
import { DigestWriter } from './digest-writer.js';
import { StatusQueries } from './status-queries.js';
import { TrendQueries } from './trend-queries.js';

/** The Postgres store's reports area: status and digest reads, trend reads, and digest runs. */
export class Reports {
  readonly status: StatusQueries;
  readonly trends: TrendQueries;
  readonly digests: DigestWriter;

  constructor(sql: Sql) {
    this.status = new StatusQueries(sql);
    this.trends = new TrendQueries(sql);
    this.digests = new DigestWriter(sql);
  }
}
