// The chart's admission webhook: rendered by the real helm 3 and helm 4 (off by default; on, a
// ValidatingWebhookConfiguration that can never block an apply, a serving certificate that the
// caBundle verifies it, settings the exporter's own loader accepts, the client CA mounted, the
// NetworkPolicy on the webhook port), and installed then upgraded into the real API server, which
// stores them and keeps the same generated CA across the upgrade.
import { X509Certificate } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { loadSettings } from '../../src/settings/config.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { chartDir, helm, helms, only, render, template, type K8sObject } from '../support/helm.js';

type Webhook = {
  name: string;
  failurePolicy: string;
  sideEffects: string;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
  clientConfig: { service: { name: string; namespace: string; path: string; port: number }; caBundle?: string };
  rules: Array<{ apiGroups: string[]; resources: string[]; operations: string[] }>;
  namespaceSelector: { matchExpressions: Array<{ key: string; operator: string; values: string[] }> };
};
type EnvVar = { name: string; value?: string };
type PodSpec = {
  volumes: Array<{ name: string; configMap?: { name: string; items?: unknown[] } }>;
  containers: Array<{ volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }> }>;
};

const webhookOf = (objects: K8sObject[]) => (only(objects, 'ValidatingWebhookConfiguration') as unknown as { webhooks: Webhook[] }).webhooks[0];
const secretData = (objects: K8sObject[]) => (only(objects, 'Secret') as unknown as { data: Record<string, string> }).data;
const decode = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

function exporterEnv(objects: K8sObject[]): NodeJS.ProcessEnv {
  const deployment = only(objects, 'Deployment') as unknown as { spec: { template: { spec: { containers: Array<{ env: EnvVar[] }> } } } };
  const env: NodeJS.ProcessEnv = {};
  for (const variable of deployment.spec.template.spec.containers[0].env) if (variable.name.startsWith('IAE_') && variable.value !== undefined) env[variable.name] = variable.value;
  return env;
}

