// The admission webhook against a real kube-apiserver, real kubectl and a real registry: the API
// server calls the exporter's webhook by URL on 127.0.0.1 over TLS from a test CA, and kubectl
// prints the warnings it returns. Three webhooks, chosen by namespace label: one exporter that
// warns, one that denies, and a port where nothing listens. The registry that hangs is a
// hand-written TCP listener that accepts and never answers: no real registry hangs on demand.
import * as k8s from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { kubectl } from '../support/kubectl.js';
import { eventually, statusOf } from '../support/metrics-text.js';
import { freePort } from '../support/processes.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { createTestCa, issueCert } from '../support/test-ca.js';

const WEBHOOK_TIMEOUT_S = 5;
const MODES = ['warn', 'deny', 'down'] as const;
type Mode = (typeof MODES)[number];
const namespaceOf = (mode: Mode) => `${mode}-team`;

describe('admission webhook against a real API server and kubectl', () => {
  let api: ApiServer;
  let registry: TestRegistry;
  let privateRegistry: TestRegistry;
  let warner: TestExporter;
  let denier: TestExporter;
  let hanging: Server;
  const hangingSockets = new Set<Socket>();
  let hangingHost: string;
  let dir: string;
  let apps: k8s.AppsV1Api;

  const deployment = (name: string, image: string, pullSecret?: string, serviceAccountName?: string) =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }], imagePullSecrets: pullSecret ? [{ name: pullSecret }] : undefined, serviceAccountName } },
      },
    });
  const apply = (mode: Mode, name: string, image: string, ...extra: string[]) => kubectl(api.kubeconfigPath, ['apply', '-n', namespaceOf(mode), '-f', '-', ...extra], deployment(name, image));
  const exists = (mode: Mode, name: string) =>
    apps.readNamespacedDeployment({ namespace: namespaceOf(mode), name }).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'admission-'));
    [api, registry, privateRegistry] = await Promise.all([startApiServer(), startRegistry({ auth: 'none' }), startRegistry({ auth: 'htpasswd' })]);
    await registry.pushImage('shop/web', 'v1');
    await privateRegistry.pushImage('shop/private', 'v1');
    hanging = createServer((socket) => {
      hangingSockets.add(socket);
      socket.on('close', () => hangingSockets.delete(socket));
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    hangingHost = `127.0.0.1:${(hanging.address() as { port: number }).port}`;

    const ca = await createTestCa(dir);
    const cert = await issueCert(ca, 'webhook', 'server');
    const tls = { admissionBindAddress: '127.0.0.1:0', admissionTlsCertFile: cert.certFile, admissionTlsKeyFile: cert.keyFile };
    [warner, denier] = await Promise.all([
      startExporter({ kubeconfig: api.kubeconfigPath, ...tls }),
      startExporter({ kubeconfig: api.kubeconfigPath, ...tls, admissionDeny: true }),
    ]);
    const ports: Record<Mode, number> = { warn: warner.admissionPort!, deny: denier.admissionPort!, down: await freePort() };

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    for (const mode of MODES) await core.createNamespace({ body: { metadata: { name: namespaceOf(mode), labels: { webhook: mode } } } });
    const { username, password } = privateRegistry.admin!;
    const dockerConfig = { auths: { [privateRegistry.host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } };
    await core.createNamespacedSecret({
      namespace: namespaceOf('deny'),
      body: { metadata: { name: 'private-pull' }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': JSON.stringify(dockerConfig) } },
    });
    await kc.makeApiClient(k8s.AdmissionregistrationV1Api).createValidatingWebhookConfiguration({
      body: {
        metadata: { name: 'image-availability' },
        webhooks: MODES.map((mode) => ({
          name: `${mode}.image-availability.example.com`,
          clientConfig: { url: `https://127.0.0.1:${ports[mode]}/validate`, caBundle: Buffer.from(ca.caPem).toString('base64') },
          rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments', 'statefulsets', 'daemonsets'] }],
          namespaceSelector: { matchLabels: { webhook: mode } },
          failurePolicy: 'Ignore',
          sideEffects: 'None',
          timeoutSeconds: WEBHOOK_TIMEOUT_S,
          admissionReviewVersions: ['v1'],
        })),
      },
    });
    // The API server picks up a new webhook configuration a moment after it is stored.
    await eventually(() => apply('warn', 'probe', `${registry.host}/shop/web:probe`, '--dry-run=server'), (r) => r.stderr.includes('does not exist'), 30_000, 'the webhook to be called');
  }, 180_000);

  afterAll(async () => {
    await Promise.all([warner?.stop(), denier?.stop()]);
    for (const socket of hangingSockets) socket.destroy();
    if (hanging) await new Promise((resolve) => hanging.close(resolve));
    await Promise.all([api?.stop(), registry?.stop(), privateRegistry?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  test('missing tag → kubectl apply prints the warning and the Deployment is created', async () => {
    const result = await apply('warn', 'web', `${registry.host}/shop/web:v2`);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`Warning: image ${registry.host}/shop/web:v2 does not exist in its registry (404); pods of this Deployment will fail with ImagePullBackOff`);
    expect(result.stdout).toContain('deployment.apps/web created');
    expect(await exists('warn', 'web')).toBe(true);
  });

  test('deny on: missing tag → refused with the message, nothing created', async () => {
    const result = await apply('deny', 'web', `${registry.host}/shop/web:v2`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('denied the request');
    expect(result.stderr).toContain(`image ${registry.host}/shop/web:v2 does not exist in its registry (404)`);
    expect(await exists('deny', 'web')).toBe(false);
  });

  test('deny on: invalid reference → refused as InvalidImageName', async () => {
    const result = await apply('deny', 'bad', `${registry.host}/Shop/Web:v1`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('is not a valid image reference');
    expect(result.stderr).toContain('InvalidImageName');
    expect(await exists('deny', 'bad')).toBe(false);
  });

  test('deny on: available image → created silently', async () => {
    const result = await apply('deny', 'good', `${registry.host}/shop/web:v1`);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('Warning');
    expect(await exists('deny', 'good')).toBe(true);
  });

  test('image already checked → answered from the results at once', async () => {
    await apply('warn', 'cached', `${registry.host}/shop/web:v1`);
    await eventually(async () => statusOf(await warner.series(), 'deployment', 'warn-team', 'cached', 'app'), (s) => s === 'available', 20_000, 'the exporter to check it');
    await registry.resetRequests();
    const result = await apply('warn', 'cached-again', `${registry.host}/shop/web:v1`);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('Warning');
    // The same image with no pull secrets is the same check unit: its result answered, the registry was not asked.
    expect((await registry.requests()).filter((r) => r.path.includes('/manifests/'))).toEqual([]);
  });

  test('deny on: registry that hangs → apply succeeds within the webhook timeout, no warning claims the image missing', async () => {
    const result = await apply('deny', 'slow', `${hangingHost}/shop/web:v1`);
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(WEBHOOK_TIMEOUT_S * 1000);
    expect(result.stderr).not.toContain('does not exist');
    expect(await exists('deny', 'slow')).toBe(true);
  });

  test('deny on: private image with the pull secret the pod names → created silently', async () => {
    const result = await kubectl(api.kubeconfigPath, ['apply', '-n', namespaceOf('deny'), '-f', '-'], deployment('private', `${privateRegistry.host}/shop/private:v1`, 'private-pull'));
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('Warning');
  });

  test('deny on: private image, pull secret from the ServiceAccount the template names → created silently', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespacedServiceAccount({ namespace: namespaceOf('deny'), body: { metadata: { name: 'puller' }, imagePullSecrets: [{ name: 'private-pull' }] } });
    const manifest = deployment('by-account', `${privateRegistry.host}/shop/private:v1`, undefined, 'puller');
    // The exporter learns the ServiceAccount from its watch, a moment after it is stored.
    const result = await eventually(
      () => kubectl(api.kubeconfigPath, ['apply', '-n', namespaceOf('deny'), '-f', '-'], manifest),
      (r) => r.code === 0 && !r.stderr.includes('Warning'),
      15_000,
      'the ServiceAccount pull secret to be used',
    );
    expect(result.stdout).toContain('deployment.apps/by-account');
  });

  test('deny on: private image without a pull secret → warned about credentials, never refused', async () => {
    const result = await apply('deny', 'anonymous', `${privateRegistry.host}/shop/private:v1`);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`Warning: image ${privateRegistry.host}/shop/private:v1: the registry refused the pull credentials pods of this Deployment would use`);
    expect(await exists('deny', 'anonymous')).toBe(true);
  });

  test('webhook down → apply succeeds (failurePolicy Ignore)', async () => {
    const result = await apply('down', 'web', `${registry.host}/shop/web:v2`);
    expect(result.code).toBe(0);
    expect(await exists('down', 'web')).toBe(true);
  });

  test('server-side dry-run apply warns too and creates nothing', async () => {
    const result = await apply('warn', 'dry', `${registry.host}/shop/web:v3`, '--dry-run=server');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`Warning: image ${registry.host}/shop/web:v3 does not exist in its registry (404)`);
    expect(await exists('warn', 'dry')).toBe(false);
  });

  test('warnings given → the status page and /api/images show them on the image: when, which object, admitted or refused, the words', async () => {
    const image = `${registry.host}/shop/web:v2`;
    // The same missing image again, as a dry run: warned, and remembered as a dry run.
    expect((await apply('warn', 'web-copy', image, '--dry-run=server')).stderr).toContain('does not exist');
    type Page = { images: Array<{ image: string; admissionWarnings?: Array<Record<string, unknown>> }> };
    const warnedAbout = async (exporter: TestExporter) => {
      // warn-team/web runs the image, so both exporters report it; each shows only its own warnings.
      const page = await eventually(
        async () => (await (await fetch(`${exporter.url}/api/images?q=${encodeURIComponent(image)}`)).json()) as Page,
        (p) => p.images.length === 1 && (p.images[0].admissionWarnings?.length ?? 0) > 0,
        20_000,
        'the warned image to be reported',
      );
      return page.images[0].admissionWarnings!;
    };
    const warned = await warnedAbout(warner);
    expect(warned).toEqual([
      expect.objectContaining({ operation: 'CREATE', object: 'Deployment warn-team/web', dryRun: false, denied: false, warning: expect.stringContaining(`image ${image} does not exist in its registry (404)`) }),
      expect.objectContaining({ operation: 'CREATE', object: 'Deployment warn-team/web-copy', dryRun: true, denied: false }),
    ]);
    expect(Date.parse(String(warned[0].at))).toBeGreaterThan(Date.now() - 120_000);
    expect(await warnedAbout(denier)).toEqual([expect.objectContaining({ object: 'Deployment deny-team/web', dryRun: false, denied: true, warning: expect.stringContaining('does not exist') })]);
    const html = await (await fetch(`${warner.url}/?q=${encodeURIComponent(image)}`)).text();
    expect(html).toContain('2 admission warnings');
    expect(html).toContain('Deployment warn-team/web-copy <span class="sub">(CREATE, dry run, admitted)</span>');
  });

  test('admission requests are counted by outcome and timed', async () => {
    const series = await denier.series();
    const count = (outcome: string) => series.find((s) => s.name === 'k8s_image_availability_exporter_admission_requests_total' && s.labels.outcome === outcome)?.value ?? 0;
    expect(count('denied')).toBeGreaterThanOrEqual(2);
    expect(count('available')).toBeGreaterThanOrEqual(1);
    const timed = series.find((s) => s.name === 'k8s_image_availability_exporter_admission_duration_seconds_count')?.value ?? 0;
    expect(timed).toBeGreaterThanOrEqual(count('denied') + count('available'));
  });
});
