// Caller authentication of the admission webhook against a real kube-apiserver: the API server is
// started with an AdmissionConfiguration whose kubeconfig gives it a client certificate for
// webhooks, and the exporter accepts only certificates signed by that client CA. kubectl apply
// still gets its warning through the API server; a client without that certificate is refused in
// the TLS handshake and never reviewed.
import * as k8s from '@kubernetes/client-node';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { kubectl } from '../support/kubectl.js';
import { eventually } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { createTestCa, issueCert, type IssuedCert, type TestCa } from '../support/test-ca.js';
import { registerWebhook } from '../support/webhook-registration.js';

const REVIEW = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'u-1', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, operation: 'CREATE', namespace: 'shop', name: 'web', object: { spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image: 'registry.example.com/shop/web:v1' }] } } } } },
});

describe('admission webhook: only the API server with its client certificate is served', () => {
  let dir: string;
  let api: ApiServer;
  let registry: TestRegistry;
  let exporter: TestExporter;
  let serverCa: TestCa;
  let apiserverClient: IssuedCert;
  let strangerClient: IssuedCert;

  /** POSTs a review directly, as whoever reaches the port; resolves with the status or the error that ended it. */
  const postDirectly = (client?: IssuedCert): Promise<{ status?: number; error?: string }> =>
    new Promise((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: exporter.admissionPort, path: '/validate', method: 'POST', ca: serverCa.caPem, cert: client?.certPem, key: client?.keyPem, agent: false, timeout: 5000 },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode }));
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: `${error.code ?? ''} ${error.message}` }));
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.end(REVIEW);
    });

  /** Reviews counted on /metrics, read after the shared rendering (at most 1 s old) has renewed. */
  const reviewsAnswered = async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    return (await exporter.series()).filter((s) => s.name === 'k8s_image_availability_exporter_admission_requests_total').reduce((sum, s) => sum + s.value, 0);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'admission-client-auth-'));
    await Promise.all(['server-ca', 'client-ca', 'stranger-ca'].map((name) => mkdir(join(dir, name))));
    let clientCa: TestCa;
    let strangerCa: TestCa;
    [serverCa, clientCa, strangerCa] = await Promise.all([createTestCa(join(dir, 'server-ca')), createTestCa(join(dir, 'client-ca')), createTestCa(join(dir, 'stranger-ca'))]);
    const serving = await issueCert(serverCa, 'webhook', 'server');
    [apiserverClient, strangerClient] = await Promise.all([issueCert(clientCa, 'kube-apiserver-webhook-client', 'client'), issueCert(strangerCa, 'kube-apiserver-webhook-client', 'client')]);

    // The credentials the API server presents to webhooks: a kubeconfig whose user "*" matches any webhook host.
    const webhookKubeconfig = join(dir, 'webhook-kubeconfig.yaml');
    await writeFile(
      webhookKubeconfig,
      JSON.stringify({ apiVersion: 'v1', kind: 'Config', users: [{ name: '*', user: { 'client-certificate': apiserverClient.certFile, 'client-key': apiserverClient.keyFile } }] }),
    );
    const admissionConfig = join(dir, 'admission-configuration.yaml');
    await writeFile(
      admissionConfig,
      JSON.stringify({
        apiVersion: 'apiserver.config.k8s.io/v1',
        kind: 'AdmissionConfiguration',
        plugins: [{ name: 'ValidatingAdmissionWebhook', configuration: { apiVersion: 'apiserver.config.k8s.io/v1', kind: 'WebhookAdmissionConfiguration', kubeConfigFile: webhookKubeconfig } }],
      }),
    );
    [api, registry] = await Promise.all([startApiServer({ apiserverArgs: [`--admission-control-config-file=${admissionConfig}`] }), startRegistry({ auth: 'none' })]);
    await registry.pushImage('shop/web', 'v1');
    exporter = await startExporter({
      kubeconfig: api.kubeconfigPath,
      admissionBindAddress: '127.0.0.1:0',
      admissionTlsCertFile: serving.certFile,
      admissionTlsKeyFile: serving.keyFile,
      admissionClientCaFile: clientCa.caFile,
    });

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: 'shop' } } });
    await registerWebhook(kc, { port: exporter.admissionPort!, caPem: serverCa.caPem, rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] });
  }, 180_000);

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  const deployment = (name: string, image: string) =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } } },
    });

  test('API server presenting the client certificate from its AdmissionConfiguration → kubectl apply prints the warning', async () => {
    const image = `${registry.host}/shop/web:v2`;
    // The API server picks up a new webhook configuration a moment after it is stored.
    const result = await eventually(
      () => kubectl(api.kubeconfigPath, ['apply', '-n', 'shop', '--dry-run=server', '-f', '-'], deployment('web', image)),
      (r) => r.stderr.includes('does not exist'),
      30_000,
      'the webhook to be called',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`Warning: image ${image} does not exist in its registry (404)`);
  });

  test('client without a certificate → refused in the TLS handshake, never reviewed; the refusal is logged with what to do', async () => {
    const before = await reviewsAnswered();
    const reply = await postDirectly();
    expect(await reviewsAnswered()).toBe(before);
    expect(reply.status).toBeUndefined();
    expect(reply.error).toMatch(/certificate|ECONNRESET|socket hang up/i);
    expect(exporter.logs.join('\n')).toContain('admission webhook refused a TLS client');
  });

  test('client certificate from another CA → refused in the TLS handshake', async () => {
    const before = await reviewsAnswered();
    const reply = await postDirectly(strangerClient);
    expect(await reviewsAnswered()).toBe(before);
    expect(reply.status).toBeUndefined();
    expect(reply.error).toMatch(/certificate|unknown ca|ECONNRESET|socket hang up/i);
  });

  test('the same request with the client CA\'s certificate → reviewed (200)', async () => {
    const before = await reviewsAnswered();
    expect(await postDirectly(apiserverClient)).toEqual({ status: 200 });
    expect(await reviewsAnswered()).toBe(before + 1);
  });
});
