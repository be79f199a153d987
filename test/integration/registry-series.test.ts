// Per-registry series against the real API server: workload authors choose registry hosts, so
// the label values are capped, and a registry no workload uses any more leaves no series behind.
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { MAX_REGISTRY_LABELS } from '../../src/metrics/metrics.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { eventually, type Series } from '../support/metrics-text.js';

const NS = 'made-up';
const WORKLOADS = 200;
const PER_REGISTRY = ['checks_total', 'check_duration_seconds_count', 'last_check_timestamp_seconds', 'registry_requests_total'].map((name) => `k8s_image_availability_exporter_${name}`);

/** Loopback ports with nothing listening (so each made-up registry refuses at once). */
function closedPorts(count: number): number[] {
  const listening = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A') listening.add(parseInt(local.split(':').pop()!, 16));
    }
  }
  const ports: number[] = [];
  for (let port = 1; ports.length < count && port < 1024; port++) if (!listening.has(port)) ports.push(port);
  return ports;
}

const registryLabels = (series: Series[]) => new Set(series.filter((s) => PER_REGISTRY.includes(s.name)).map((s) => s.labels.registry));

describe('per-registry series', () => {
  let api: ApiServer;
  let exporter: TestExporter;
  let apps: k8s.AppsV1Api;

  beforeAll(async () => {
    api = await startApiServer();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    exporter = await startExporter({ kubeconfig: api.kubeconfigPath, checkInterval: 600_000, retryInitialDelay: 600_000, registryRequestTimeout: 2000 });
    await eventually(() => fetch(`${exporter.url}/readyz`).then((r) => r.status), (code) => code === 200, 30_000, '/readyz');
  }, 180_000);

  afterAll(async () => {
    await exporter?.stop();
    await api?.stop();
  });

  test(`${WORKLOADS} workloads on made-up hosts: at most ${MAX_REGISTRY_LABELS} registry label values plus "other"; deleted → no per-registry series left`, async () => {
    const ports = closedPorts(WORKLOADS);
    expect(ports).toHaveLength(WORKLOADS);
    for (const [i, port] of ports.entries()) {
      await apps.createNamespacedDeployment({
        namespace: NS,
        body: {
          metadata: { name: `w${i}` },
          spec: { selector: { matchLabels: { app: `w${i}` } }, template: { metadata: { labels: { app: `w${i}` } }, spec: { containers: [{ name: 'app', image: `127.0.0.1:${port}/team/app:v1` }] } } },
        },
      });
    }
    const checked = await eventually(
      () => exporter.series(),
      (series) => series.filter((s) => s.name === 'k8s_image_availability_exporter_deployment_registry_unavailable' && s.value === 1).length === WORKLOADS,
      60_000,
      'every made-up registry checked',
    );
    const labels = registryLabels(checked);
    expect(labels.size).toBe(MAX_REGISTRY_LABELS + 1);
    expect(labels.has('other')).toBe(true);
    const other = checked.find((s) => s.name === 'k8s_image_availability_exporter_checks_total' && s.labels.registry === 'other');
    expect(other?.value).toBe(WORKLOADS - MAX_REGISTRY_LABELS);

    await apps.deleteCollectionNamespacedDeployment({ namespace: NS });
    const after = await eventually(
      () => exporter.series(),
      (series) => series.some((s) => s.name === 'k8s_image_availability_exporter_tracked_images' && s.value === 0),
      30_000,
      'tracked_images 0',
    );
    expect([...registryLabels(after)]).toEqual([]);
  }, 180_000);
});
