// networkPolicy: the HTTP port (/metrics, the status page, /api/images) only from the listed
// peers, in the same policy as the webhook's (policies add up, so a second one opening the port
// to all would undo it); statusPage: false reaches the exporter. Rendered with the real helm 3 and
// 4, and the policy stored by the real API server.
import * as k8s from '@kubernetes/client-node';
import { loadSettings } from '../../src/settings/config.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { chartDir, helm, helms, only, render, template, validateObject, type K8sObject } from '../support/helm.js';

type Ingress = Array<{ ports: Array<{ port: string; protocol: string }>; from?: unknown }>;
const prometheus = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }];
const controlPlane = [{ ipBlock: { cidr: '10.0.0.0/24' } }];

function ingressOf(objects: K8sObject[]): Ingress {
  const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
  expect(policies).toHaveLength(1);
  validateObject(policies[0]);
  return (policies[0] as unknown as { spec: { ingress: Ingress } }).spec.ingress;
}

describe.each(helms)('$name', ({ path: binary }) => {
  test('networkPolicy.enabled: the HTTP port only from the listed peers; no rule leaves it open to all', () => {
    expect(ingressOf(render(binary, { values: { networkPolicy: { enabled: true, from: prometheus } } }))).toEqual([{ ports: [{ port: 'http-metrics', protocol: 'TCP' }], from: prometheus }]);
  });

  test('with the webhook: one policy, each port from its own peers', () => {
    const values = { networkPolicy: { enabled: true, from: prometheus }, admission: { enabled: true, networkPolicy: { enabled: true, from: controlPlane } } };
    expect(ingressOf(render(binary, { values }))).toEqual([
      { ports: [{ port: 'http-metrics', protocol: 'TCP' }], from: prometheus },
      { ports: [{ port: 'admission', protocol: 'TCP' }], from: controlPlane },
    ]);
    const webhookOnly = { networkPolicy: { enabled: true, from: prometheus }, admission: { enabled: true } };
    expect(ingressOf(render(binary, { values: webhookOnly }))).toEqual([
      { ports: [{ port: 'http-metrics', protocol: 'TCP' }], from: prometheus },
      { ports: [{ port: 'admission', protocol: 'TCP' }] },
    ]);
  });

  test('no peers → fails saying what to list; off by default', () => {
    const empty = template(binary, { values: { networkPolicy: { enabled: true } } });
    expect(empty.status).not.toBe(0);
    expect(empty.stderr).toContain('networkPolicy.from: list the peers allowed on the HTTP port');
    expect(render(binary).filter((object) => object.kind === 'NetworkPolicy')).toEqual([]);
  });

  test('statusPage: false turns the page and /api/images off in the exporter', () => {
    const deployment = only(render(binary, { values: { statusPage: false } }), 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } } };
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.filter((v) => v.name.startsWith('IAE_') && v.value !== undefined).map((v) => [v.name, v.value]));
    expect(loadSettings([], env).statusPage).toBe(false);
  });
});

describe('networkPolicy in the real API server', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer();
  }, 120_000);
  afterAll(async () => api?.stop());

  test.each(helms)('$name install stores the policy as rendered', async ({ name, path: binary }) => {
    const namespace = `policy-${name}`;
    const install = helm(binary, ['install', name, chartDir, '--create-namespace', '--kubeconfig', api.kubeconfigPath, '-n', namespace, '--set', 'podMonitor.enabled=false', '--set', 'networkPolicy.enabled=true', '--set-json', `networkPolicy.from=${JSON.stringify(prometheus)}`]);
    if (install.status !== 0) throw new Error(`${install.command}: ${install.stderr}`);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    const stored = await kc.makeApiClient(k8s.NetworkingV1Api).readNamespacedNetworkPolicy({ namespace, name: `${name}-k8s-image-availability-exporter` });
    // client-node names the field _from.
    expect(stored.spec?.ingress).toEqual([{ ports: [{ port: 'http-metrics', protocol: 'TCP' }], _from: prometheus }]);
  }, 120_000);
});
