// Values the prometheus-community charts (kube-state-metrics, prometheus-blackbox-exporter) offer,
// with the same names and meaning: commonLabels on every object, topologySpreadConstraints on the
// pod, extraArgs after the container's command, namespaceOverride, a PodDisruptionBudget.
import { join } from 'node:path';
import { helpText, loadSettings } from '../../src/settings/config.js';
import { everythingNamespaces, helms, only, operatorApiVersions, render, template, validateObject, type K8sObject } from '../support/helm.js';
import { repoRoot } from '../support/tools.js';

type PodTemplateOwner = { spec: { selector: { matchLabels: Record<string, string> }; template: { spec: { containers: Array<{ command?: string[]; args?: string[] }> } } } };
const containerOf = (objects: K8sObject[], kind = 'Deployment') => (only(objects, kind) as unknown as PodTemplateOwner).spec.template.spec.containers[0];

describe.each(helms)('$name', ({ path: binary }) => {
  test('commonLabels label every object the chart makes, and the pods', () => {
    const objects = render(binary, { apiVersions: operatorApiVersions, values: { commonLabels: { team: 'platform' }, serviceMonitor: { enabled: true }, service: { enabled: true } } });
    expect(objects.length).toBeGreaterThan(5);
    for (const object of objects) expect({ kind: object.kind, team: object.metadata?.labels?.team }).toEqual({ kind: object.kind, team: 'platform' });
    const pod = (only(objects, 'Deployment') as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
    expect(pod.team).toBe('platform');
  });

  test('topologySpreadConstraints reach the pod as given; none by default', () => {
    const constraint = { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'image-availability-exporter' } } };
    const podSpec = (values: Record<string, unknown>) =>
      (only(render(binary, { values }), 'Deployment') as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
    expect(podSpec({ topologySpreadConstraints: [constraint] }).topologySpreadConstraints).toEqual([constraint]);
    expect(podSpec({}).topologySpreadConstraints).toBeUndefined();
  });

  test('extraArgs follow the command as given, each a flag the exporter accepts; none by default', () => {
    const flags = ['--log-level=debug', '--check-interval=90s', '--status-page=false'];
    for (const flag of flags) expect(helpText()).toContain(`  ${flag.split('=')[0]}  `);
    expect(containerOf(render(binary, {})).args).toBeUndefined();
    const container = containerOf(render(binary, { values: { extraArgs: flags } }));
    expect(container.args).toEqual(flags);
    // The exporter parses them as it would in the pod (it exits 2 on an unknown flag); they outrank the IAE_* env.
    const settings = loadSettings(container.args ?? [], { IAE_LOG_LEVEL: 'info', IAE_CHECK_INTERVAL: '5m' });
    expect({ logLevel: settings.logLevel, checkInterval: settings.checkInterval, statusPage: settings.statusPage }).toEqual({ logLevel: 'debug', checkInterval: 90_000, statusPage: false });
    // With optimizingCompiler the chart sets the command; the flags still come after it.
    const optimized = containerOf(render(binary, { values: { extraArgs: flags, optimizingCompiler: true } }));
    expect(optimized.command?.at(-1)).toBe('dist/src/cli.js');
    expect(optimized.args).toEqual(flags);
    const refused = template(binary, { values: { extraArgs: ['debug'] } });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('extraArgs');
  });

  test('namespaceOverride puts every namespaced object, and every reference to the exporter\'s namespace, in it', () => {
    const everything = join(repoRoot, 'test', 'chart', 'values-everything.yaml');
    const objects = render(binary, { valuesFiles: [everything], apiVersions: operatorApiVersions, namespace: 'monitoring', values: { namespaceOverride: 'observability' } });
    const namespaced = objects.filter((object) => object.metadata.namespace !== undefined);
    expect(namespaced.length).toBeGreaterThan(8);
    // values-everything puts the dashboard and the secret-reading Roles in namespaces of their own.
    const own = namespaced.filter((object) => !everythingNamespaces().includes(object.metadata.namespace!));
    expect(own.map((object) => `${object.kind}: ${object.metadata.namespace}`)).toEqual(own.map((object) => `${object.kind}: observability`));
    expect(own.map((object) => object.kind)).toEqual(expect.arrayContaining(['Deployment', 'Service', 'ServiceAccount', 'ConfigMap', 'PodMonitor', 'ServiceMonitor', 'PrometheusRule', 'NetworkPolicy', 'PodDisruptionBudget', 'Pod']));
    // The pod's ServiceAccount is bound where it lives; the monitors scrape where the pod runs; the test asks the Service there.
    const subjects = objects.filter((object) => object.kind.endsWith('RoleBinding')).flatMap((object) => (object as unknown as { subjects: Array<{ namespace: string }> }).subjects);
    expect(subjects.length).toBeGreaterThan(1);
    for (const subject of subjects) expect(subject.namespace).toBe('observability');
    for (const kind of ['PodMonitor', 'ServiceMonitor']) {
      expect((only(objects, kind) as unknown as { spec: { namespaceSelector: { matchNames: string[] } } }).spec.namespaceSelector.matchNames).toEqual(['observability']);
    }
    expect(JSON.stringify(only(objects, 'Pod'))).toContain('.observability.svc:');
    expect(JSON.stringify(objects)).not.toContain('monitoring.svc');
    // The webhook: its Service name and the namespace it never reviews.
    const webhook = render(binary, { namespace: 'monitoring', values: { namespaceOverride: 'observability', admission: { enabled: true } } });
    const configuration = only(webhook, 'ValidatingWebhookConfiguration') as unknown as { webhooks: Array<{ clientConfig: { service: { namespace: string } }; namespaceSelector: { matchExpressions: Array<{ values: string[] }> } }> };
    for (const hook of configuration.webhooks) {
      expect(hook.clientConfig.service.namespace).toBe('observability');
      expect(hook.namespaceSelector.matchExpressions[0].values).toContain('observability');
    }
    expect(only(webhook, 'Secret').metadata.namespace).toBe('observability');
  });

  test('podDisruptionBudget: none by default for one pod; enabled, maxUnavailable over the pods of the Deployment or the shards\' StatefulSet', () => {
    expect(render(binary, {}).filter((object) => object.kind === 'PodDisruptionBudget')).toEqual([]);
    for (const [values, kind] of [[{}, 'Deployment'], [{ shards: 3 }, 'StatefulSet']] as const) {
      const objects = render(binary, { values: { ...values, podDisruptionBudget: { enabled: true } } });
      const budget = only(objects, 'PodDisruptionBudget');
      validateObject(budget);
      const spec = (budget as unknown as { spec: Record<string, unknown> }).spec;
      // maxUnavailable 1, never minAvailable: one pod must stay evictable, or it blocks every node drain.
      expect(spec.maxUnavailable).toBe(1);
      expect(spec.minAvailable).toBeUndefined();
      expect(spec.selector).toEqual({ matchLabels: (only(objects, kind) as unknown as PodTemplateOwner).spec.selector.matchLabels });
    }
    expect((only(render(binary, { values: { shards: 4, podDisruptionBudget: { enabled: true, maxUnavailable: 2 } } }), 'PodDisruptionBudget') as unknown as { spec: { maxUnavailable: number } }).spec.maxUnavailable).toBe(2);
    // 0 would block every drain, as minAvailable would.
    for (const maxUnavailable of [0, '50%']) {
      const refused = template(binary, { values: { podDisruptionBudget: { enabled: true, maxUnavailable } } });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('maxUnavailable');
    }
  });
});
