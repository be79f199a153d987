// monitoring/alerts.unified.rules.yaml, the alerts for --metrics-format=unified: checked and
// unit-tested with the real promtool, and the same alerts as the per-kind rules, over the unified
// gauges only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { availabilityFamilies } from '../../src/metrics/availability-families.js';
import { STATUSES } from '../../src/status.js';
import { exporterMetricNames, promtool, repoRoot, run } from '../support/tools.js';

type Rule = { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
const monitoring = join(repoRoot, 'monitoring');
const alertsOf = (file: string) => (parse(readFileSync(join(monitoring, file), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((group) => group.rules);
const unified = alertsOf('alerts.unified.rules.yaml');
const perKind = alertsOf('alerts.rules.yaml');
const KIND_LABEL = /\$labels\.(deployment|statefulset|daemonset|cronjob|job_name|pod)\b/g;

test('promtool check rules monitoring/alerts.unified.rules.yaml', () => {
  const result = run(promtool(), ['check', 'rules', join(monitoring, 'alerts.unified.rules.yaml')]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});

test('promtool test rules monitoring/tests/alerts.unified.test.yaml', () => {
  const result = run(promtool(), ['test', 'rules', 'alerts.unified.test.yaml'], { cwd: join(monitoring, 'tests') });
  if (result.status !== 0) throw new Error(`${result.stdout}\n${result.stderr}`);
  expect(result.stdout).toContain('SUCCESS');
});

test('every alert has unified unit tests, for firing and for not firing', () => {
  const unitTests = parse(readFileSync(join(monitoring, 'tests', 'alerts.unified.test.yaml'), 'utf8')) as {
    rule_files: string[];
    tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
  };
  expect(unitTests.rule_files).toEqual(['../alerts.unified.rules.yaml']);
  const cases = unitTests.tests.flatMap((unitTest) => unitTest.alert_rule_test ?? []);
  for (const alert of unified) {
    const own = cases.filter((entry) => entry.alertname === alert.alert);
    expect({ alert: alert.alert, fires: own.some((entry) => entry.exp_alerts.length > 0), silent: own.some((entry) => entry.exp_alerts.length === 0) }).toEqual({
      alert: alert.alert,
      fires: true,
      silent: true,
    });
  }
});

test('the same alerts as the per-kind rules: names, for:, labels, and annotations with the workload as $labels.name', () => {
  expect(unified.map((alert) => alert.alert)).toEqual(perKind.map((alert) => alert.alert));
  for (const [index, alert] of unified.entries()) {
    const twin = perKind[index];
    expect({ alert: alert.alert, for: alert.for, labels: alert.labels }).toEqual({ alert: twin.alert, for: twin.for, labels: twin.labels });
    const annotations = Object.fromEntries(Object.entries(twin.annotations ?? {}).map(([key, text]) => [key, text.replace(KIND_LABEL, '$labels.name')]));
    expect(alert.annotations).toEqual(annotations);
  }
});

test("only the unified gauges (and the exporter's other families) are used, and every status is either available, ImageUnavailable or CheckFailing", () => {
  const unifiedNames = new Set([...availabilityFamilies('unified').map((family) => family.name), ...exporterMetricNames([])]);
  const used = unified.flatMap((alert) => [...alert.expr.matchAll(/k8s_image_availability_exporter_[a-z0-9_]+/g)].map((match) => match[0]).filter((name) => !name.endsWith('_')));
  expect(used.filter((name) => !unifiedNames.has(name))).toEqual([]);
  const unavailable = unified
    .filter((alert) => alert.alert.endsWith('ImageUnavailable'))
    .flatMap((alert) => [...alert.expr.matchAll(/k8s_image_availability_exporter_([a-z0-9_]+)\{kind="[a-z]+"\} == 1/g)].map((match) => match[1]));
  const checkFailing = unified.find((alert) => alert.alert === 'ImageAvailabilityCheckFailing')!;
  const failing = /_\(([a-z0-9_|]+)\)"\}/.exec(checkFailing.expr)![1].split('|');
  expect([...new Set(['available', ...unavailable, ...failing])].sort()).toEqual([...STATUSES].sort());
  expect(unavailable.filter((status) => failing.includes(status))).toEqual([]);
});
