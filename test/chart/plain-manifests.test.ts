// deploy/k8s-image-availability-exporter.yaml, for `kubectl apply -f deploy/` without Helm: what
// scripts/render-manifests.sh prints with the real helm 3 and 4 (so the chart's defaults, kept in
// step with the chart), and applied by the real kubectl into the real API server, which stores
// every object.
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { helms, parseManifests, validateObject } from '../support/helm.js';
import { kubectl } from '../support/kubectl.js';
import { repoRoot, run } from '../support/tools.js';

const manifestsPath = join(repoRoot, 'deploy', 'k8s-image-availability-exporter.yaml');
const committed = readFileSync(manifestsPath, 'utf8');
const NAMESPACE = 'k8s-image-availability-exporter';

test.each(helms)('the committed file is what scripts/render-manifests.sh renders from the chart with $name', ({ path: binary }) => {
  const work = mkdtempSync(join(tmpdir(), 'iae-manifests-'));
  try {
    const output = join(work, 'rendered.yaml');
    const result = run('bash', [join(repoRoot, 'scripts', 'render-manifests.sh'), join(repoRoot, 'chart'), output], { env: { ...process.env, PATH: `${dirname(binary)}:${process.env.PATH}` } });
    if (result.status !== 0) throw new Error(result.stderr);
    // A difference means the chart changed: run scripts/render-manifests.sh and commit the file.
    expect(readFileSync(output, 'utf8')).toBe(committed);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('the file is the Namespace first, then the chart\'s objects in it, each valid for its kind', () => {
  const objects = parseManifests(committed);
  expect(objects[0]).toMatchObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  for (const object of objects.slice(1)) {
    validateObject(object);
    if (!object.kind.startsWith('Cluster')) expect(object.metadata.namespace).toBe(NAMESPACE);
  }
  expect(objects.map((object) => object.kind)).toEqual(expect.arrayContaining(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Deployment']));
});

describe('kubectl apply -f deploy/ into the real API server', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer();
  }, 120_000);
  afterAll(async () => api?.stop());

  test('creates every object of the file; applied again, nothing rolls out', async () => {
    const first = await kubectl(api.kubeconfigPath, ['apply', '-f', join(repoRoot, 'deploy')]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const objects = parseManifests(committed);
    for (const object of objects) expect(first.stdout).toContain(`${object.kind.toLowerCase()}/${object.metadata.name} created`.replace(/^(\w+)\//, (_m, kind: string) => `${kind}${kindGroup(object.apiVersion)}/`));
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    const deployment = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace: NAMESPACE, name: 'k8s-image-availability-exporter' });
    expect(deployment.spec?.template.spec?.serviceAccountName).toBe('k8s-image-availability-exporter');
    // Applied again (as after a git pull): every object unchanged, so no rollout.
    const second = await kubectl(api.kubeconfigPath, ['apply', '-f', join(repoRoot, 'deploy')]);
    expect(second.code).toBe(0);
    expect(second.stdout.trim().split('\n').filter((line) => !line.endsWith(' unchanged'))).toEqual([]);
    const again = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace: NAMESPACE, name: 'k8s-image-availability-exporter' });
    expect(again.metadata?.generation).toBe(deployment.metadata?.generation);
  }, 60_000);
});

/** kubectl names a kind with its API group: deployment.apps, clusterrole.rbac.authorization.k8s.io. */
function kindGroup(apiVersion: string): string {
  return apiVersion.includes('/') ? `.${apiVersion.split('/')[0]}` : '';
}

test('README.md names the way', () => {
  expect(readFileSync(join(repoRoot, 'README.md'), 'utf8')).toContain('kubectl apply -f deploy/');
});
