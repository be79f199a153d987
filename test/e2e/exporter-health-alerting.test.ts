// Alerts on the exporter's own health reach a human: exporter (real kube-apiserver, real registry)
// → real Prometheus with monitoring/alerts.rules.yaml, scraping it as the shipped scrape job names
// it → real Alertmanager → a webhook receiver here. Healthy: no health alert. The API server
// stopped: ImageAvailabilityWatchFailing. The exporter stopped: ImageAvailabilityExporterDown,
// and not ImageAvailabilityExporterAbsent (one outage, one alert).
import { join } from 'node:path';
import { startAlertingStack, type AlertingStack } from '../support/alerting-stack.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { eventually } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { createShopWeb } from '../support/web-deployment.js';
import { repoRoot } from '../support/tools.js';

const JOB = 'k8s-image-availability-exporter';
const HEALTH_ALERTS = ['ImageAvailabilityExporterDown', 'ImageAvailabilityExporterAbsent', 'ImageAvailabilityChecksStalled', 'ImageAvailabilityWatchFailing', 'ImageAvailabilityRegistryFailing'];

describe("alerts on the exporter's own health, end to end", () => {
  let api: ApiServer | undefined;
  let registry: TestRegistry;
  let exporter: TestExporter | undefined;
  let alerting: AlertingStack;

  beforeAll(async () => {
    [api, registry] = await Promise.all([startApiServer(), startRegistry({ auth: 'none' })]);
    await registry.pushImage('shop/web', 'v1');
    await createShopWeb(api.kubeconfigPath, [{ name: 'app', image: `${registry.host}/shop/web:v1` }]);
    exporter = await startExporter({ kubeconfig: api.kubeconfigPath, checkInterval: 2000, plainHttpRegistries: [registry.host] });
    // `for:` shortened to 5s: long enough that a healthy start (the first scrape) fires nothing.
    alerting = await startAlertingStack({
      rulesFile: join(repoRoot, 'monitoring', 'alerts.rules.yaml'),
      ruleFor: '5s',
      scrapeConfigs: [{ job_name: JOB, static_configs: [{ targets: [new URL(exporter.url).host] }] }],
    });
  }, 240_000);

  afterAll(async () => {
    await alerting?.stop();
    await exporter?.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
  });

  const fired = () => alerting.notifications.flatMap((n) => n.alerts).filter((a) => a.status === 'firing').map((a) => a.labels.alertname);

  test('a healthy exporter, scraped and checking, raises no health alert', async () => {
    await eventually(async () => (await exporter!.series()).some((s) => s.name === 'k8s_image_availability_exporter_deployment_available' && s.value === 1), Boolean, 30_000, 'the image checked');
    await eventually(
      async () => ((await (await fetch(`${alerting.prometheusUrl}/api/v1/query?query=${encodeURIComponent(`up{job="${JOB}"}`)}`)).json()) as { data: { result: unknown[] } }).data.result.length,
      (count) => count === 1,
      30_000,
      'Prometheus scraping the exporter',
    );
    await new Promise((resolve) => setTimeout(resolve, 12_000)); // more than `for:` plus an evaluation
    expect(fired().filter((name) => HEALTH_ALERTS.includes(name))).toEqual([]);
  }, 90_000);

  test('the API server stopped: ImageAvailabilityWatchFailing arrives, naming the job and pointing at its runbook', async () => {
    await api!.stop();
    api = undefined;
    const alert = await eventually(async () => alerting.alert('ImageAvailabilityWatchFailing', 'firing'), Boolean, 90_000, 'a firing ImageAvailabilityWatchFailing');
    expect(alert!.labels).toMatchObject({ job: JOB, severity: 'warning' });
    expect(alert!.annotations.runbook).toBe('docs/alerts.md#imageavailabilitywatchfailing');
    expect(alert!.annotations.summary).toMatch(/^The Kubernetes watch of 1 k8s-image-availability-exporter pod\(s\) fails$/);
  }, 120_000);

  test('the exporter stopped: ImageAvailabilityExporterDown arrives, and ImageAvailabilityExporterAbsent does not', async () => {
    await exporter!.stop();
    exporter = undefined;
    const alert = await eventually(async () => alerting.alert('ImageAvailabilityExporterDown', 'firing'), Boolean, 90_000, 'a firing ImageAvailabilityExporterDown');
    expect(alert!.labels).toMatchObject({ job: JOB, severity: 'warning' });
    expect(alert!.annotations.summary).toBe('Prometheus cannot scrape 1 k8s-image-availability-exporter target(s)');
    expect(alert!.annotations.runbook).toBe('docs/alerts.md#imageavailabilityexporterdown');
    expect(fired()).not.toContain('ImageAvailabilityExporterAbsent');
  }, 120_000);
});
