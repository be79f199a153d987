// The alert reaches a human: exporter (real kube-apiserver, real registry with one image missing)
// → real Prometheus with monitoring/alerts.rules.yaml → real Alertmanager → a webhook receiver
// here. Then the image is pushed and the alert resolves. Once per metrics format, each with its
// rules (monitoring/alerts.unified.rules.yaml for the unified gauges).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { eventually } from '../support/metrics-text.js';
import { freePort, startProcess, waitForHttp, type ManagedProcess } from '../support/processes.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { repoRoot } from '../support/tools.js';

type Notification = { status: string; alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }> };

describe.each([
  { format: 'per-kind', rulesFile: 'alerts.rules.yaml', workloadLabel: 'deployment' },
  { format: 'unified', rulesFile: 'alerts.unified.rules.yaml', workloadLabel: 'name' },
] as const)('alert end to end, $format gauges', ({ format, rulesFile, workloadLabel }) => {
  let api: ApiServer;
  let registry: TestRegistry;
  let exporter: TestExporter;
  let prometheus: ManagedProcess;
  let alertmanager: ManagedProcess;
  let receiver: Server;
  const notifications: Notification[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iae-e2e-'));
    [api, registry] = await Promise.all([startApiServer(), startRegistry({ auth: 'none' })]);
    await registry.pushImage('shop/web', 'v1');

    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        notifications.push(JSON.parse(body) as Notification);
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: 'shop' } } });
    await kc.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({
      namespace: 'shop',
      body: {
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: `${registry.host}/shop/web:v2` }, { name: 'sidecar', image: `${registry.host}/shop/web:v1` }] } },
        },
      },
    });

    exporter = await startExporter({ kubeconfig: api.kubeconfigPath, checkInterval: 2000, plainHttpRegistries: [registry.host], metricsFormat: format });

    // The shipped rules, with `for:` shortened so the test does not wait five minutes.
    const rules = parse(readFileSync(join(repoRoot, 'monitoring', rulesFile), 'utf8')) as { groups: Array<{ rules: Array<{ for?: string }> }> };
    rules.groups.forEach((group) => group.rules.forEach((rule) => rule.for && (rule.for = '2s')));
    writeFileSync(join(dir, 'rules.yaml'), stringify(rules));

    const amPort = await freePort();
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      stringify({
        route: { receiver: 'test', group_by: ['alertname', 'namespace'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
        receivers: [{ name: 'test', webhook_configs: [{ url: receiverUrl, send_resolved: true }] }],
      }),
    );
    alertmanager = startProcess('prometheus-alertmanager', [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ]);
    await waitForHttp(`http://127.0.0.1:${amPort}/-/ready`, 30_000, alertmanager);

    const promPort = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(dir, 'rules.yaml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: [{ job_name: 'image-availability-exporter', static_configs: [{ targets: [new URL(exporter.url).host] }] }],
      }),
    );
    prometheus = startProcess('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    await waitForHttp(`http://127.0.0.1:${promPort}/-/ready`, 30_000, prometheus);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([prometheus?.stop(), alertmanager?.stop()]);
    await exporter?.stop();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await Promise.all([api?.stop(), registry?.stop()]);
  });

  const firing = (n: Notification) => n.alerts.find((a) => a.labels.alertname === 'DeploymentImageUnavailable' && a.status === 'firing');
  const resolved = (n: Notification) => n.alerts.find((a) => a.labels.alertname === 'DeploymentImageUnavailable' && a.status === 'resolved');

  test('DeploymentImageUnavailable arrives with the right labels and text, then resolves when the image is pushed', async () => {
    const fired = await eventually(async () => notifications.map(firing).find(Boolean), Boolean, 90_000, 'a firing DeploymentImageUnavailable notification');
    expect(fired!.labels).toMatchObject({ namespace: 'shop', [workloadLabel]: 'web', container: 'app', image: `${registry.host}/shop/web:v2`, severity: 'warning' });
    expect(fired!.annotations.summary).toContain(`${registry.host}/shop/web:v2`);
    expect(fired!.annotations.summary).toContain('shop/web');
    expect(fired!.annotations.description).toContain('Container app');
    expect(fired!.annotations.description).not.toMatch(/<no value>/);
    // the available sidecar never alerted
    expect(notifications.flatMap((n) => n.alerts).some((a) => a.labels.container === 'sidecar')).toBe(false);

    await registry.pushImage('shop/web', 'v2');
    const gone = await eventually(async () => notifications.map(resolved).find(Boolean), Boolean, 90_000, 'the resolved notification');
    expect(gone!.labels).toMatchObject({ [workloadLabel]: 'web', container: 'app' });
  }, 200_000);
});
