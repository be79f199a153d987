// The chart with the real helm 3 and helm 4: lint, render, and every rendered object valid for its
// Kubernetes or prometheus-operator schema; the hardening and RBAC the chart promises.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartDir, everythingNamespaces, helm, helms, K8sObject, lint, only, operatorApiVersions, parseManifests, render, validateObject } from '../support/helm.js';
import { cacheDir, repoRoot } from '../support/tools.js';

const everything = join(repoRoot, 'test', 'chart', 'values-everything.yaml');
// Rendered as for a cluster with prometheus-operator's CRDs, unless a test says otherwise.
const variants = [
  { name: 'default values', options: { apiVersions: operatorApiVersions } },
  { name: 'values-everything.yaml', options: { valuesFiles: [everything], apiVersions: operatorApiVersions } },
];
const withOperator = { apiVersions: operatorApiVersions };

type Container = {
  name: string;
  ports: Array<{ name: string; containerPort: number }>;
  securityContext: Record<string, unknown>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources?: Record<string, unknown>;
  env: Array<{ name: string; value?: string }>;
  image: string;
};
type PodSpec = {
  serviceAccountName: string;
  hostNetwork?: boolean;
  automountServiceAccountToken: boolean;
  securityContext: Record<string, unknown>;
  containers: Container[];
};
type DeploymentShape = {
  spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
};

function podSpec(objects: K8sObject[]): PodSpec {
  return (only(objects, 'Deployment') as unknown as DeploymentShape).spec.template.spec;
}

