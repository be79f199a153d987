// monitoring/grafana-dashboard.json: well-formed for Grafana's import, every query valid PromQL
// (parsed by the real promtool) over the exporter's own metrics, and the views the issue asks for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { STATUSES } from '../../src/status.js';
import { exporterMetricNames, promtool, repoRoot, run, scratchFile } from '../support/tools.js';

type Target = { expr: string; refId: string; datasource?: { uid: string } };
type Panel = {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
};
type Dashboard = {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string }> };
};

const dashboard = JSON.parse(
  readFileSync(join(repoRoot, 'monitoring', 'grafana-dashboard.json'), 'utf8'),
) as Dashboard;
const queryPanels = dashboard.panels.filter((panel) => panel.type !== 'row');
const targets = queryPanels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));

/** The exporter's metric names, from its sources: a renamed metric fails here. */
const metrics = exporterMetricNames(STATUSES);
// Sanity: the parse of src/metrics/metrics.ts found the families the dashboard is about.
test.each([
  'k8s_image_availability_exporter_checks_total',
  'k8s_image_availability_exporter_check_duration_seconds_bucket',
  'k8s_image_availability_exporter_last_check_timestamp_seconds',
  'k8s_image_availability_exporter_build_info',
])('the exporter exports %s', (name) => {
  expect(metrics.has(name)).toBe(true);
});

/** The query as Grafana sends it, with its variables given plausible values. */
function interpolate(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '2m')
    .replaceAll('$namespace', '.*')
    .replaceAll('$registry', '.*');
}

test('has a uid, a title, a schema version, unique panel ids and a datasource variable every query uses', () => {
  expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
  expect(dashboard.title).toBeTruthy();
  expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
  const ids = dashboard.panels.map((panel) => panel.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(dashboard.templating.list.find((variable) => variable.name === 'datasource')?.type).toBe('datasource');
  for (const { panel, target } of targets) {
    expect({ panel: panel.title, uid: panel.datasource?.uid }).toEqual({ panel: panel.title, uid: '${datasource}' });
    expect({ panel: panel.title, uid: target.datasource?.uid }).toEqual({ panel: panel.title, uid: '${datasource}' });
  }
  for (const panel of queryPanels) {
    expect({ panel: panel.title, fits: panel.gridPos.x + panel.gridPos.w <= 24 }).toEqual({ panel: panel.title, fits: true });
    expect({ panel: panel.title, described: Boolean(panel.description) }).toEqual({ panel: panel.title, described: true });
  }
});

test('every query is valid PromQL (promtool check rules on the queries as recording rules)', () => {
  const file = scratchFile(
    'dashboard-queries.rules.yaml',
    stringify({
      groups: [
        {
          name: 'grafana-dashboard-queries',
          rules: targets.map(({ panel, target }) => ({
            record: `dashboard:panel_${panel.id}:${target.refId.toLowerCase()}`,
            expr: interpolate(target.expr),
          })),
        },
      ],
    }),
  );
  const result = run(promtool(), ['check', 'rules', file]);
  if (result.status !== 0) throw new Error(`${result.command}\n${result.stdout}\n${result.stderr}`);
  expect(result.stdout).toContain(`${targets.length} rules found`);
});

test("queries name only the exporter's metrics", () => {
  for (const { panel, target } of targets) {
    const named = [...target.expr.matchAll(/k8s_image_availability_exporter_[a-z_]+/g)]
      .map((match) => match[0])
      .filter((name) => !name.endsWith('_')); // prefixes inside {__name__=~"..."} regexes
    expect({ panel: panel.title, unknown: named.filter((name) => !metrics.has(name)) }).toEqual({
      panel: panel.title,
      unknown: [],
    });
  }
});

test('shows images by status, checks by registry, check duration quantiles and last check age', () => {
  const exprs = targets.map(({ target }) => target.expr);
  expect(exprs.some((expr) => /count by \(status\)/.test(expr))).toBe(true);
  expect(exprs.some((expr) => /by \(registry, status\).*checks_total/.test(expr))).toBe(true);
  for (const quantile of ['0.5', '0.9', '0.99']) {
    expect(exprs.some((expr) => expr.startsWith(`histogram_quantile(${quantile},`) && expr.includes('check_duration_seconds_bucket'))).toBe(true);
  }
  expect(exprs.some((expr) => /time\(\) - .*last_check_timestamp_seconds/.test(expr))).toBe(true);
});
