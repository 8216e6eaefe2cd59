import type { CartwatchConfig } from './cartwatch-config.js';
import { checkConfigText } from './load-file.js';

/**
 * What runs when there is no cartwatch.yml: SPEC's example teams and rules, so a first run
 * (and the sandbox) shows every kind of exception. Validated like any file, so it cannot drift.
 */
const DEFAULT_YAML = `
timezone: UTC
teams:
  payments:    { channel: C0PAYMENTS }
  fulfillment: { channel: C0FULFIL }
  ops:         { channel: C0OPS }
routes:
  - { match: { stage: payment }, team: payments }
  - { match: { stage: [fulfillment, post_purchase] }, team: fulfillment }
  - { team: ops }
sla:
  checkout: 30m
  payment: 10m
  fulfillment: 24h
expect:
  - { after: payment.authorize, then: payment.capture, within: 15m }
backlog:
  fulfillment: { max_waiting: 500, max_age: 2h }
escalation: { after: 15m, remind_acknowledged_after: 4h }
digest: { at: "09:00", skip_quiet: false }
retention_days: 90
ingest: { max_body: 1MiB }
`;

function buildDefaults(): CartwatchConfig {
  const result = checkConfigText(DEFAULT_YAML);
  if (!result.ok) throw new Error(`built-in defaults are invalid: ${result.problems.join('; ')}`);
  return result.config;
}

export const DEFAULT_CONFIG: CartwatchConfig = buildDefaults();
