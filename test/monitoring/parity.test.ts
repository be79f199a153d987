// One source of truth: the chart's PrometheusRule is monitoring/alerts.rules.yaml, and the plain
// PodMonitor and scrape config find the pods the chart makes.
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartDir, helms, only, operatorApiVersions, parseManifests, render, validateObject } from '../support/helm.js';
import { repoRoot } from '../support/tools.js';

const rulesFile = join(repoRoot, 'monitoring', 'alerts.rules.yaml');
const rules = parse(readFileSync(rulesFile, 'utf8')) as {
  groups: Array<{ name: string; rules: Array<{ alert: string; labels: Record<string, string> }> }>;
};

const unifiedRulesFile = join(repoRoot, 'monitoring', 'alerts.unified.rules.yaml');

test.each([
  ['alerts.rules.yaml', rulesFile],
  ['alerts.unified.rules.yaml', unifiedRulesFile],
])('chart/files/%s is its file in monitoring/', (name, file) => {
  const chartCopy = join(chartDir, 'files', name);
  expect(realpathSync(chartCopy)).toBe(realpathSync(file));
  expect(readFileSync(chartCopy, 'utf8')).toBe(readFileSync(file, 'utf8'));
});

describe.each(helms)('$name', ({ path: binary }) => {
  test("the chart's PrometheusRule spec equals monitoring/alerts.rules.yaml exactly", () => {
    const rule = only(render(binary, { apiVersions: operatorApiVersions }), 'PrometheusRule') as unknown as { spec: unknown };
    expect(rule.spec).toEqual(rules);
  });

  test('metricsFormat picks the rules: unified → monitoring/alerts.unified.rules.yaml; both → the per-kind ones, so no alert fires twice', () => {
    const unifiedRules = parse(readFileSync(unifiedRulesFile, 'utf8'));
    const specFor = (metricsFormat: string) => (only(render(binary, { apiVersions: operatorApiVersions, values: { metricsFormat } }), 'PrometheusRule') as unknown as { spec: unknown }).spec;
    expect(specFor('unified')).toEqual(unifiedRules);
    expect(specFor('both')).toEqual(rules);
    expect(specFor('per-kind')).toEqual(rules);
  });

  test("the job the health alerts look for is the scrape config's job, and the chart's PodMonitor and ServiceMonitor set it before the user's relabelings", () => {
    const healthJobs = new Set(
      rules.groups.flatMap((group) => group.rules).flatMap((rule) => [...(rule as unknown as { expr: string }).expr.matchAll(/job="([^"]+)"/g)].map((match) => match[1])),
    );
    const scrapeJob = (parse(readFileSync(join(repoRoot, 'monitoring', 'prometheus-scrape-config.yaml'), 'utf8')) as Array<{ job_name: string }>)[0].job_name;
    expect([...healthJobs]).toEqual([scrapeJob]);
    const userRelabeling = { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' };
    const objects = render(binary, {
      apiVersions: operatorApiVersions,
      values: { podMonitor: { relabelings: [userRelabeling] }, serviceMonitor: { enabled: true, relabelings: [userRelabeling] }, service: { enabled: true } },
    });
    const endpoints = [
      ...(only(objects, 'PodMonitor') as unknown as { spec: { podMetricsEndpoints: Array<{ relabelings: unknown[] }> } }).spec.podMetricsEndpoints,
      ...(only(objects, 'ServiceMonitor') as unknown as { spec: { endpoints: Array<{ relabelings: unknown[] }> } }).spec.endpoints,
    ];
    for (const endpoint of endpoints) expect(endpoint.relabelings).toEqual([{ targetLabel: 'job', replacement: scrapeJob }, userRelabeling]);
  });

  test("prometheusRule.runbookBaseUrl gives every alert a runbook_url: the base followed by its runbook annotation", () => {
    const base = 'https://github.com/example/k8s-image-availability-exporter/blob/v0.1.0/';
    const rule = only(render(binary, { apiVersions: operatorApiVersions, values: { prometheusRule: { runbookBaseUrl: base } } }), 'PrometheusRule') as unknown as {
      spec: { groups: Array<{ rules: Array<{ alert: string; annotations: Record<string, string> }> }> };
    };
    const alerts = rule.spec.groups.flatMap((group) => group.rules);
    expect(alerts.length).toBeGreaterThan(10);
    for (const alert of alerts) expect({ alert: alert.alert, url: alert.annotations.runbook_url }).toEqual({ alert: alert.alert, url: `${base}${alert.annotations.runbook}` });
  });

  test('prometheusRule.additionalRuleLabels adds labels to every alert; a rule keeps its own severity', () => {
    const rule = only(
      render(binary, { apiVersions: operatorApiVersions, values: { prometheusRule: { additionalRuleLabels: { team: 'platform', severity: 'page' } } } }),
      'PrometheusRule',
    ) as unknown as { spec: typeof rules };
    const expected = JSON.parse(JSON.stringify(rules)) as typeof rules;
    for (const group of expected.groups) {
      for (const entry of group.rules) entry.labels = { team: 'platform', ...entry.labels };
    }
    expect(rule.spec).toEqual(expected);
  });
});

describe('monitoring/podmonitor.yaml', () => {
  const [podMonitor] = parseManifests(readFileSync(join(repoRoot, 'monitoring', 'podmonitor.yaml'), 'utf8'));

  test('is a valid PodMonitor (prometheus-operator schema)', () => {
    expect(podMonitor.kind).toBe('PodMonitor');
    validateObject(podMonitor);
  });

  test("selects the chart's pods and scrapes the same endpoint as the chart's PodMonitor", () => {
    const spec = podMonitor.spec as {
      selector: { matchLabels: Record<string, string> };
      podMetricsEndpoints: unknown[];
    };
    const objects = render(helms[1].path, { apiVersions: operatorApiVersions });
    const podLabels = (
      only(objects, 'Deployment') as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }
    ).spec.template.metadata.labels;
    expect(podLabels).toMatchObject(spec.selector.matchLabels);
    const chartPodMonitor = only(objects, 'PodMonitor') as unknown as { spec: { podMetricsEndpoints: unknown[] } };
    expect(spec.podMetricsEndpoints).toEqual(chartPodMonitor.spec.podMetricsEndpoints);
  });
});
