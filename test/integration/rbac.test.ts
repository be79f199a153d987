// The chart's ClusterRole is enough and not more: the exporter runs against the real API server
// as a ServiceAccount bound to exactly the rules `helm template` renders, and with any one rule
// taken away it says which permission it lacks instead of going quiet.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { Settings } from '../../src/settings/config.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { helm3, only, render } from '../support/helm.js';
import { eventually, statusOf } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

type Rule = k8s.V1PolicyRule;
const EXPORTER_NS = 'monitoring';
const NS = 'shop';

describe('exporter with the chart ClusterRole', () => {
  let api: ApiServer;
  let registry: TestRegistry;
  let admin: k8s.KubeConfig;
  let rbac: k8s.RbacAuthorizationV1Api;
  let core: k8s.CoreV1Api;
  let chartRules: Rule[];
  const dir = mkdtempSync(join(tmpdir(), 'iae-rbac-'));
  const running: TestExporter[] = [];

  /** A kubeconfig file for a new ServiceAccount bound to a ClusterRole with `rules`. */
  async function kubeconfigWith(name: string, rules: Rule[]): Promise<string> {
    await core.createNamespacedServiceAccount({ namespace: EXPORTER_NS, body: { metadata: { name } } });
    await rbac.createClusterRole({ body: { metadata: { name }, rules } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: EXPORTER_NS }],
      },
    });
    const token = (await core.createNamespacedServiceAccountToken({ name, namespace: EXPORTER_NS, body: { spec: { audiences: [] } } })).status!.token;
    const cluster = admin.getCurrentCluster()!;
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [cluster],
      users: [{ name, token }],
      contexts: [{ name, cluster: cluster.name, user: name }],
      currentContext: name,
    });
    const path = join(dir, `${name}.kubeconfig`);
    writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
    // The RBAC authorizer learns new bindings from its informer: wait until this one counts.
    const apps = kc.makeApiClient(k8s.AuthorizationV1Api);
    await eventually(
      async () => (await apps.createSelfSubjectRulesReview({ body: { spec: { namespace: NS } } })).status?.resourceRules.length ?? 0,
      (count) => count > 0,
      10_000,
      `RBAC to see the binding of ${name}`,
    );
    return path;
  }

  async function exporterWith(kubeconfig: string, settings: Partial<Settings> = {}): Promise<TestExporter> {
    const exporter = await startExporter({ kubeconfig, checkInterval: 60_000, retryInitialDelay: 500, plainHttpRegistries: [registry.host], ...settings });
    running.push(exporter);
    return exporter;
  }

  beforeAll(async () => {
    [api, registry] = await Promise.all([startApiServer(), startRegistry({ auth: 'htpasswd', users: { puller: 'pull-password-123' } })]);
    await registry.pushImage('team/app', 'v1');
    admin = new k8s.KubeConfig();
    admin.loadFromFile(api.kubeconfigPath);
    rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    core = admin.makeApiClient(k8s.CoreV1Api);
    for (const name of [EXPORTER_NS, NS]) await core.createNamespace({ body: { metadata: { name } } });

    // The rules exactly as the chart ships them with its default values.
    const clusterRole = only(render(helm3, { namespace: EXPORTER_NS }), 'ClusterRole') as unknown as k8s.V1ClusterRole;
    chartRules = clusterRole.rules!;

    const dockerConfig = { auths: { [registry.host]: { auth: Buffer.from('puller:pull-password-123').toString('base64') } } };
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerConfig)).toString('base64') } },
    });
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'builder' }, imagePullSecrets: [{ name: 'regcred' }] } });
    const apps = admin.makeApiClient(k8s.AppsV1Api);
    const template = (app: string, spec: k8s.V1PodSpec) => ({ selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec } });
    const image = `${registry.host}/team/app:v1`;
    await apps.createNamespacedDeployment({ namespace: NS, body: { metadata: { name: 'web' }, spec: template('web', { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image }] }) } });
    await apps.createNamespacedDaemonSet({ namespace: NS, body: { metadata: { name: 'agent' }, spec: template('agent', { serviceAccountName: 'builder', containers: [{ name: 'agent', image }] }) } });
    await apps.createNamespacedStatefulSet({ namespace: NS, body: { metadata: { name: 'db' }, spec: { ...template('db', { containers: [{ name: 'db', image }] }), serviceName: 'db' } } });
    await admin.makeApiClient(k8s.BatchV1Api).createNamespacedCronJob({
      namespace: NS,
      body: { metadata: { name: 'nightly' }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'job', image }] } } } } } },
    });
  }, 240_000);

  afterAll(async () => {
    for (const exporter of running) await exporter.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
  });

  test('the chart grants list/watch on the four kinds, jobs and service accounts, get on secrets, nothing else', () => {
    const grants = chartRules.flatMap((rule) => rule.resources!.map((resource) => `${rule.apiGroups!.join(',') || 'core'}/${resource}: ${rule.verbs.join(',')}`)).sort();
    expect(grants).toEqual([
      'apps/daemonsets: list,watch',
      'apps/deployments: list,watch',
      'apps/statefulsets: list,watch',
      'batch/cronjobs: list,watch',
      'batch/jobs: list,watch',
      'core/secrets: get',
      'core/serviceaccounts: list,watch',
    ]);
  });

  test('with exactly the chart rules: ready, every kind reported, pull secrets read', async () => {
    const exporter = await exporterWith(await kubeconfigWith('iae-chart', chartRules));
    await eventually(() => fetch(`${exporter.url}/readyz`).then((r) => r.status), (code) => code === 200, 30_000, '/readyz');
    for (const [kind, name, container] of [['deployment', 'web', 'app'], ['daemonset', 'agent', 'agent'], ['statefulset', 'db', 'db'], ['cronjob', 'nightly', 'job']]) {
      await eventually(async () => statusOf(await exporter.series(), kind!, NS, name!, container!), (status) => status !== undefined, 15_000, `${kind} ${name}`);
    }
    const series = await exporter.series();
    // The two workloads with a pull secret (template, ServiceAccount) pass; the one without fails auth.
    expect(statusOf(series, 'deployment', NS, 'web', 'app')).toBe('available');
    expect(statusOf(series, 'daemonset', NS, 'agent', 'agent')).toBe('available');
    expect(statusOf(series, 'cronjob', NS, 'nightly', 'job')).toBe('available');
    expect(statusOf(series, 'statefulset', NS, 'db', 'db')).toBe('authentication_failure');
    expect(exporter.logs.filter((line) => /"level":"(warn|error)"/.test(line) && /not allowed/.test(line))).toEqual([]);
  });

  test('checkPods with the chart rules of checkPods but no replicasets: the other kinds are still checked, the log names the rule', async () => {
    const podRules = (only(render(helm3, { namespace: EXPORTER_NS, values: { checkPods: true } }), 'ClusterRole') as unknown as k8s.V1ClusterRole).rules!;
    const withoutReplicaSets = podRules.filter((rule) => !rule.resources!.includes('replicasets'));
    expect(withoutReplicaSets.length).toBe(podRules.length - 1);
    const exporter = await exporterWith(await kubeconfigWith('iae-pods-no-rs', withoutReplicaSets), { checkPods: true });
    await eventually(async () => exporter.logs.find((entry) => /not allowed to list and watch replicasets\.apps/.test(entry)), Boolean, 20_000, 'the replicasets RBAC line');
    await eventually(async () => statusOf(await exporter.series(), 'deployment', NS, 'web', 'app'), (status) => status === 'available', 15_000, 'web to be checked');
  });

  // One exporter per rule taken away; each must name what it lacks.
  const cases: Array<{ missing: string; keep: (rule: Rule) => boolean; expectLog: RegExp; notReady: boolean }> = [
    { missing: 'list/watch on cronjobs', keep: (rule) => !rule.resources!.includes('cronjobs'), expectLog: /not allowed to list and watch cronjobs/, notReady: true },
    { missing: 'list/watch on jobs', keep: (rule) => !rule.resources!.includes('jobs'), expectLog: /not allowed to list and watch jobs\.batch/, notReady: true },
    { missing: 'list/watch on serviceaccounts', keep: (rule) => !rule.resources!.includes('serviceaccounts'), expectLog: /not allowed to list and watch serviceaccounts/, notReady: true },
    { missing: 'get on secrets', keep: (rule) => !rule.resources!.includes('secrets'), expectLog: /not allowed to read pull secret/, notReady: false },
  ];
  test.each(cases)('without $missing the exporter says so', async ({ missing, keep, expectLog, notReady }) => {
    const rules = chartRules.filter(keep);
    expect(rules.length).toBe(chartRules.length - 1);
    const exporter = await exporterWith(await kubeconfigWith(`iae-no-${missing.replace(/\W+/g, '-')}`, rules));
    const line = await eventually(async () => exporter.logs.find((entry) => expectLog.test(entry)), Boolean, 20_000, `a log line matching ${expectLog}`);
    expect(['warn', 'error']).toContain(JSON.parse(line!).level);
    const readyz = await fetch(`${exporter.url}/readyz`);
    if (notReady) {
      expect(readyz.status).toBe(503);
      expect(await readyz.text()).toMatch(/waiting for the first list of/);
    } else {
      // Missing secrets access: the workloads are still watched, the private image shows the auth failure.
      await eventually(async () => statusOf(await exporter.series(), 'deployment', NS, 'web', 'app'), (status) => status === 'authentication_failure', 15_000, 'web to fail auth');
    }
  });

  test('a token the API server does not know (401) is reported as the credentials, on the log and the status page, not as RBAC', async () => {
    const cluster = admin.getCurrentCluster()!;
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({ clusters: [cluster], users: [{ name: 'wrong', token: 'not-a-token-the-api-server-issued' }], contexts: [{ name: 'wrong', cluster: cluster.name, user: 'wrong' }], currentContext: 'wrong' });
    const path = join(dir, 'wrong-token.kubeconfig');
    writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
    const exporter = await exporterWith(path);
    const line = await eventually(async () => exporter.logs.find((entry) => /credentials \(401\)/.test(entry)), Boolean, 20_000, 'the 401 line');
    expect(JSON.parse(line!).msg).toMatch(/^the API server does not accept the exporter's credentials \(401\) for serviceaccounts: .*wrong or expired; fix the kubeconfig/);
    expect(exporter.logs.filter((entry) => /ClusterRole/.test(entry))).toEqual([]);
    const page = await (await fetch(`${exporter.url}/`)).text();
    expect(page).toMatch(/<section class="notices" role="alert">\n<p>Since [^<]* the API server does not accept the exporter&#39;s credentials \(401\)/);
  });

  test('the apps rule split: without statefulsets only that kind is missing, and the log says so', async () => {
    const rules = chartRules.map((rule) => (rule.apiGroups!.includes('apps') ? { ...rule, resources: rule.resources!.filter((r) => r !== 'statefulsets') } : rule));
    const exporter = await exporterWith(await kubeconfigWith('iae-no-statefulsets', rules));
    await eventually(async () => exporter.logs.find((entry) => /not allowed to list and watch statefulsets/.test(entry)), Boolean, 20_000, 'the statefulsets RBAC error');
    // The other kinds' first lists may still be on their way when the error is logged (a loaded machine): wait for them.
    const readyz = await eventually(async () => (await fetch(`${exporter.url}/readyz`)).text(), (text) => !/deployment|daemonset|cronjob|\bjob\b/.test(text), 20_000, 'readyz naming no kind but statefulset');
    expect(readyz).toMatch(/waiting for the first list of statefulset\b/);
  });
});
