// The whole exporter against a real kube-apiserver and a real registry: workloads created,
// changed, scaled and deleted through the API; metrics asserted on /metrics.
import * as k8s from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { eventually, statusOf } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const NS = 'shop';
const podTemplate = (labels: Record<string, string>, spec: k8s.V1PodSpec): k8s.V1PodTemplateSpec => ({ metadata: { labels }, spec });

describe('exporter against a real API server and registries', () => {
  let api: ApiServer;
  let publicRegistry: TestRegistry;
  let privateRegistry: TestRegistry;
  let exporter: TestExporter;
  let apps: k8s.AppsV1Api;
  let batch: k8s.BatchV1Api;
  let core: k8s.CoreV1Api;

  const status = async (kind: string, name: string, container: string) => statusOf(await exporter.series(), kind, NS, name, container);
  const waitFor = (kind: string, name: string, container: string, expected: string | undefined, timeoutMs = 15_000) =>
    eventually(() => status(kind, name, container), (value) => value === expected, timeoutMs, `${kind} ${name}/${container} to be ${expected}`);

  beforeAll(async () => {
    [api, publicRegistry, privateRegistry] = await Promise.all([
      startApiServer(),
      startRegistry({ auth: 'none' }),
      startRegistry({ auth: 'htpasswd', users: { puller: 'pull-password-123' } }),
    ]);
    await publicRegistry.pushImage('team/app', 'v1');
    await publicRegistry.pushImage('team/init', 'v1');
    await privateRegistry.pushImage('secret/app', 'v1');

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    batch = kc.makeApiClient(k8s.BatchV1Api);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    const dockerConfig = { auths: { [privateRegistry.host]: { auth: Buffer.from('puller:pull-password-123').toString('base64') } } };
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerConfig)).toString('base64') } },
    });
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'builder' }, imagePullSecrets: [{ name: 'regcred' }] } });

    exporter = await startExporter({
      kubeconfig: api.kubeconfigPath,
      checkInterval: 60_000,
      retryInitialDelay: 500,
      plainHttpRegistries: [publicRegistry.host, privateRegistry.host],
    });
    await eventually(() => fetch(`${exporter.url}/readyz`).then((r) => r.status), (code) => code === 200, 30_000, '/readyz');
  }, 240_000);

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all([api?.stop(), publicRegistry?.stop(), privateRegistry?.stop()]);
  });

  test('a Deployment with an init container: both images available', async () => {
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: podTemplate({ app: 'web' }, {
            initContainers: [{ name: 'migrate', image: `${publicRegistry.host}/team/init:v1` }],
            containers: [{ name: 'app', image: `${publicRegistry.host}/team/app:v1` }],
          }),
        },
      },
    });
    await waitFor('deployment', 'web', 'app', 'available');
    await waitFor('deployment', 'web', 'migrate', 'available');
  });

  test('a StatefulSet with a missing tag → absent', async () => {
    await apps.createNamespacedStatefulSet({
      namespace: NS,
      body: {
        metadata: { name: 'db' },
        spec: {
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: podTemplate({ app: 'db' }, { containers: [{ name: 'db', image: `${publicRegistry.host}/team/app:v404` }] }),
        },
      },
    });
    await waitFor('statefulset', 'db', 'db', 'absent');
  });

  test('a DaemonSet pulls with its ServiceAccount imagePullSecrets; a CronJob without them fails auth', async () => {
    await apps.createNamespacedDaemonSet({
      namespace: NS,
      body: {
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: podTemplate({ app: 'agent' }, { serviceAccountName: 'builder', containers: [{ name: 'agent', image: `${privateRegistry.host}/secret/app:v1` }] }),
        },
      },
    });
    await batch.createNamespacedCronJob({
      namespace: NS,
      body: {
        metadata: { name: 'nightly' },
        spec: {
          schedule: '0 3 * * *',
          jobTemplate: { spec: { template: podTemplate({ app: 'nightly' }, { restartPolicy: 'OnFailure', containers: [{ name: 'job', image: `${privateRegistry.host}/secret/app:v1` }] }) } },
        },
      },
    });
    await waitFor('daemonset', 'agent', 'agent', 'available');
    await waitFor('cronjob', 'nightly', 'job', 'authentication_failure');
  });

  test('template imagePullSecrets work too, and the password never shows in metrics or logs', async () => {
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'private' },
        spec: {
          selector: { matchLabels: { app: 'private' } },
          template: podTemplate({ app: 'private' }, { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image: `${privateRegistry.host}/secret/app:v1` }] }),
        },
      },
    });
    await waitFor('deployment', 'private', 'app', 'available');
    const everything = `${await exporter.scrape()}\n${exporter.logs.join('\n')}`;
    expect(everything).not.toContain('pull-password-123');
    expect(everything).not.toContain(Buffer.from('puller:pull-password-123').toString('base64'));
  });

  test('a bad image reference → bad_image_format', async () => {
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'typo' },
        spec: { selector: { matchLabels: { app: 'typo' } }, template: podTemplate({ app: 'typo' }, { containers: [{ name: 'app', image: 'Team/App:v1' }] }) },
      },
    });
    await waitFor('deployment', 'typo', 'app', 'bad_image_format');
  });

  test('changing the image: the metric follows, and the old image series goes away', async () => {
    await apps.patchNamespacedDeployment(
      { namespace: NS, name: 'web', body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: `${publicRegistry.host}/team/app:v2` }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    await waitFor('deployment', 'web', 'app', 'absent');
    const series = await exporter.series();
    const images = series.filter((s) => s.labels.deployment === 'web' && s.labels.container === 'app').map((s) => s.labels.image);
    expect(new Set(images)).toEqual(new Set([`${publicRegistry.host}/team/app:v2`]));
    await publicRegistry.pushImage('team/app', 'v2');
  });

  test('scaled to zero and suspended workloads are not reported by default', async () => {
    await apps.patchNamespacedDeployment(
      { namespace: NS, name: 'typo', body: { spec: { replicas: 0 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await batch.patchNamespacedCronJob(
      { namespace: NS, name: 'nightly', body: { spec: { suspend: true } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await waitFor('deployment', 'typo', 'app', undefined);
    await waitFor('cronjob', 'nightly', 'job', undefined);
  });

  test('a deleted workload takes its series with it', async () => {
    await apps.deleteNamespacedStatefulSet({ namespace: NS, name: 'db' });
    await waitFor('statefulset', 'db', 'db', undefined);
  });

  test('API server restart: the exporter resumes, sees changes made meanwhile, keeps no stale series', async () => {
    await api.restart();
    await apps.deleteNamespacedDaemonSet({ namespace: NS, name: 'agent' });
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'after-restart' },
        spec: { selector: { matchLabels: { app: 'ar' } }, template: podTemplate({ app: 'ar' }, { containers: [{ name: 'app', image: `${publicRegistry.host}/team/init:v1` }] }) },
      },
    });
    await waitFor('deployment', 'after-restart', 'app', 'available', 60_000);
    await waitFor('daemonset', 'agent', 'agent', undefined, 60_000);
    expect(await status('deployment', 'private', 'app')).toBe('available');
  }, 120_000);

  test('exporter restart: metrics rebuilt from the API alone, nothing kept from before', async () => {
    const before = (await exporter.series()).filter((s) => s.value === 1 && s.labels.namespace === NS);
    await exporter.stop();
    // Changed while no exporter runs: one workload goes, one comes.
    await apps.deleteNamespacedDeployment({ namespace: NS, name: 'private' });
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'while-down' },
        spec: { selector: { matchLabels: { app: 'wd' } }, template: podTemplate({ app: 'wd' }, { containers: [{ name: 'app', image: `${publicRegistry.host}/team/app:v1` }] }) },
      },
    });
    exporter = await startExporter({ kubeconfig: api.kubeconfigPath, checkInterval: 60_000, retryInitialDelay: 500, plainHttpRegistries: [publicRegistry.host, privateRegistry.host] });
    await eventually(() => fetch(`${exporter.url}/readyz`).then((r) => r.status), (code) => code === 200, 30_000, '/readyz');
    await waitFor('deployment', 'while-down', 'app', 'available');
    await waitFor('deployment', 'after-restart', 'app', 'available');
    // Kind and labels, not the status: the new exporter checks afresh (team/app:v2 was pushed after
    // the old one last checked it, so it now reads available).
    const key = (s: { name: string; labels: Record<string, string> }) => `${s.name.split('_')[4]}{${Object.entries(s.labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}}`;
    // Exactly the series from before, minus the deleted workload, plus the new one, once every
    // image has its first result again (the two waits above cover only their own images).
    const expected = before.filter((s) => s.labels.deployment !== 'private').map(key);
    const current = async () => (await exporter.series()).filter((s) => s.value === 1 && s.labels.namespace === NS);
    const after = await eventually(current, (series) => series.filter((s) => s.labels.deployment !== 'while-down').length >= expected.length, 30_000, 'a result for every image again');
    expect(after.filter((s) => s.labels.deployment !== 'while-down').map(key).sort()).toEqual(expected.sort());
    expect(after.some((s) => s.labels.deployment === 'private')).toBe(false);
    expect(await status('deployment', 'web', 'app')).toBe('available');
  }, 60_000);
});
