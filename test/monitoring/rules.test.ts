// monitoring/: the alert rules checked and unit-tested with the real promtool, the scrape config
// checked with `promtool check config`, and the rules' own conventions (every alert tested, every
// annotation built from labels that survive the aggregation).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { STATUSES } from '../../src/status.js';
import { headingIds } from '../support/markdown.js';
import { exporterMetricNames, promtool, repoRoot, run, RunResult, scratchFile } from '../support/tools.js';

const monitoring = join(repoRoot, 'monitoring');
const rulesFile = join(monitoring, 'alerts.rules.yaml');
const rulesTests = join(monitoring, 'tests', 'alerts.test.yaml');
const scrapeConfigFile = join(monitoring, 'prometheus-scrape-config.yaml');

type Rule = { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
const rules = parse(readFileSync(rulesFile, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> };
const alerts = rules.groups.flatMap((group) => group.rules).filter((rule) => rule.alert);

function expectSuccess(result: RunResult): void {
  if (result.status !== 0) {
    throw new Error(`${result.command} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
}

/** A minimal prometheus.yml with the scrape job of monitoring/ under scrape_configs. */
function prometheusYml(scrapeConfigs: unknown[]): string {
  return scratchFile(
    'prometheus.yml',
    stringify({ global: { scrape_interval: '30s' }, rule_files: [rulesFile], scrape_configs: scrapeConfigs }),
  );
}

const scrapeConfigs = parse(readFileSync(scrapeConfigFile, 'utf8')) as Array<Record<string, unknown>>;

/**
 * Whether this promtool knows kubernetes_sd_configs. Debian's `prometheus` package is built without
 * Kubernetes service discovery (its promtool answers "field kubernetes_sd_configs not found"); an
 * upstream promtool (set PROMTOOL=/path/to/promtool) has it.
 */
const promtoolHasKubernetesSd = (() => {
  const probe = prometheusYml([{ job_name: 'probe', kubernetes_sd_configs: [{ role: 'pod' }] }]);
  return run(promtool(), ['check', 'config', '--syntax-only', probe]).status === 0;
})();

test('the expected alerts exist', () => {
  expect(alerts.map((rule) => rule.alert)).toEqual([
    'DeploymentImageUnavailable',
    'StatefulSetImageUnavailable',
    'DaemonSetImageUnavailable',
    'CronJobImageUnavailable',
    'JobImageUnavailable',
    'PodImageUnavailable',
    'WorkloadImageUnavailable',
    'ImagePlatformMissing',
    'ImageAvailabilityCheckFailing',
    'ImageAvailabilityExporterDown',
    'ImageAvailabilityExporterAbsent',
    'ImageAvailabilityChecksStalled',
    'ImageAvailabilityWatchFailing',
    'ImageAvailabilityRegistryFailing',
  ]);
});

test('promtool check rules monitoring/alerts.rules.yaml', () => {
  expectSuccess(run(promtool(), ['check', 'rules', rulesFile]));
});

test('promtool test rules monitoring/tests/alerts.test.yaml', () => {
  const result = run(promtool(), ['test', 'rules', rulesTests], { cwd: join(monitoring, 'tests') });
  expectSuccess(result);
  expect(result.stdout).toContain('SUCCESS');
});

test('every alert has unit tests in monitoring/tests/alerts.test.yaml, for firing and for not firing', () => {
  const unitTests = parse(readFileSync(rulesTests, 'utf8')) as {
    rule_files: string[];
    tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
  };
  expect(unitTests.rule_files).toEqual(['../alerts.rules.yaml']);
  const cases = unitTests.tests.flatMap((unitTest) => unitTest.alert_rule_test ?? []);
  for (const alert of alerts) {
    const own = cases.filter((entry) => entry.alertname === alert.alert);
    expect({ alert: alert.alert, fires: own.some((entry) => entry.exp_alerts.length > 0) }).toEqual({
      alert: alert.alert,
      fires: true,
    });
    expect({ alert: alert.alert, silent: own.some((entry) => entry.exp_alerts.length === 0) }).toEqual({
      alert: alert.alert,
      silent: true,
    });
  }
});

test('every alert has a severity, a for: duration, a summary and a description', () => {
  for (const alert of alerts) {
    expect({ alert: alert.alert, severity: alert.labels?.severity }).toEqual({
      alert: alert.alert,
      severity: expect.stringMatching(/^(info|warning|critical)$/),
    });
    expect({ alert: alert.alert, for: alert.for }).toEqual({ alert: alert.alert, for: expect.stringMatching(/^\d+[smh]$/) });
    expect(alert.annotations).toEqual(
      expect.objectContaining({ summary: expect.any(String), description: expect.any(String) }),
    );
  }
});

test('annotations use only labels that survive the outermost aggregation (no $labels.owner_name); absent() keeps its equality matchers', () => {
  for (const alert of alerts) {
    const outer = /^\s*(?:max|min|sum|count|avg)\s+by\s*\(([^)]*)\)/.exec(alert.expr);
    const absent = /^\s*absent\(\w+\{([^}]*)\}\)\s*$/.exec(alert.expr);
    expect({ alert: alert.alert, aggregates: Boolean(outer ?? absent) }).toEqual({ alert: alert.alert, aggregates: true });
    const labels = outer ? outer[1].split(',') : [...absent![1].matchAll(/(\w+)="/g)].map((match) => match[1]);
    const kept = new Set(labels.map((label) => label.trim()));
    const used = Object.values(alert.annotations ?? {}).flatMap((text) =>
      [...text.matchAll(/\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((match) => match[1]),
    );
    expect({ alert: alert.alert, unknown: used.filter((label) => !kept.has(label)) }).toEqual({
      alert: alert.alert,
      unknown: [],
    });
  }
});

test("every status of the exporter is either available, an ImageUnavailable status or a CheckFailing one; only the exporter's metrics are used", () => {
  const unavailable = alerts
    .filter((alert) => alert.alert!.endsWith('ImageUnavailable'))
    .flatMap((alert) =>
      [...alert.expr.matchAll(/k8s_image_availability_exporter_(?:deployment|statefulset|daemonset|cronjob|job|pod)_([a-z0-9_]+) == 1/g)].map(
        (match) => match[1],
      ),
    );
  // The statuses of the {__name__=~"..._(kinds)_(statuses)"} selector of ImageAvailabilityCheckFailing.
  const checkFailing = alerts.find((alert) => alert.alert === 'ImageAvailabilityCheckFailing')!;
  const failing = /_\(([a-z0-9_|]+)\)"\}/.exec(checkFailing.expr)![1].split('|');
  const classified = new Set(['available', ...unavailable, ...failing]);
  expect([...classified].sort()).toEqual([...STATUSES].sort());
  expect(unavailable.filter((status) => failing.includes(status))).toEqual([]);
  const metrics = exporterMetricNames(STATUSES);
  for (const alert of alerts) {
    const named = [...alert.expr.matchAll(/k8s_image_availability_exporter_[a-z_]+/g)]
      .map((match) => match[0])
      .filter((name) => !name.endsWith('_'));
    expect({ alert: alert.alert, unknown: named.filter((name) => !metrics.has(name)) }).toEqual({ alert: alert.alert, unknown: [] });
  }
});

describe('monitoring/prometheus-scrape-config.yaml', () => {
  test('is one job: pods labelled app=image-availability-exporter, port http-metrics, /metrics, honor_labels', () => {
    expect(scrapeConfigs).toHaveLength(1);
    const [job] = scrapeConfigs as Array<{
      honor_labels: boolean;
      metrics_path: string;
      kubernetes_sd_configs: Array<{ role: string }>;
      relabel_configs: Array<{ source_labels?: string[]; regex?: string; action?: string }>;
    }>;
    expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
    expect(job.honor_labels).toBe(true);
    expect(job.metrics_path).toBe('/metrics');
    expect(job.relabel_configs).toEqual(
      expect.arrayContaining([
        { source_labels: ['__meta_kubernetes_pod_label_app'], regex: 'image-availability-exporter', action: 'keep' },
        { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'http-metrics', action: 'keep' },
      ]),
    );
    // No target label would clash with the exporter's own labels.
    const targets = job.relabel_configs.map((relabel) => (relabel as { target_label?: string }).target_label);
    for (const label of ['namespace', 'container', 'image', 'registry', 'status']) expect(targets).not.toContain(label);
  });

  test('promtool check config passes, Kubernetes discovery aside (Debian promtool lacks it)', () => {
    // The job as written, with its kubernetes_sd_configs replaced by a static target: promtool then
    // checks everything else, relabel rules and their regexes included.
    const withoutSd = scrapeConfigs.map((job) => {
      const { kubernetes_sd_configs: _sd, ...rest } = job;
      return { ...rest, static_configs: [{ targets: ['127.0.0.1:8080'] }] };
    });
    expectSuccess(run(promtool(), ['check', 'config', prometheusYml(withoutSd)]));
  });

  (promtoolHasKubernetesSd ? test : test.skip)(
    'promtool check config passes as written (needs a promtool with Kubernetes discovery: PROMTOOL=...)',
    () => {
      expectSuccess(run(promtool(), ['check', 'config', prometheusYml(scrapeConfigs)]));
    },
  );
});

describe.each(['alerts.rules.yaml', 'alerts.unified.rules.yaml'])('runbooks of monitoring/%s', (file) => {
  const alertsPage = readFileSync(join(repoRoot, 'docs', 'alerts.md'), 'utf8');
  const sections = new Map(alertsPage.split(/^(?=## )/m).map((section) => [[...headingIds(section.split('\n')[0])][0], section]));
  const own = (parse(readFileSync(join(monitoring, file), 'utf8')) as typeof rules).groups.flatMap((group) => group.rules).filter((rule) => rule.alert);

  test.each(own.map((rule) => [rule.alert!, rule]))('%s names a section of docs/alerts.md that says what it means, how to confirm it (kubectl, the status page) and what fixes it', (_name, rule) => {
    const [page, anchor] = (rule.annotations?.runbook ?? '').split('#');
    expect(page).toBe('docs/alerts.md');
    expect(headingIds(alertsPage).has(anchor)).toBe(true);
    const section = sections.get(anchor) ?? '';
    expect(section).toContain(rule.alert!.endsWith('ImageUnavailable') ? `\`${rule.alert}\`` : `## ${rule.alert}`);
    for (const part of ['**Meaning.**', '**Confirm.**', '**Fix.**']) expect({ part, present: section.includes(part) }).toEqual({ part, present: true });
    const confirm = section.slice(section.indexOf('**Confirm.**'), section.indexOf('**Fix.**'));
    expect(confirm).toContain('kubectl');
    expect(confirm).toMatch(/status page/);
  });
});
