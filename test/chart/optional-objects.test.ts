// The chart's optional objects with the real helm 3 and helm 4: prometheus-operator objects only
// where the cluster serves their kind (or when forced), the ServiceMonitor alternative, the Grafana
// dashboard ConfigMap and the three forms of secret access. NOTES.txt needs a cluster even for a
// dry run with helm 3: test/chart/install.test.ts reads it from real installs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helms, K8sObject, only, operatorApiVersions, render } from '../support/helm.js';
import { repoRoot } from '../support/tools.js';

const kinds = (objects: K8sObject[]) => objects.map((object) => object.kind);
const operatorKinds = ['PodMonitor', 'ServiceMonitor', 'PrometheusRule'];
const allMonitors = { podMonitor: { enabled: true }, serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } };

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const secretRules = (rules: Rule[]) => rules.filter((rule) => rule.resources.includes('secrets'));

describe.each(helms)('$name', ({ path: binary }) => {
  test('a cluster without prometheus-operator: no PodMonitor, ServiceMonitor or PrometheusRule (NOTES: install.test.ts)', () => {
    expect(kinds(render(binary, { values: allMonitors }))).not.toEqual(expect.arrayContaining([expect.stringMatching(/Monitor|Rule$/)]));
  });

  test('each kind is created where the cluster serves it, independently of the others', () => {
    const objects = render(binary, { values: allMonitors, apiVersions: ['monitoring.coreos.com/v1/PodMonitor'] });
    expect(kinds(objects).filter((kind) => operatorKinds.includes(kind))).toEqual(['PodMonitor']);
  });

  test('force creates them without the kinds being served (helm template for GitOps)', () => {
    const forced = { podMonitor: { force: true }, serviceMonitor: { enabled: true, force: true }, prometheusRule: { force: true } };
    expect(kinds(render(binary, { values: forced })).filter((kind) => operatorKinds.includes(kind)).sort()).toEqual([...operatorKinds].sort());
  });

  test('enabled=false wins over force and over a served kind', () => {
    const off = { podMonitor: { enabled: false, force: true }, prometheusRule: { enabled: false, force: true } };
    expect(kinds(render(binary, { values: off, apiVersions: operatorApiVersions }))).not.toEqual(expect.arrayContaining(['PodMonitor', 'PrometheusRule']));
  });

  test('the ServiceMonitor selects the Service by its labels and scrapes its named port with honorLabels', () => {
    const objects = render(binary, { values: { serviceMonitor: { enabled: true, additionalLabels: { release: 'prom' } } }, apiVersions: operatorApiVersions });
    const service = only(objects, 'Service') as unknown as K8sObject & { spec: { ports: Array<{ name: string }> } };
    const monitor = only(objects, 'ServiceMonitor') as unknown as K8sObject & {
      spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: { matchNames: string[] }; endpoints: Array<Record<string, unknown>> };
    };
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.namespaceSelector.matchNames).toEqual(['monitoring']);
    expect(service.spec.ports.map((port) => port.name)).toEqual(['http-metrics']);
    const job = { targetLabel: 'job', replacement: 'k8s-image-availability-exporter' };
    expect(monitor.spec.endpoints).toEqual([{ port: 'http-metrics', path: '/metrics', honorLabels: true, relabelings: [job] }]);
    expect(monitor.metadata.labels).toMatchObject({ release: 'prom' });
  });

  test('a ServiceMonitor without the Service is refused with what to change', () => {
    expect(() => render(binary, { values: { serviceMonitor: { enabled: true }, service: { enabled: false } }, apiVersions: operatorApiVersions })).toThrow(
      /serviceMonitor.enabled needs service.enabled/,
    );
  });

  test('the Grafana dashboard ConfigMap: off by default; on, the dashboard JSON with the sidecar label, configurable', () => {
    expect(kinds(render(binary))).not.toContain('ConfigMap');
    const dashboard = JSON.parse(readFileSync(join(repoRoot, 'monitoring', 'grafana-dashboard.json'), 'utf8')) as unknown;
    const on = only(render(binary, { values: { grafanaDashboard: { enabled: true } } }), 'ConfigMap') as K8sObject & { data: Record<string, string> };
    expect(on.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(on.metadata.namespace).toBe('monitoring');
    expect(JSON.parse(on.data['k8s-image-availability-exporter.json'])).toEqual(dashboard);
    const custom = only(
      render(binary, { values: { grafanaDashboard: { enabled: true, labels: { dashboards: 'team-a' }, namespace: 'grafana', annotations: { grafana_folder: 'Kubernetes' } } } }),
      'ConfigMap',
    );
    expect(custom.metadata.labels).toMatchObject({ dashboards: 'team-a', grafana_dashboard: '1' });
    expect(custom.metadata.namespace).toBe('grafana');
    expect(custom.metadata.annotations).toEqual({ grafana_folder: 'Kubernetes' });
  });

  test('rbac.secrets=cluster (default): get on secrets in the ClusterRole, no Role', () => {
    const objects = render(binary);
    expect(secretRules((only(objects, 'ClusterRole') as unknown as { rules: Rule[] }).rules)).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    expect(kinds(objects)).not.toContain('Role');
  });

  test('rbac.secrets=namespaces: no secret rule cluster-wide; a Role (get secrets) bound to the service account in each listed namespace', () => {
    const objects = render(binary, { values: { rbac: { secrets: 'namespaces', secretNamespaces: ['shop', 'payments'] } } });
    expect(secretRules((only(objects, 'ClusterRole') as unknown as { rules: Rule[] }).rules)).toEqual([]);
    const roles = objects.filter((object) => object.kind === 'Role') as Array<K8sObject & { rules: Rule[] }>;
    expect(roles.map((role) => role.metadata.namespace).sort()).toEqual(['payments', 'shop']);
    for (const role of roles) expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    const bindings = objects.filter((object) => object.kind === 'RoleBinding') as Array<
      K8sObject & { roleRef: { kind: string; name: string }; subjects: Array<Record<string, string>> }
    >;
    expect(bindings.map((binding) => binding.metadata.namespace).sort()).toEqual(['payments', 'shop']);
    const serviceAccount = only(objects, 'ServiceAccount');
    for (const binding of bindings) {
      expect(binding.roleRef).toMatchObject({ kind: 'Role', name: roles[0].metadata.name });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: serviceAccount.metadata.name, namespace: 'monitoring' }]);
    }
  });

  test('rbac.secrets=none: no access to secrets at all', () => {
    const objects = render(binary, { values: { rbac: { secrets: 'none' } } });
    expect(secretRules((only(objects, 'ClusterRole') as unknown as { rules: Rule[] }).rules)).toEqual([]);
    expect(kinds(objects)).not.toEqual(expect.arrayContaining(['Role', 'RoleBinding']));
  });

  test('rbac.secrets=namespaces without namespaces, or namespaces without that mode, is refused', () => {
    expect(() => render(binary, { values: { rbac: { secrets: 'namespaces' } } })).toThrow(/needs rbac.secretNamespaces/);
    expect(() => render(binary, { values: { rbac: { secretNamespaces: ['shop'] } } })).toThrow(/only used with rbac.secrets=namespaces/);
    expect(() => render(binary, { values: { rbac: { secrets: 'all' } } })).toThrow(/rbac.secrets/);
  });
});
