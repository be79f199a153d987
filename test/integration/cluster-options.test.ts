// Opt-in features that live on the API side, against the real API server: Warning events on the
// workload (--record-events), namespace selection by label (--namespace-label), and platform
// coverage from the nodes' labels (--check-platforms).
import * as k8s from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { eventually, statusOf } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const deployment = (name: string, image: string): k8s.V1Deployment => ({
  metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } } },
});

describe('cluster-side options', () => {
  let api: ApiServer;
  let registry: TestRegistry;
  let apps: k8s.AppsV1Api;
  let core: k8s.CoreV1Api;
  let exporter: TestExporter | undefined;

  const start = async (settings: Parameters<typeof startExporter>[0]) => {
    exporter = await startExporter({ kubeconfig: api.kubeconfigPath, plainHttpRegistries: [registry.host], ...settings });
    await eventually(() => fetch(`${exporter!.url}/readyz`).then((r) => r.status), (code) => code === 200, 30_000, '/readyz');
    return exporter;
  };

  beforeAll(async () => {
    [api, registry] = await Promise.all([startApiServer(), startRegistry({ auth: 'none' })]);
    await registry.pushImage('team/app', 'v1');
    await registry.pushIndex('team/amd-only', 'v1', { format: 'oci-index', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    core = kc.makeApiClient(k8s.CoreV1Api);
  }, 240_000);

  afterEach(async () => {
    await exporter?.stop();
    exporter = undefined;
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), registry?.stop()]);
  });

  test('record events: one Warning ImageUnavailable on the Deployment, none for the healthy one, no repeats', async () => {
    await core.createNamespace({ body: { metadata: { name: 'events' } } });
    const broken = await apps.createNamespacedDeployment({ namespace: 'events', body: deployment('broken', `${registry.host}/team/app:v404`) });
    await apps.createNamespacedDeployment({ namespace: 'events', body: deployment('healthy', `${registry.host}/team/app:v1`) });
    // A short interval: many checks of the same absent image, still one event.
    await start({ recordEvents: true, checkInterval: 500 });

    const listEvents = async () => (await core.listNamespacedEvent({ namespace: 'events' })).items.filter((event) => event.reason === 'ImageUnavailable');
    const [event] = await eventually(listEvents, (events) => events.length > 0, 15_000, 'an ImageUnavailable event');
    expect(event).toMatchObject({
      type: 'Warning',
      involvedObject: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'broken', namespace: 'events', uid: broken.metadata!.uid },
      source: { component: 'k8s-image-availability-exporter' },
    });
    expect(event.message).toContain(`${registry.host}/team/app:v404`);
    expect(event.message).toContain('container app is absent');

    await new Promise((resolve) => setTimeout(resolve, 3000));
    const events = await listEvents();
    expect(events).toHaveLength(1);
    expect(events.some((e) => e.involvedObject.name === 'healthy')).toBe(false);
  });

  test('namespace label: only labelled namespaces are checked, and a label change applies at once', async () => {
    await core.createNamespace({ body: { metadata: { name: 'team-on', labels: { 'image-checks': 'enabled' } } } });
    await core.createNamespace({ body: { metadata: { name: 'team-off' } } });
    for (const namespace of ['team-on', 'team-off']) await apps.createNamespacedDeployment({ namespace, body: deployment('web', `${registry.host}/team/app:v1`) });
    const exporter = await start({ namespaceLabel: 'image-checks=enabled', checkInterval: 60_000 });
    const status = async (namespace: string) => statusOf(await exporter.series(), 'deployment', namespace, 'web', 'app');

    await eventually(() => status('team-on'), (s) => s === 'available', 15_000, 'team-on to be checked');
    expect(await status('team-off')).toBeUndefined();

    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await core.patchNamespace({ name: 'team-off', body: { metadata: { labels: { 'image-checks': 'enabled' } } } }, merge);
    await core.patchNamespace({ name: 'team-on', body: { metadata: { labels: { 'image-checks': null } } } }, merge);
    await eventually(() => status('team-off'), (s) => s === 'available', 15_000, 'team-off to be checked once labelled');
    await eventually(() => status('team-on'), (s) => s === undefined, 15_000, 'team-on to go once unlabelled');
  });

  test('platforms: an arm64 node and an amd64-only index → platform_missing for linux/arm64 until that node goes', async () => {
    const node = (name: string, arch: string): k8s.V1Node => ({ metadata: { name, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch } } });
    await core.createNode({ body: node('node-amd', 'amd64') });
    await core.createNode({ body: node('node-arm', 'arm64') });
    await core.createNamespace({ body: { metadata: { name: 'platforms' } } });
    await apps.createNamespacedDeployment({ namespace: 'platforms', body: deployment('agent', `${registry.host}/team/amd-only:v1`) });
    const exporter = await start({ checkPlatforms: true, checkInterval: 60_000 });

    const missing = async () =>
      Object.fromEntries(
        (await exporter.series())
          .filter((s) => s.name === 'k8s_image_availability_exporter_platform_missing' && s.labels.namespace === 'platforms')
          .map((s) => [s.labels.platform, s.value]),
      );
    await eventually(missing, (m) => m['linux/arm64'] === 1, 15_000, 'linux/arm64 missing');
    expect(await missing()).toEqual({ 'linux/amd64': 0, 'linux/arm64': 1 });

    await core.deleteNode({ name: 'node-arm' });
    await eventually(missing, (m) => m['linux/arm64'] === undefined, 15_000, 'the arm64 series to go with the node');
    expect(await missing()).toEqual({ 'linux/amd64': 0 });
  });
});