describe.each(helms)('$name', ({ path: binary, major }) => {
  test(`is helm v${major}`, () => {
    const result = helm(binary, ['version', '--short']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(new RegExp(`^v${major}\\.`));
  });

  test.each(variants)('helm lint --strict passes with $name', ({ options }) => {
    const result = lint(binary, options);
    if (result.status !== 0) throw new Error(`${result.command}\n${result.stdout}\n${result.stderr}`);
    expect(result.stdout).toContain('0 chart(s) failed');
  });

  test('values-everything.yaml names, in its kubectl create namespace line, every other namespace it puts objects in', () => {
    const release = 'monitoring';
    const used = [...new Set(render(binary, { valuesFiles: [everything], apiVersions: operatorApiVersions, namespace: release }).map((object) => object.metadata.namespace).filter((namespace) => namespace && namespace !== release))].sort();
    expect(used.length).toBeGreaterThan(0);
    expect(everythingNamespaces().sort()).toEqual(used);
  });

  test.each(variants)('every object rendered with $name is valid for its schema', ({ options }) => {
    const objects = render(binary, options);
    expect(objects.map((object) => object.kind).sort()).toEqual(
      options.valuesFiles
        ? // values-everything adds the registries file, the dashboard, the ServiceMonitor, the HTTP port's NetworkPolicy, the PodDisruptionBudget and a Role + RoleBinding per secret namespace.
          ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'ConfigMap', 'Deployment', 'NetworkPolicy', 'Pod', 'PodDisruptionBudget', 'PodMonitor', 'PrometheusRule', 'Role', 'Role', 'RoleBinding', 'RoleBinding', 'Service', 'ServiceAccount', 'ServiceMonitor']
        : // Pod: the helm test hook, which helm template renders unless --skip-tests.
          ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Pod', 'PodMonitor', 'PrometheusRule', 'Service', 'ServiceAccount'],
    );
    for (const object of objects) {
      try {
        validateObject(object);
      } catch (error) {
        throw new Error(`${object.kind} ${object.metadata.name}: ${(error as Error).message}`);
      }
    }
  });

  test.each(variants)('the pod is hardened with $name', ({ options }) => {
    const objects = render(binary, options);
    const deployment = only(objects, 'Deployment') as unknown as DeploymentShape;
    expect(deployment.spec.replicas).toBe(1);
    const pod = deployment.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.containers).toHaveLength(1);
    const [container] = pod.containers;
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources).toMatchObject({ requests: expect.any(Object), limits: expect.any(Object) });
    // values-everything.yaml runs on the node's network (hostNetwork): the probes ask the node's loopback.
    const host = deployment.spec.template.spec.hostNetwork ? { host: '127.0.0.1' } : {};
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http-metrics', ...host });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http-metrics', ...host });
    expect(container.ports.map((port) => port.name)).toEqual(['http-metrics']);
    expect(deployment.spec.template.metadata.labels.app).toBe('image-availability-exporter');
    const serviceAccount = only(objects, 'ServiceAccount');
    expect(pod.serviceAccountName).toBe(serviceAccount.metadata.name);
  });

  type Role = K8sObject & { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> };
  const grantsOf = (role: Role) =>
    role.rules
      .flatMap((rule) =>
        rule.apiGroups.flatMap((group) =>
          rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group || 'core'}/${resource}:${verb}`)),
        ),
      )
      .sort();

  test('RBAC is least privilege: workloads and service accounts list/watch, secrets get only', () => {
    const objects = render(binary);
    const role = only(objects, 'ClusterRole') as Role;
    expect(grantsOf(role)).toEqual(
      [
        'apps/deployments:list',
        'apps/deployments:watch',
        'apps/statefulsets:list',
        'apps/statefulsets:watch',
        'apps/daemonsets:list',
        'apps/daemonsets:watch',
        'batch/cronjobs:list',
        'batch/cronjobs:watch',
        'batch/jobs:list',
        'batch/jobs:watch',
        'core/serviceaccounts:list',
        'core/serviceaccounts:watch',
        'core/secrets:get',
      ].sort(),
    );
    const binding = only(objects, 'ClusterRoleBinding') as unknown as {
      roleRef: { kind: string; name: string };
      subjects: Array<{ kind: string; name: string; namespace: string }>;
    };
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: podSpec(objects).serviceAccountName, namespace: 'monitoring' },
    ]);
  });

  test('namespaceLabel adds list/watch of namespaces, which the exporter then watches; nothing else', () => {
    const base = grantsOf(only(render(binary), 'ClusterRole') as Role);
    const withLabel = grantsOf(only(render(binary, { values: { namespaceLabel: 'image-checks' } }), 'ClusterRole') as Role);
    expect(withLabel).toEqual([...base, 'core/namespaces:list', 'core/namespaces:watch'].sort());
  });

  test('checkPods adds list/watch of pods and replicasets; checkJobs off without it drops jobs; each extra workload adds its resource', () => {
    const base = grantsOf(only(render(binary), 'ClusterRole') as Role);
    const withPods = grantsOf(only(render(binary, { values: { checkPods: true, checkJobs: false } }), 'ClusterRole') as Role);
    expect(withPods).toEqual([...base, 'core/pods:list', 'core/pods:watch', 'apps/replicasets:list', 'apps/replicasets:watch'].sort());
    const withoutJobs = grantsOf(only(render(binary, { values: { checkJobs: false } }), 'ClusterRole') as Role);
    expect(withoutJobs).toEqual(base.filter((grant) => !grant.startsWith('batch/jobs:')));
    const extra = grantsOf(only(render(binary, { values: { extraWorkloads: ['argoproj.io/v1alpha1/rollouts:spec.template:replicas=spec.replicas'] } }), 'ClusterRole') as Role);
    expect(extra).toEqual([...base, 'argoproj.io/rollouts:list', 'argoproj.io/rollouts:watch'].sort());
  });

  test('the port of bindAddress is the container port; Service and PodMonitor use its name', () => {
    const objects = render(binary, { ...withOperator, values: { bindAddress: '0.0.0.0:9456' } });
    expect(podSpec(objects).containers[0].ports).toEqual([{ name: 'http-metrics', containerPort: 9456, protocol: 'TCP' }]);
    const service = only(objects, 'Service') as unknown as { spec: { ports: Array<{ targetPort: string }> } };
    expect(service.spec.ports[0].targetPort).toBe('http-metrics');
    const podMonitor = only(objects, 'PodMonitor') as unknown as {
      spec: { podMetricsEndpoints: Array<{ port: string; path: string; honorLabels: boolean }> };
    };
    // The job label the health alerts select the exporter by, as the shipped scrape job names it.
    const job = { targetLabel: 'job', replacement: 'k8s-image-availability-exporter' };
    expect(podMonitor.spec.podMetricsEndpoints).toEqual([{ port: 'http-metrics', path: '/metrics', honorLabels: true, relabelings: [job] }]);
  });

  test('a loopback bindAddress is refused: probes and Prometheus could not reach it', () => {
    expect(() => render(binary, { values: { bindAddress: '127.0.0.1:8080' } })).toThrow(/loopback/);
  });

  test('PodMonitor and PrometheusRule can be turned off, and carry the extra labels when on', () => {
    const off = render(binary, { values: { podMonitor: { enabled: false }, prometheusRule: { enabled: false } } });
    expect(off.map((object) => object.kind)).not.toEqual(expect.arrayContaining(['PodMonitor']));
    expect(off.map((object) => object.kind)).not.toEqual(expect.arrayContaining(['PrometheusRule']));
    const on = render(binary, { valuesFiles: [everything], ...withOperator });
    expect(only(on, 'PodMonitor').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(only(on, 'PrometheusRule').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
  });

  test('the PodMonitor selects exactly the pod labels of the Deployment', () => {
    for (const options of variants.map((variant) => variant.options)) {
      const objects = render(binary, options);
      const podLabels = (only(objects, 'Deployment') as unknown as DeploymentShape).spec.template.metadata.labels;
      const podMonitor = only(objects, 'PodMonitor') as unknown as {
        spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: { matchNames: string[] } };
      };
      expect(podLabels).toMatchObject(podMonitor.spec.selector.matchLabels);
      expect(podMonitor.spec.namespaceSelector.matchNames).toEqual(['monitoring']);
    }
  });

  test('serviceAccount.create=false uses the named existing account and requires a name', () => {
    const objects = render(binary, { values: { serviceAccount: { create: false, name: 'existing' } } });
    expect(objects.map((object) => object.kind)).not.toContain('ServiceAccount');
    expect(podSpec(objects).serviceAccountName).toBe('existing');
    expect(() => render(binary, { values: { serviceAccount: { create: false } } })).toThrow(/serviceAccount.name/);
  });

  test('helm package stores the linked alert rules and dashboard: the packaged chart renders them on its own', () => {
    const out = join(cacheDir, 'tmp', `package-${major}-${process.pid}`);
    rmSync(out, { recursive: true, force: true });
    const packaged = helm(binary, ['package', chartDir, '--destination', out]);
    if (packaged.status !== 0) throw new Error(`${packaged.command}\n${packaged.stderr}`);
    const rendered = helm(binary, ['template', 'iae', join(out, 'k8s-image-availability-exporter-0.1.0.tgz'), '--set', 'prometheusRule.force=true,grafanaDashboard.enabled=true']);
    rmSync(out, { recursive: true, force: true });
    expect(rendered.status).toBe(0);
    const rule = only(parseManifests(rendered.stdout), 'PrometheusRule') as unknown as {
      spec: { groups: Array<{ rules: Array<{ alert: string }> }> };
    };
    const shipped = parse(readFileSync(join(repoRoot, 'monitoring', 'alerts.rules.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string }> }> };
    expect(rule.spec.groups.flatMap((group) => group.rules.map((entry) => entry.alert))).toEqual(shipped.groups.flatMap((group) => group.rules.map((entry) => entry.alert)));
    const dashboard = only(parseManifests(rendered.stdout), 'ConfigMap') as unknown as { data: Record<string, string> };
    expect(JSON.parse(dashboard.data['k8s-image-availability-exporter.json'])).toEqual(JSON.parse(readFileSync(join(repoRoot, 'monitoring', 'grafana-dashboard.json'), 'utf8')));
  });

  test('an IAE_* variable in extraEnv is refused: settings go through their chart values', () => {
    expect(() => render(binary, { values: { extraEnv: [{ name: 'IAE_LOG_LEVEL', value: 'debug' }] } })).toThrow(
      /extraEnv/,
    );
  });
});

test('Chart.yaml: apiVersion v2, version 0.1.0, appVersion is the package.json version', () => {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  expect(chart).toMatchObject({ apiVersion: 'v2', name: 'k8s-image-availability-exporter', version: '0.1.0' });
  expect(chart.appVersion).toBe(pkg.version);
});
