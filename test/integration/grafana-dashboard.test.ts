import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

/** Grafana's placeholder for the data source picked at import (`__inputs`). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's syntax, not a JavaScript template
const DATASOURCE = '${DS_PROMETHEUS}';
const dashboard = JSON.parse(readFileSync('docs/grafana-dashboard.json', 'utf8'));
const panels: any[] = dashboard.panels;
const queries: string[] = panels.flatMap((panel) => (panel.targets ?? []).map((t: any) => t.expr));

let app: TestApp;
let families: Map<string, string>;

beforeAll(async () => {
  app = await startTestApp();
  const text = await (await fetch(`${app.url}/metrics`)).text();
  // "# TYPE name type": every family is declared, even one with no samples yet.
  families = new Map(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string] as const),
  );
});
afterAll(async () => {
  await app.stop();
});

/** The metric names a PromQL expression selects, read from its parse tree; throws on a syntax error. */
function metricsIn(expr: string): string[] {
  const names: string[] = [];
  let broken = false;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) broken = true;
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector')
        names.push(expr.slice(node.from, node.to));
    },
  });
  if (broken) throw new Error(`not valid PromQL: ${expr}`);
  return names;
}

/** A series name as /metrics serves it: a family, or a histogram's _bucket, _sum or _count. */
function served(name: string): boolean {
  if (families.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && ['histogram', 'summary'].includes(families.get(base) ?? '');
}

describe('the Grafana dashboard (docs/grafana-dashboard.json)', () => {
  it('when imported, then it asks for a Prometheus data source and every panel queries through it', () => {
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ type: 'datasource', pluginId: 'prometheus' }),
    ]);
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      expect(panel.gridPos, panel.title).toEqual(
        expect.objectContaining({ h: expect.any(Number), w: expect.any(Number) }),
      );
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) expect(target.datasource.uid, panel.title).toBe(DATASOURCE);
    }
  });

  it('when its queries run, then each is valid PromQL and every metric it reads is served at GET /metrics', () => {
    const read = new Set(queries.flatMap(metricsIn));
    const variable = dashboard.templating.list[0].definition as string;
    read.add(/^label_values\((\w+),/.exec(variable)?.[1] ?? variable);
    const missing = [...read].filter((name) => !served(name));
    expect(missing).toEqual([]);
    // What an operator looks for first is all there.
    for (const wanted of [
      'cartwatch_events_stored_total',
      'cartwatch_ingest_seconds_bucket',
      'cartwatch_ingest_rejected_total',
      'cartwatch_exceptions_open',
      'cartwatch_exception_handled_seconds_bucket',
      'cartwatch_outbox_pending',
      'cartwatch_outbox_oldest_due_seconds',
      'cartwatch_slack_errors_total',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
    ])
      expect(read, wanted).toContain(wanted);
  });

  it("when /metrics is read, then prom-client's process metrics are there beside Cartwatch's", () => {
    expect(families.get('process_resident_memory_bytes')).toBe('gauge');
    expect(families.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    expect(families.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(families.get('nodejs_gc_duration_seconds')).toBe('histogram');
    expect(families.get('cartwatch_outbox_pending')).toBe('gauge');
  });
});
