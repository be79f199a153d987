// Values the prometheus-community charts (kube-state-metrics, prometheus-blackbox-exporter) offer,
// with the same names and meaning: commonLabels on every object, topologySpreadConstraints on the pod.
import { helms, only, operatorApiVersions, render } from '../support/helm.js';

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
});
