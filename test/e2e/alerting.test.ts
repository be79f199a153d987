// The alert reaches a human: exporter (real kube-apiserver, real registry with one image missing)
// → real Prometheus with monitoring/alerts.rules.yaml → real Alertmanager → a webhook receiver
// here. Then the image is pushed and the alert resolves. Once per metrics format, each with its
// rules (monitoring/alerts.unified.rules.yaml for the unified gauges).
import { join } from 'node:path';
import { startAlertingStack, type AlertingStack } from '../support/alerting-stack.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { eventually } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { createShopWeb } from '../support/web-deployment.js';
import { repoRoot } from '../support/tools.js';

describe.each([
  { format: 'per-kind', rulesFile: 'alerts.rules.yaml', workloadLabel: 'deployment' },
  { format: 'unified', rulesFile: 'alerts.unified.rules.yaml', workloadLabel: 'name' },
] as const)('alert end to end, $format gauges', ({ format, rulesFile, workloadLabel }) => {
  let api: ApiServer;
  let registry: TestRegistry;
  let exporter: TestExporter;
  let alerting: AlertingStack;

  beforeAll(async () => {
    [api, registry] = await Promise.all([startApiServer(), startRegistry({ auth: 'none' })]);
    await registry.pushImage('shop/web', 'v1');

    await createShopWeb(api.kubeconfigPath, [
      { name: 'app', image: `${registry.host}/shop/web:v2` },
      { name: 'sidecar', image: `${registry.host}/shop/web:v1` },
    ]);

    exporter = await startExporter({ kubeconfig: api.kubeconfigPath, checkInterval: 2000, plainHttpRegistries: [registry.host], metricsFormat: format });

    // The shipped rules, with `for:` shortened so the test does not wait five minutes.
    alerting = await startAlertingStack({
      rulesFile: join(repoRoot, 'monitoring', rulesFile),
      scrapeConfigs: [{ job_name: 'k8s-image-availability-exporter', static_configs: [{ targets: [new URL(exporter.url).host] }] }],
    });
  }, 240_000);

  afterAll(async () => {
    await alerting?.stop();
    await exporter?.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
  });

  test('DeploymentImageUnavailable arrives with the right labels and text, then resolves when the image is pushed', async () => {
    const fired = await eventually(async () => alerting.alert('DeploymentImageUnavailable', 'firing'), Boolean, 90_000, 'a firing DeploymentImageUnavailable notification');
    expect(fired!.labels).toMatchObject({ namespace: 'shop', [workloadLabel]: 'web', container: 'app', image: `${registry.host}/shop/web:v2`, severity: 'warning' });
    expect(fired!.annotations.summary).toContain(`${registry.host}/shop/web:v2`);
    expect(fired!.annotations.summary).toContain('shop/web');
    expect(fired!.annotations.description).toContain('Container app');
    expect(fired!.annotations.description).not.toMatch(/<no value>/);
    // the available sidecar never alerted
    expect(alerting.notifications.flatMap((n) => n.alerts).some((a) => a.labels.container === 'sidecar')).toBe(false);

    await registry.pushImage('shop/web', 'v2');
    const gone = await eventually(async () => alerting.alert('DeploymentImageUnavailable', 'resolved'), Boolean, 90_000, 'the resolved notification');
    expect(gone!.labels).toMatchObject({ [workloadLabel]: 'web', container: 'app' });
  }, 200_000);
});