describe.each(helms)('$name renders the admission webhook', ({ path: binary }) => {
  test('off by default: no webhook configuration, no certificate, no admission port', () => {
    const objects = render(binary);
    expect(objects.filter((o) => ['ValidatingWebhookConfiguration', 'Secret', 'Certificate'].includes(o.kind))).toEqual([]);
    expect(loadSettings([], exporterEnv(objects)).admissionBindAddress).toBe('');
  });

  test('on: failurePolicy Ignore, short timeout, no side effects, v1 reviews, own namespace and kube-system excluded', () => {
    const webhook = webhookOf(render(binary, { namespace: 'monitoring', release: 'iae', values: { admission: { enabled: true, excludeNamespaces: ['cert-manager'] } } }));
    expect(webhook).toMatchObject({ failurePolicy: 'Ignore', sideEffects: 'None', timeoutSeconds: 5, admissionReviewVersions: ['v1'] });
    expect(webhook.clientConfig.service).toEqual({ name: 'iae-k8s-image-availability-exporter', namespace: 'monitoring', path: '/validate', port: 8443 });
    expect(webhook.namespaceSelector.matchExpressions).toEqual([{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['monitoring', 'kube-system', 'cert-manager'] }]);
    expect(webhook.rules.flatMap((rule) => rule.resources).sort()).toEqual(['cronjobs', 'daemonsets', 'deployments', 'jobs', 'statefulsets']);
  });

  test('on: the generated certificate is for the Service and the caBundle verifies it', () => {
    const objects = render(binary, { namespace: 'monitoring', release: 'iae', values: { admission: { enabled: true } } });
    const data = secretData(objects);
    expect(webhookOf(objects).clientConfig.caBundle).toBe(data['ca.crt']);
    const ca = new X509Certificate(decode(data['ca.crt']));
    const served = new X509Certificate(decode(data['tls.crt']));
    expect(served.verify(ca.publicKey)).toBe(true);
    expect(served.checkHost('iae-k8s-image-availability-exporter.monitoring.svc')).toBeDefined();
    expect(decode(data['tls.key'])).toContain('PRIVATE KEY');
  });

  test('on: the exporter gets the webhook settings, deny and budget as set', () => {
    const objects = render(binary, { values: { admission: { enabled: true, deny: true, checkBudget: '1500ms', port: 9443 } } });
    const settings = loadSettings([], exporterEnv(objects));
    expect(settings).toMatchObject({ admissionBindAddress: ':9443', admissionDeny: true, admissionCheckBudget: 1500 });
    expect(settings.admissionTlsCertFile).toMatch(/tls\.crt$/);
    const service = only(objects, 'Service') as unknown as { spec: { ports: Array<{ name: string; port: number }> } };
    expect(service.spec.ports).toContainEqual(expect.objectContaining({ name: 'admission', port: 9443 }));
  });

  test('clientCaConfigMap: the exporter reads its ca.crt, mounted, as --admission-client-ca-file', () => {
    const objects = render(binary, { values: { admission: { enabled: true, clientCaConfigMap: 'apiserver-webhook-client-ca' } } });
    const caFile = loadSettings([], exporterEnv(objects)).admissionClientCaFile;
    const pod = (only(objects, 'Deployment') as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
    const volume = pod.volumes.find((v) => v.configMap?.name === 'apiserver-webhook-client-ca');
    const mount = pod.containers[0].volumeMounts.find((m) => m.name === volume?.name);
    expect(volume?.configMap?.items).toEqual([{ key: 'ca.crt', path: 'ca.crt' }]);
    expect(caFile).toBe(`${mount?.mountPath}/ca.crt`);
    expect(mount?.readOnly).toBe(true);
    expect(loadSettings([], exporterEnv(render(binary, { values: { admission: { enabled: true } } }))).admissionClientCaFile).toBe('');
  });

  test('networkPolicy: the webhook port only from the listed peers, the metrics port open; no peers → fails saying what to list', () => {
    const from = [{ ipBlock: { cidr: '10.0.0.0/24' } }];
    const policy = only(render(binary, { release: 'iae', values: { admission: { enabled: true, networkPolicy: { enabled: true, from } } } }), 'NetworkPolicy') as unknown as {
      spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: Array<{ ports: Array<{ port: string }>; from?: unknown }> };
    };
    expect(policy.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'k8s-image-availability-exporter', 'app.kubernetes.io/instance': 'iae' });
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toEqual([
      { ports: [{ port: 'http-metrics', protocol: 'TCP' }] },
      { ports: [{ port: 'admission', protocol: 'TCP' }], from },
    ]);
    expect(render(binary, { values: { admission: { enabled: true } } }).filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    const empty = template(binary, { values: { admission: { enabled: true, networkPolicy: { enabled: true } } } });
    expect(empty.status).not.toBe(0);
    expect(empty.stderr).toContain('admission.networkPolicy.from: list the peers allowed to call the webhook');
  });

  test('cert-manager: a Certificate from a self-signed Issuer, the caBundle left to its cainjector', () => {
    const objects = render(binary, { namespace: 'monitoring', release: 'iae', values: { admission: { enabled: true, certManager: { enabled: true } } } });
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const certificate = only(objects, 'Certificate') as unknown as { spec: { secretName: string; dnsNames: string[]; issuerRef: { name: string } } };
    expect(certificate.spec.dnsNames).toContain('iae-k8s-image-availability-exporter.monitoring.svc');
    expect(only(objects, 'Issuer').metadata.name).toBe(certificate.spec.issuerRef.name);
    const configuration = only(objects, 'ValidatingWebhookConfiguration');
    expect(configuration.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe('monitoring/iae-k8s-image-availability-exporter-admission');
    expect(webhookOf(objects).clientConfig.caBundle).toBeUndefined();
  });
});

describe('the chart webhook in the real API server', () => {
  let api: ApiServer;
  let admission: k8s.AdmissionregistrationV1Api;
  let networking: k8s.NetworkingV1Api;

  beforeAll(async () => {
    api = await startApiServer();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
    networking = kc.makeApiClient(k8s.NetworkingV1Api);
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
  });

  test.each(helms)('$name install stores the webhook; upgrade keeps its generated CA', async ({ name, path: binary }) => {
    const namespace = `admission-${name}`;
    const args = ['--kubeconfig', api.kubeconfigPath, '-n', namespace, '--set', 'admission.enabled=true', '--set', 'podMonitor.enabled=false'];
    const policy = ['--set', 'admission.networkPolicy.enabled=true', '--set', 'admission.networkPolicy.from[0].ipBlock.cidr=10.0.0.0/24'];
    const install = helm(binary, ['install', 'iae', chartDir, '--create-namespace', ...args]);
    if (install.status !== 0) throw new Error(`${install.command}: ${install.stderr}`);
    const configurationName = `${namespace}-iae-k8s-image-availability-exporter`;
    expect(install.stdout).toContain('Anyone who reaches port 8443 of the exporter\'s pod can ask it whether an image exists');
    const before = (await admission.readValidatingWebhookConfiguration({ name: configurationName })).webhooks![0];
    expect(before.failurePolicy).toBe('Ignore');
    expect(before.clientConfig.caBundle).toBeTruthy();
    const upgrade = helm(binary, ['upgrade', 'iae', chartDir, ...args, ...policy, '--set', 'admission.deny=true']);
    if (upgrade.status !== 0) throw new Error(`${upgrade.command}: ${upgrade.stderr}`);
    expect(upgrade.stdout).toContain('print a warning (or are refused)');
    expect(upgrade.stdout).not.toContain('Anyone who reaches port');
    const after = (await admission.readValidatingWebhookConfiguration({ name: configurationName })).webhooks![0];
    expect(after.clientConfig.caBundle).toEqual(before.clientConfig.caBundle);
    const stored = await networking.readNamespacedNetworkPolicy({ namespace, name: 'iae-k8s-image-availability-exporter' });
    expect(stored.spec?.ingress?.[1]).toEqual({ ports: [{ port: 'admission', protocol: 'TCP' }], _from: [{ ipBlock: { cidr: '10.0.0.0/24' } }] });
    const uninstall = helm(binary, ['uninstall', 'iae', '--kubeconfig', api.kubeconfigPath, '-n', namespace]);
    expect(uninstall.status).toBe(0);
  }, 120_000);
});
