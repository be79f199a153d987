// A watch whose resourceVersion has been compacted away gets 410 Gone from the real API server;
// the exporter must re-list and carry on with correct series. The API server runs without its
// watch cache, with etcd compacted every second and watches ended after 1-2 s, so every resumed
// watch starts from a revision etcd no longer has.
import * as k8s from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { eventually, statusOf } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const NS = 'shop';

describe('watch expiry (410 Gone)', () => {
  let api: ApiServer;
  let registry: TestRegistry;
  let exporter: TestExporter;
  let apps: k8s.AppsV1Api;
  let core: k8s.CoreV1Api;

  const deployment = (name: string, image: string): k8s.V1Deployment => ({
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } } },
  });

  beforeAll(async () => {
    [api, registry] = await Promise.all([
      startApiServer({ apiserverArgs: ['--watch-cache=false', '--etcd-compaction-interval=1s', '--min-request-timeout=1'] }),
      startRegistry({ auth: 'none' }),
    ]);
    await registry.pushImage('team/app', 'v1');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment('before', `${registry.host}/team/app:v1`) });
    exporter = await startExporter({ kubeconfig: api.kubeconfigPath, checkInterval: 60_000, plainHttpRegistries: [registry.host] });
    await eventually(() => fetch(`${exporter.url}/readyz`).then((r) => r.status), (code) => code === 200, 30_000, '/readyz');
  }, 240_000);

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
  });

  test('the exporter re-lists after 410 Gone and keeps its series right', async () => {
    await eventually(async () => statusOf(await exporter.series(), 'deployment', NS, 'before', 'app'), (s) => s === 'available', 15_000, 'before to be available');
    // Writes elsewhere move etcd's revision on; compaction then drops the one the deployment watch holds.
    for (let i = 0; i < 5; i++) {
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: `churn-${i}` } } });
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    const relisted = await eventually(async () => exporter.logs.find((line) => /"msg":"re-listed deployments\.apps"/.test(line)), Boolean, 30_000, 'a re-list of deployments');
    expect(relisted).toBeDefined();
    // It was the 410, not a failed watch: the informer re-lists on its own only when a watch
    // ended with 410 Gone; after any other failure it is restarted with a warning.
    expect(exporter.logs.filter((line) => /watch of deployments\.apps failed|not allowed/.test(line))).toEqual([]);

    // And the exporter still follows changes.
    await apps.deleteNamespacedDeployment({ namespace: NS, name: 'before' });
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment('after', `${registry.host}/team/app:v2`) });
    await eventually(async () => statusOf(await exporter.series(), 'deployment', NS, 'after', 'app'), (s) => s === 'absent', 15_000, 'after to be absent');
    await eventually(async () => statusOf(await exporter.series(), 'deployment', NS, 'before', 'app'), (s) => s === undefined, 15_000, 'before to be gone');
  }, 90_000);
});
