// Leaving workloads out: --ignored-namespaces beside the namespace label, and the annotation
// image-availability-exporter.io/check ("false" opts a workload out anywhere, "true" in despite its
// namespace), honoured alike by the exporter's watch, the `check` command and the webhook, against
// a real kube-apiserver, real kubectl and a real registry. Also --status-page=false.
import * as k8s from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CHECK_ANNOTATION } from '../../src/kube/workload-selection.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { runCheck } from '../support/check-run.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { kubectl } from '../support/kubectl.js';
import { eventually } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { createTestCa, issueCert } from '../support/test-ca.js';
import { registerWebhook } from '../support/webhook-registration.js';

const CHECKED_NS = 'shop';
const IGNORED_NS = 'scratch';

function deployment(namespace: string, name: string, image: string, check?: string): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, annotations: check === undefined ? undefined : { [CHECK_ANNOTATION]: check } },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } } },
  };
}

describe('workloads left out by namespace or annotation', () => {
  let dir: string;
  let api: ApiServer;
  let registry: TestRegistry;
  let exporter: TestExporter;
  let missing: string;
  /** namespace/name → its image: which are checked and which are not. */
  let workloads: Array<{ namespace: string; name: string; check?: string; checked: boolean }>;

  const apply = (manifest: object, ...extra: string[]) => kubectl(api.kubeconfigPath, ['apply', '-f', '-', ...extra], JSON.stringify(manifest));
  const imageOf = (name: string) => `${registry.host}/team/${name}:missing`;
  const listedWorkloads = async () => {
    const { images } = (await (await fetch(`${exporter.url}/api/images?limit=100`)).json()) as { images: Array<{ workloads: Array<{ namespace: string; name: string }> }> };
    return images.flatMap((image) => image.workloads.map((w) => `${w.namespace}/${w.name}`)).sort();
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'workload-selection-'));
    [api, registry] = await Promise.all([startApiServer(), startRegistry({ auth: 'none' })]);
    await registry.pushImage('team/app', 'v1');
    missing = `${registry.host}/team/app:missing`;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    for (const name of [CHECKED_NS, IGNORED_NS]) await core.createNamespace({ body: { metadata: { name } } });
    workloads = [
      { namespace: CHECKED_NS, name: 'web', checked: true },
      { namespace: CHECKED_NS, name: 'legacy', check: 'false', checked: false },
      { namespace: IGNORED_NS, name: 'tool', checked: false },
      { namespace: IGNORED_NS, name: 'keep', check: 'true', checked: true },
    ];
    for (const w of workloads) expect((await apply(deployment(w.namespace, w.name, imageOf(w.name), w.check))).code).toBe(0);

    const ca = await createTestCa(dir);
    const cert = await issueCert(ca, 'webhook', 'server');
    exporter = await startExporter({
      kubeconfig: api.kubeconfigPath,
      ignoredNamespaces: [IGNORED_NS],
      admissionBindAddress: '127.0.0.1:0',
      admissionTlsCertFile: cert.certFile,
      admissionTlsKeyFile: cert.keyFile,
    });
    await registerWebhook(kc, { port: exporter.admissionPort!, caPem: ca.caPem, rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'], scope: 'Namespaced' }] });
    // The API server picks up a new webhook configuration a moment after it is stored.
    await eventually(() => apply(deployment(CHECKED_NS, 'probe', missing), '--dry-run=server'), (r) => r.stderr.includes('does not exist'), 30_000, 'the webhook to be called');
  }, 240_000);

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the exporter checks only the workloads not left out, and follows an annotation changed later', async () => {
    const expected = workloads.filter((w) => w.checked).map((w) => `${w.namespace}/${w.name}`).sort();
    await eventually(listedWorkloads, (listed) => JSON.stringify(listed) === JSON.stringify(expected), 20_000, `workloads ${expected.join(', ')}`);
    const metrics = await exporter.scrape();
    expect(metrics).toContain('deployment="web"');
    expect(metrics).toContain('deployment="keep"');
    expect(metrics).not.toContain('deployment="legacy"');
    expect(metrics).not.toContain('deployment="tool"');
    expect((await apply(deployment(CHECKED_NS, 'web', imageOf('web'), 'false'))).code).toBe(0);
    await eventually(listedWorkloads, (listed) => !listed.includes(`${CHECKED_NS}/web`), 20_000, 'shop/web to be left out once annotated "false"');
  }, 60_000);

  test('the webhook warns about a missing image only where the exporter would check it', async () => {
    const dryRun = async (namespace: string, name: string, check?: string) => (await apply(deployment(namespace, name, missing, check), '--dry-run=server')).stderr;
    expect(await dryRun(CHECKED_NS, 'new')).toContain(`Warning: image ${missing} does not exist in its registry (404)`);
    expect(await dryRun(CHECKED_NS, 'new', 'false')).not.toContain('Warning');
    expect(await dryRun(IGNORED_NS, 'new')).not.toContain('Warning');
    expect(await dryRun(IGNORED_NS, 'new', 'true')).toContain(`Warning: image ${missing} does not exist in its registry (404)`);
  }, 60_000);

  test('the check command leaves out the same workloads and says which', async () => {
    const manifests = workloads.map((w) => stringify(deployment(w.namespace, w.name, imageOf(w.name), w.check))).join('---\n');
    const { code, out, err } = await runCheck(['-f', '-', `--ignored-namespaces=${IGNORED_NS}`, `--allow-plain-http=${registry.host}`, '--output=json'], manifests, {});
    expect(code).toBe(1);
    const rows = JSON.parse(out) as Array<{ workloads: Array<{ namespace: string; name: string }> }>;
    const checked = rows.flatMap((row) => row.workloads.map((w) => `${w.namespace}/${w.name}`)).sort();
    expect(checked).toEqual(workloads.filter((w) => w.checked).map((w) => `${w.namespace}/${w.name}`).sort());
    expect(err).toContain(`left out 2 workload(s), as the exporter does: Deployment/${CHECKED_NS}/legacy, Deployment/${IGNORED_NS}/tool`);
  }, 60_000);

  test('--ignored-namespaces refuses a name that is no namespace, saying what a name is', async () => {
    const { code, err } = await runCheck(['-f', '-', '--ignored-namespaces=kube_system'], stringify(deployment(CHECKED_NS, 'web', missing)), {});
    expect(code).toBe(2);
    expect(err).toContain('"kube_system" is not a namespace name');
  });

  test('--status-page=false: / and /api/images answer 404 saying why; /metrics is served', async () => {
    const quiet = await startExporter({ kubeconfig: api.kubeconfigPath, statusPage: false });
    try {
      for (const path of ['/', '/api/images', '/status.css']) {
        const response = await fetch(`${quiet.url}${path}`);
        expect(response.status).toBe(404);
        const text = await response.text();
        expect(text).not.toContain(CHECKED_NS);
        if (path !== '/status.css') expect(text).toContain(`not found: ${path} is turned off here (--status-page=false, chart: statusPage)`);
      }
      expect(await quiet.scrape()).toContain('k8s_image_availability_exporter_');
    } finally {
      await quiet.stop();
    }
  }, 60_000);
});
