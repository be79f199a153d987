// Pods, Jobs and a custom resource with a pod template, against a real kube-apiserver and a real
// registry: bare Pods and Jobs, Pods of controllers the exporter does not know, and objects of a
// CustomResourceDefinition named by --extra-workload get their own series (created, image changed,
// deleted); Pods and Jobs a checked workload controls get none. The test API server runs no
// controllers, so ReplicaSets, Jobs and Pods are created here with the owner references their
// controllers would set.
import * as k8s from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { eventually, statusOf } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { ROLLOUT_CRD } from '../support/rollout-crd.js';

const NS = 'batch-team';
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const uid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const controller = (apiVersion: string, kind: string, name: string, id: string): k8s.V1OwnerReference => ({ apiVersion, kind, name, uid: id, controller: true });

describe('pods, jobs and extra workload kinds against a real API server', () => {
  let api: ApiServer;
  let registry: TestRegistry;
  let exporter: TestExporter;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let batch: k8s.BatchV1Api;
  let custom: k8s.CustomObjectsApi;
  let apiextensions: k8s.ApiextensionsV1Api;
  let image: (tag: string) => string;
  let replicaSetUid: string;

  const status = async (kind: string, name: string, container = 'app') => statusOf(await exporter.series(), kind, NS, name, container);
  const waitFor = (kind: string, name: string, expected: string | undefined, container = 'app') =>
    eventually(() => status(kind, name, container), (value) => value === expected, 20_000, `${kind} ${name}/${container} to be ${expected}`);
  const pod = (name: string, tag: string, owner?: k8s.V1OwnerReference): k8s.V1Pod => ({
    metadata: { name, ownerReferences: owner ? [owner] : undefined },
    spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: image(tag) }] },
  });
  const job = (name: string, tag: string, owner?: k8s.V1OwnerReference): k8s.V1Job => ({
    metadata: { name, ownerReferences: owner ? [owner] : undefined },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: image(tag) }] } } },
  });
  const rollout = (name: string, tag: string, replicas = 2) => ({
    apiVersion: 'example.com/v1alpha1',
    kind: 'Rollout',
    metadata: { name },
    spec: { replicas, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: image(tag) }] } } },
  });

  beforeAll(async () => {
    [api, registry] = await Promise.all([startApiServer(), startRegistry({ auth: 'none' })]);
    await registry.pushImage('team/app', 'v1');
    await registry.pushImage('team/app', 'v2');
    image = (tag) => `${registry.host}/team/app:${tag}`;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    batch = kc.makeApiClient(k8s.BatchV1Api);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    apiextensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
    await apiextensions.createCustomResourceDefinition({ body: ROLLOUT_CRD });
    await eventually(() => custom.listClusterCustomObject({ group: 'example.com', version: 'v1alpha1', plural: 'rollouts' }), () => true, 30_000, 'the Rollout CRD to be served');

    // Present before the exporter starts, so the first lists decide them.
    const deployment = await apps.createNamespacedDeployment({
      namespace: NS,
      body: { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: image('v1') }] } } } },
    });
    const replicaSet = await apps.createNamespacedReplicaSet({
      namespace: NS,
      body: {
        metadata: { name: 'web-5d8f', ownerReferences: [controller('apps/v1', 'Deployment', 'web', deployment.metadata!.uid!)] },
        spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: image('v1') }] } } },
      },
    });
    replicaSetUid = replicaSet.metadata!.uid!;
    await core.createNamespacedPod({ namespace: NS, body: pod('web-5d8f-abcde', 'v1', controller('apps/v1', 'ReplicaSet', 'web-5d8f', replicaSetUid)) });

    exporter = await startExporter({
      kubeconfig: api.kubeconfigPath,
      checkInterval: 60_000,
      retryInitialDelay: 500,
      plainHttpRegistries: [registry.host],
      checkPods: true,
      checkJobs: true,
      // Widgets' CRD is installed only later: the exporter must get ready without it and pick it up.
      extraWorkloads: ['example.com/v1alpha1/rollouts:spec.template:replicas=spec.replicas', 'widgets.example.org/v1/widgets:spec.podTemplate:suspend=spec.paused'],
    });
    await eventually(() => fetch(`${exporter.url}/readyz`).then((r) => r.status), (code) => code === 200, 30_000, '/readyz');
  }, 240_000);

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
  });

  test('bare Pod: created → available, image changed → absent, deleted → no series', async () => {
    await core.createNamespacedPod({ namespace: NS, body: pod('debug-shell', 'v1') });
    await waitFor('pod', 'debug-shell', 'available');
    await core.patchNamespacedPod({ namespace: NS, name: 'debug-shell', body: { spec: { containers: [{ name: 'app', image: image('v404') }] } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
    await waitFor('pod', 'debug-shell', 'absent');
    const labels = (await exporter.series()).filter((s) => s.labels.pod === 'debug-shell').map((s) => s.labels.image);
    expect(new Set(labels)).toEqual(new Set([image('v404')]));
    await core.deleteNamespacedPod({ namespace: NS, name: 'debug-shell', gracePeriodSeconds: 0 });
    await waitFor('pod', 'debug-shell', undefined);
  });

  test('a Pod of a Deployment\'s ReplicaSet has no pod series; orphaned from the Deployment, it is checked as a pod', async () => {
    await core.createNamespacedPod({ namespace: NS, body: pod('sentinel-1', 'v1') });
    await waitFor('pod', 'sentinel-1', 'available');
    // Created before the sentinel in the same watch: it would have its series by now.
    expect(await status('pod', 'web-5d8f-abcde')).toBeUndefined();
    expect(await status('deployment', 'web')).toBe('available');
    await apps.patchNamespacedReplicaSet({ namespace: NS, name: 'web-5d8f', body: { metadata: { ownerReferences: null } } }, merge);
    await waitFor('pod', 'web-5d8f-abcde', 'available');
  });

  test('Pods of a custom controller, directly or through its ReplicaSet, are checked as pods', async () => {
    const operatorRs = await apps.createNamespacedReplicaSet({
      namespace: NS,
      body: {
        metadata: { name: 'cache-7f9', ownerReferences: [controller('cache.example.org/v1', 'CacheCluster', 'cache', uid(1))] },
        spec: { selector: { matchLabels: { app: 'cache' } }, template: { metadata: { labels: { app: 'cache' } }, spec: { containers: [{ name: 'app', image: image('v1') }] } } },
      },
    });
    await core.createNamespacedPod({ namespace: NS, body: pod('cache-7f9-x1', 'v1', controller('apps/v1', 'ReplicaSet', 'cache-7f9', operatorRs.metadata!.uid!)) });
    await core.createNamespacedPod({ namespace: NS, body: pod('queue-0', 'v404', controller('queue.example.org/v1', 'QueueCluster', 'queue', uid(2))) });
    await waitFor('pod', 'cache-7f9-x1', 'available');
    await waitFor('pod', 'queue-0', 'absent');
  });

  test('a Pod whose ReplicaSet is not known yet has no series until it is; a bare ReplicaSet\'s Pod is checked as a pod', async () => {
    // The pod names a ReplicaSet uid the exporter has not seen: neither checked nor reported yet.
    const rsName = 'late-rs';
    await core.createNamespacedPod({ namespace: NS, body: pod('late-rs-p1', 'v1', controller('apps/v1', 'ReplicaSet', rsName, uid(3))) });
    await core.createNamespacedPod({ namespace: NS, body: pod('sentinel-2', 'v1') });
    await waitFor('pod', 'sentinel-2', 'available');
    expect(await status('pod', 'late-rs-p1')).toBeUndefined();
    // A ReplicaSet with that uid cannot be created through the API; a pod naming the real one
    // shows the same path: first unknown, then decided when the ReplicaSet arrives.
    const rs = await apps.createNamespacedReplicaSet({
      namespace: NS,
      body: { metadata: { name: rsName }, spec: { selector: { matchLabels: { app: 'late' } }, template: { metadata: { labels: { app: 'late' } }, spec: { containers: [{ name: 'app', image: image('v1') }] } } } },
    });
    await core.patchNamespacedPod({ namespace: NS, name: 'late-rs-p1', body: { metadata: { ownerReferences: [controller('apps/v1', 'ReplicaSet', rsName, rs.metadata!.uid!)] } } }, merge);
    await waitFor('pod', 'late-rs-p1', 'available');
  });

  test('Pods of StatefulSets, DaemonSets and a CronJob\'s Job have no pod series; a CronJob\'s Job no job series', async () => {
    const cronJob = await batch.createNamespacedCronJob({
      namespace: NS,
      body: { metadata: { name: 'nightly' }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: job('x', 'v1').spec! } } },
    });
    const cronJobsJob = await batch.createNamespacedJob({ namespace: NS, body: job('nightly-2901', 'v1', controller('batch/v1', 'CronJob', 'nightly', cronJob.metadata!.uid!)) });
    await core.createNamespacedPod({ namespace: NS, body: pod('nightly-2901-q8', 'v1', controller('batch/v1', 'Job', 'nightly-2901', cronJobsJob.metadata!.uid!)) });
    await core.createNamespacedPod({ namespace: NS, body: pod('db-0', 'v1', controller('apps/v1', 'StatefulSet', 'db', uid(4))) });
    await core.createNamespacedPod({ namespace: NS, body: pod('agent-x7', 'v1', controller('apps/v1', 'DaemonSet', 'agent', uid(5))) });
    await batch.createNamespacedJob({ namespace: NS, body: job('sentinel-job', 'v1') });
    await core.createNamespacedPod({ namespace: NS, body: pod('sentinel-3', 'v1') });
    await waitFor('job', 'sentinel-job', 'available');
    await waitFor('pod', 'sentinel-3', 'available');
    for (const name of ['nightly-2901-q8', 'db-0', 'agent-x7']) expect(await status('pod', name)).toBeUndefined();
    expect(await status('job', 'nightly-2901')).toBeUndefined();
    expect(await status('cronjob', 'nightly')).toBe('available');
  });

  test('bare Job: created → absent (labelled job_name), deleted → no series; its Pod is covered by the Job', async () => {
    const created = await batch.createNamespacedJob({ namespace: NS, body: job('migrate', 'v404') });
    await core.createNamespacedPod({ namespace: NS, body: pod('migrate-abc', 'v404', controller('batch/v1', 'Job', 'migrate', created.metadata!.uid!)) });
    await waitFor('job', 'migrate', 'absent');
    // `job` is the scrape target's label: the Job is named by job_name, as kube-state-metrics does.
    expect((await exporter.series()).find((s) => s.name === 'k8s_image_availability_exporter_job_absent' && s.labels.job_name === 'migrate')?.labels).toEqual({ namespace: NS, job_name: 'migrate', container: 'app', image: image('v404') });
    await core.createNamespacedPod({ namespace: NS, body: pod('sentinel-4', 'v1') });
    await waitFor('pod', 'sentinel-4', 'available');
    expect(await status('pod', 'migrate-abc')).toBeUndefined();
    // No garbage collector runs here: background propagation removes the Job at once.
    await batch.deleteNamespacedJob({ namespace: NS, name: 'migrate', propagationPolicy: 'Background' });
    await waitFor('job', 'migrate', undefined);
  });

  test('a Pod that Succeeded or Failed is no longer checked: it never pulls again', async () => {
    await core.createNamespacedPod({ namespace: NS, body: pod('one-off', 'v404') });
    await waitFor('pod', 'one-off', 'absent');
    await core.patchNamespacedPodStatus({ namespace: NS, name: 'one-off', body: { status: { phase: 'Failed' } } }, merge);
    await waitFor('pod', 'one-off', undefined);
  });

  test('a Rollout (custom resource): created → available, image changed → absent, scaled to 0 → none, deleted → none; its pods have no pod series', async () => {
    const target = { group: 'example.com', version: 'v1alpha1', namespace: NS, plural: 'rollouts' };
    const created = (await custom.createNamespacedCustomObject({ ...target, body: rollout('checkout', 'v1') })) as { metadata: { uid: string } };
    await waitFor('rollout', 'checkout', 'available');
    const rs = await apps.createNamespacedReplicaSet({
      namespace: NS,
      body: {
        metadata: { name: 'checkout-6c7', ownerReferences: [controller('example.com/v1alpha1', 'Rollout', 'checkout', created.metadata.uid)] },
        spec: { selector: { matchLabels: { app: 'checkout' } }, template: { metadata: { labels: { app: 'checkout' } }, spec: { containers: [{ name: 'app', image: image('v1') }] } } },
      },
    });
    await core.createNamespacedPod({ namespace: NS, body: pod('checkout-6c7-z', 'v1', controller('apps/v1', 'ReplicaSet', 'checkout-6c7', rs.metadata!.uid!)) });

    await custom.patchNamespacedCustomObject({ ...target, name: 'checkout', body: { spec: { template: { spec: { containers: [{ name: 'app', image: image('v404') }] } } } } }, merge);
    await waitFor('rollout', 'checkout', 'absent');
    const series = await exporter.series();
    expect(series.filter((s) => s.labels.rollout === 'checkout').map((s) => s.labels.image)).toEqual(Array(8).fill(image('v404')));
    expect(series.find((s) => s.name === 'k8s_image_availability_exporter_rollout_absent')?.labels).toEqual({ namespace: NS, rollout: 'checkout', container: 'app', image: image('v404') });
    expect(await status('pod', 'checkout-6c7-z')).toBeUndefined();

    await custom.patchNamespacedCustomObject({ ...target, name: 'checkout', body: { spec: { replicas: 0 } } }, merge);
    await waitFor('rollout', 'checkout', undefined);
    await custom.patchNamespacedCustomObject({ ...target, name: 'checkout', body: { spec: { replicas: 1 } } }, merge);
    await waitFor('rollout', 'checkout', 'absent');
    await custom.deleteNamespacedCustomObject({ ...target, name: 'checkout' });
    await waitFor('rollout', 'checkout', undefined);
  });

  test('an extra workload whose CRD is installed after the start: said at start, watched once served', async () => {
    const line = exporter.logs.find((entry) => entry.includes('cannot watch extra workload widgets.widgets.example.org'));
    expect(line).toMatch(/widgets\.example\.org\/v1 is not served by the API server: install the CustomResourceDefinition/);
    const crd = { ...ROLLOUT_CRD, metadata: { name: 'widgets.widgets.example.org' }, spec: { ...ROLLOUT_CRD.spec, group: 'widgets.example.org', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' } } };
    crd.spec.versions = [{ ...ROLLOUT_CRD.spec.versions[0], name: 'v1' }];
    await apiextensions.createCustomResourceDefinition({ body: crd });
    const target = { group: 'widgets.example.org', version: 'v1', namespace: NS, plural: 'widgets' };
    await eventually(() => custom.listNamespacedCustomObject(target), () => true, 30_000, 'the Widget CRD to be served');
    const widget = (paused: boolean) => ({ apiVersion: 'widgets.example.org/v1', kind: 'Widget', metadata: { name: 'gizmo' }, spec: { paused, podTemplate: { spec: { containers: [{ name: 'app', image: image('v404') }] } } } });
    await custom.createNamespacedCustomObject({ ...target, body: widget(false) });
    // Discovery is asked again with backoff (1 s doubling up to 30 s) since the start.
    await eventually(() => status('widget', 'gizmo'), (value) => value === 'absent', 45_000, 'widget gizmo to be absent');
    await custom.patchNamespacedCustomObject({ ...target, name: 'gizmo', body: { spec: { paused: true } } }, merge);
    await waitFor('widget', 'gizmo', undefined);
  }, 90_000);
});
