// Every pod-template kind the exporter checks is reviewed by its webhook: the built-in four, Jobs
// (--check-jobs), bare Pods (--check-pods) and a custom resource named by --extra-workload, with
// the webhook rules the chart renders for those values (real helm), registered in a real
// kube-apiserver and called by real kubectl against a real registry.
import * as k8s from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { helms, only, render } from '../support/helm.js';
import { kubectl } from '../support/kubectl.js';
import { eventually } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { ROLLOUT_CRD } from '../support/rollout-crd.js';
import { createTestCa, issueCert } from '../support/test-ca.js';
import { registerWebhook } from '../support/webhook-registration.js';

const NS = 'apps-team';
const EXTRA_WORKLOAD = 'example.com/v1alpha1/rollouts:spec.template:replicas=spec.replicas';
type Rule = { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[]; scope: string };

const podSpec = (image: string, restartPolicy?: string) => ({ restartPolicy, containers: [{ name: 'app', image }] });
const template = (name: string, image: string, restartPolicy?: string) => ({ metadata: { labels: { app: name } }, spec: podSpec(image, restartPolicy) });
const selector = (name: string) => ({ matchLabels: { app: name } });

/** One object of each kind, named after it, running `image`. */
const manifests: Record<string, (image: string) => object> = {
  Deployment: (image) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'deployment' }, spec: { replicas: 1, selector: selector('deployment'), template: template('deployment', image) } }),
  StatefulSet: (image) => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'statefulset' }, spec: { replicas: 1, serviceName: 'statefulset', selector: selector('statefulset'), template: template('statefulset', image) } }),
  DaemonSet: (image) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'daemonset' }, spec: { selector: selector('daemonset'), template: template('daemonset', image) } }),
  CronJob: (image) => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cronjob' }, spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: template('cronjob', image, 'Never') } } } }),
  Job: (image) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job' }, spec: { template: template('job', image, 'Never') } }),
  Pod: (image) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod' }, spec: podSpec(image, 'Never') }),
  Rollout: (image) => ({ apiVersion: 'example.com/v1alpha1', kind: 'Rollout', metadata: { name: 'rollout' }, spec: { replicas: 1, template: template('rollout', image) } }),
};

describe('the webhook reviews every kind the exporter checks, with the rules the chart renders', () => {
  let dir: string;
  let api: ApiServer;
  let registry: TestRegistry;
  let exporter: TestExporter;
  let rules: Rule[];

  const apply = (manifest: object, ...extra: string[]) => kubectl(api.kubeconfigPath, ['apply', '-n', NS, '-f', '-', ...extra], JSON.stringify(manifest));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'admission-kinds-'));
    [api, registry] = await Promise.all([startApiServer(), startRegistry({ auth: 'none' })]);
    await registry.pushImage('team/app', 'v1');
    const ca = await createTestCa(dir);
    const cert = await issueCert(ca, 'webhook', 'server');
    exporter = await startExporter({
      kubeconfig: api.kubeconfigPath,
      checkPods: true,
      checkJobs: true,
      extraWorkloads: [EXTRA_WORKLOAD],
      admissionBindAddress: '127.0.0.1:0',
      admissionTlsCertFile: cert.certFile,
      admissionTlsKeyFile: cert.keyFile,
    });

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    await kc.makeApiClient(k8s.ApiextensionsV1Api).createCustomResourceDefinition({ body: ROLLOUT_CRD });
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await eventually(() => custom.listClusterCustomObject({ group: 'example.com', version: 'v1alpha1', plural: 'rollouts' }), () => true, 30_000, 'the Rollout CRD to be served');

    const rendered = render(helms[0].path, { values: { admission: { enabled: true }, checkPods: true, checkJobs: true, extraWorkloads: [EXTRA_WORKLOAD] } });
    rules = (only(rendered, 'ValidatingWebhookConfiguration') as unknown as { webhooks: Array<{ rules: Rule[] }> }).webhooks[0].rules;
    await registerWebhook(kc, { port: exporter.admissionPort!, caPem: ca.caPem, rules: rules });
    // The API server picks up a new webhook configuration a moment after it is stored.
    await eventually(() => apply(manifests.Deployment(`${registry.host}/team/app:probe`), '--dry-run=server'), (r) => r.stderr.includes('does not exist'), 30_000, 'the webhook to be called');
  }, 180_000);

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  test('the chart\'s rules name the four kinds, jobs, pods and the extra workload resource, CREATE and UPDATE', () => {
    const named = rules.flatMap((rule) => rule.resources.map((resource) => `${rule.apiGroups[0]}/${rule.apiVersions[0]}/${resource}`)).sort();
    expect(named).toEqual(['/v1/pods', 'apps/v1/daemonsets', 'apps/v1/deployments', 'apps/v1/statefulsets', 'batch/v1/cronjobs', 'batch/v1/jobs', 'example.com/v1alpha1/rollouts']);
    expect(rules.every((rule) => rule.operations.join() === 'CREATE,UPDATE' && rule.scope === 'Namespaced')).toBe(true);
  });

  test.each(Object.keys(manifests))('%s with a missing tag → kubectl apply prints the warning naming the kind', async (kind) => {
    const image = `${registry.host}/team/app:missing`;
    const result = await apply(manifests[kind](image), '--dry-run=server');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`Warning: image ${image} does not exist in its registry (404); pods of this ${kind} will fail with ImagePullBackOff`);
  });

  test('Rollout scaled to zero (its replicas path) → not reviewed, as the exporter does not check it', async () => {
    const scaledDown = manifests.Rollout(`${registry.host}/team/app:missing`) as { spec: { replicas: number } };
    scaledDown.spec.replicas = 0;
    const result = await apply(scaledDown, '--dry-run=server');
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('Warning');
  });

  test('Pod whose image is changed by an update → warned about the new image', async () => {
    expect((await apply(manifests.Pod(`${registry.host}/team/app:v1`))).stderr).not.toContain('Warning');
    const result = await kubectl(api.kubeconfigPath, ['set', 'image', '-n', NS, 'pod/pod', `app=${registry.host}/team/app:gone`]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`Warning: image ${registry.host}/team/app:gone does not exist in its registry (404); pods of this Pod will fail`);
  });
});
