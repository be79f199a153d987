// `shards: N` renders a StatefulSet of N autosharded pods, a Role that lets each read only that
// StatefulSet, and env that the exporter's own loadSettings turns into its shard; installed with
// the real helm 3 and 4 into the real API server, which stores them as rendered.
import * as k8s from '@kubernetes/client-node';
import { loadSettings } from '../../src/settings/config.js';
import { statefulSetPod } from '../../src/kube/stateful-set-pod.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { chartDir, helm, helms, only, render, validateObject } from '../support/helm.js';

type EnvVar = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } };
type WorkloadShape = {
  metadata: { name: string };
  spec: {
    replicas: number;
    serviceName?: string;
    template: { metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string; containers: Array<{ env: EnvVar[] }> } };
  };
};
type RoleShape = { rules: Array<{ apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }> };

/** The container env as the kubelet would give it to pod `podName` in namespace `namespace`. */
function podEnv(workload: WorkloadShape, podName: string, namespace: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const variable of workload.spec.template.spec.containers[0].env) {
    if (!variable.name.startsWith('IAE_')) continue;
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    env[variable.name] = field === 'metadata.name' ? podName : field === 'metadata.namespace' ? namespace : variable.value;
  }
  return env;
}

describe.each(helms)('$name', ({ path: binary }) => {
  test('shards: 3 → a StatefulSet of 3 pods whose names give the exporter its shard and StatefulSet', () => {
    const objects = render(binary, { values: { shards: 3 } });
    objects.forEach(validateObject);
    expect(objects.filter((object) => object.kind === 'Deployment')).toEqual([]);
    const statefulSet = only(objects, 'StatefulSet') as unknown as WorkloadShape;
    expect(statefulSet.spec.replicas).toBe(3);
    // The Service a StatefulSet names must be headless (kube-score: statefulset-has-servicename) and select its pods.
    const governing = objects.find((object) => object.kind === 'Service' && object.metadata.name === statefulSet.spec.serviceName) as unknown as { spec: { clusterIP?: string; selector: Record<string, string> } } | undefined;
    expect(governing?.spec.clusterIP).toBe('None');
    expect(statefulSet.spec.template.metadata.labels).toMatchObject(governing!.spec.selector);
    const settings = loadSettings([], podEnv(statefulSet, `${statefulSet.metadata.name}-2`, 'monitoring'));
    expect(settings).toMatchObject({ autoShard: true, podNamespace: 'monitoring', shard: 0, totalShards: 1 });
    expect(statefulSetPod(settings.podName)).toEqual({ statefulSet: statefulSet.metadata.name, ordinal: 2 });
  });

  test('shards: 3 → a Role with get and watch on that one StatefulSet, bound to the pods\' service account', () => {
    const objects = render(binary, { values: { shards: 3 } });
    const statefulSet = only(objects, 'StatefulSet') as unknown as WorkloadShape;
    const roles = objects.filter((object) => object.kind === 'Role');
    expect(roles).toHaveLength(1);
    expect(roles[0].metadata.namespace).toBe('monitoring');
    expect((roles[0] as unknown as RoleShape).rules).toEqual([{ apiGroups: ['apps'], resources: ['statefulsets'], resourceNames: [statefulSet.metadata.name], verbs: ['get', 'watch'] }]);
    const binding = only(objects, 'RoleBinding') as unknown as { roleRef: { name: string }; subjects: Array<{ name: string; namespace: string }> };
    expect(binding.roleRef.name).toBe(roles[0].metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: statefulSet.spec.template.spec.serviceAccountName, namespace: 'monitoring' }]);
  });

  test('shards: 3 → a PodDisruptionBudget (maxUnavailable 1) over the StatefulSet unless podDisruptionBudget.enabled is false (kube-score: statefulset-has-poddisruptionbudget)', () => {
    const objects = render(binary, { values: { shards: 3 } });
    const budget = only(objects, 'PodDisruptionBudget') as unknown as { spec: { maxUnavailable: number; selector: unknown } };
    expect(budget.spec).toEqual({ maxUnavailable: 1, selector: (only(objects, 'StatefulSet') as unknown as { spec: { selector: unknown } }).spec.selector });
    expect(render(binary, { values: { shards: 3, podDisruptionBudget: { enabled: false } } }).filter((object) => object.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  test('shards: 3 → the shards prefer different nodes unless affinity is set (kube-score: statefulset-has-host-podantiaffinity)', () => {
    type Affinity = { podAntiAffinity?: { preferredDuringSchedulingIgnoredDuringExecution: Array<{ podAffinityTerm: { topologyKey: string; labelSelector: unknown } }> } };
    const podSpecOf = (objects: ReturnType<typeof render>, kind: string) => (only(objects, kind) as unknown as { spec: { selector: unknown; template: { spec: { affinity?: Affinity } } } }).spec;
    const sharded = podSpecOf(render(binary, { values: { shards: 3 } }), 'StatefulSet');
    expect(sharded.template.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: sharded.selector } },
    ]);
    const own = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['monitoring'] }] }] } } };
    expect(podSpecOf(render(binary, { values: { shards: 3, affinity: own } }), 'StatefulSet').template.spec.affinity).toEqual(own);
    expect(podSpecOf(render(binary, {}), 'Deployment').template.spec.affinity).toBeUndefined();
  });

  test('shards: 3 → the PodMonitor selects every pod of the StatefulSet', () => {
    const objects = render(binary, { values: { shards: 3 }, apiVersions: ['monitoring.coreos.com/v1/PodMonitor'] });
    const statefulSet = only(objects, 'StatefulSet') as unknown as WorkloadShape;
    const podMonitor = only(objects, 'PodMonitor') as unknown as { spec: { selector: { matchLabels: Record<string, string> } } };
    expect(statefulSet.spec.template.metadata.labels).toMatchObject(podMonitor.spec.selector.matchLabels);
  });

  test('shards: 1 (the default) → one Deployment, no StatefulSet, no Role, no autoShard', () => {
    const objects = render(binary);
    const deployment = only(objects, 'Deployment') as unknown as WorkloadShape;
    expect(deployment.spec.replicas).toBe(1);
    expect(objects.map((object) => object.kind)).not.toContain('StatefulSet');
    expect(objects.map((object) => object.kind)).not.toContain('Role');
    expect(deployment.spec.template.spec.containers[0].env.map((variable) => variable.name)).not.toContain('IAE_AUTO_SHARD');
  });

  test('shards with totalShards is refused with what to change', () => {
    expect(() => render(binary, { values: { shards: 3, totalShards: 3, shard: 1 } })).toThrow(/leave shard and totalShards unset/);
  });

  test('shards: 0 is refused by the values schema', () => {
    expect(() => render(binary, { values: { shards: 0 } as Record<string, unknown> })).toThrow(/shards/);
  });
});

describe('helm install --set shards=3 into the real API server', () => {
  let api: ApiServer;
  let apps: k8s.AppsV1Api;
  let rbac: k8s.RbacAuthorizationV1Api;

  beforeAll(async () => {
    api = await startApiServer();
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(api.kubeconfigPath);
    apps = admin.makeApiClient(k8s.AppsV1Api);
    rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
  });

  test.each(helms)('$name: a StatefulSet of 3 pods with the downward API pod name, and its Role, stored; no Deployment', async ({ name, path: binary }) => {
    // Release names differ: the ClusterRole is cluster-wide.
    const [namespace, release] = [`shards-${name}`, `iae-${name}`];
    const fullname = `${release}-k8s-image-availability-exporter`;
    const result = helm(binary, ['install', release, chartDir, '--namespace', namespace, '--create-namespace', '--set', 'shards=3', '--kubeconfig', api.kubeconfigPath]);
    if (result.status !== 0) throw new Error(`${result.command} exited ${result.status}\n${result.stderr}`);
    const statefulSets = (await apps.listNamespacedStatefulSet({ namespace })).items;
    expect(statefulSets.map((set) => [set.metadata?.name, set.spec?.replicas])).toEqual([[fullname, 3]]);
    expect((await apps.listNamespacedDeployment({ namespace })).items).toEqual([]);
    const env = statefulSets[0].spec!.template.spec!.containers[0].env ?? [];
    expect(env.find((variable) => variable.name === 'IAE_POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    const role = await rbac.readNamespacedRole({ namespace, name: `${fullname}-shards` });
    expect(role.rules).toEqual([{ apiGroups: ['apps'], resources: ['statefulsets'], resourceNames: [fullname], verbs: ['get', 'watch'] }]);
  });
});
