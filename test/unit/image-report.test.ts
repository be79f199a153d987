// What the status page and /api/images say per image and per registry, from real checks: the
// registry client against a loopback port nothing listens on, and the pull secrets as the
// exporter reads them (the API server's answers given as the bodies it would return).
import { createServer } from 'node:net';
import { imageChecker } from '../../src/checks/image-checker.js';
import { CheckResults } from '../../src/checks/results.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex, type CheckUnit } from '../../src/index/image-index.js';
import { parseImageQuery } from '../../src/http/image-query.js';
import { registryReports, selectReports } from '../../src/http/image-report.js';
import { buildImageView } from '../../src/http/image-view.js';
import { PullSecrets } from '../../src/kube/pull-secrets.js';
import { createLogger } from '../../src/log/log.js';
import { RegistryClient } from '../../src/registry/client.js';
import { hintFor } from '../../src/registry/verdicts/reasons.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('image reports', () => {
  let client: RegistryClient;
  afterAll(async () => client?.close());

  test("a registry's last error is the registry's, never a malformed pull secret's; no reason repeats its what-to-do line", async () => {
    const host = `127.0.0.1:${await closedPort()}`;
    client = new RegistryClient({ requestTimeoutMs: 2000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [host], connectionsPerOrigin: 2, userAgent: 't' });
    const secrets = new PullSecrets(async (_namespace, name) => {
      if (name === 'broken') return { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{not json').toString('base64') } };
      throw Object.assign(new Error('not found'), { code: 404 });
    }, createLogger('silent'));
    const units: CheckUnit[] = [];
    const index = new ImageIndex(new ImageFilter([]), { unitAdded: (unit) => units.push(unit), unitRemoved: () => {} });
    index.upsertWorkload({ kind: 'deployment', namespace: 'shop', name: 'web', podSpec: { containers: [{ name: 'app', image: `${host}/shop/web:v1` }], imagePullSecrets: [{ name: 'gone' }] } });
    index.upsertWorkload({ kind: 'deployment', namespace: 'shop', name: 'api', podSpec: { containers: [{ name: 'app', image: `${host}/shop/api:v1` }], imagePullSecrets: [{ name: 'broken' }] } });
    const check = imageChecker(client, secrets);
    const results = new CheckResults();
    // The malformed secret's image is checked last, so it is the latest failure of the registry.
    let checkedAt = Date.now() - 60_000;
    for (const unit of [...units].sort((a) => (a.pullSecrets.includes('broken') ? 1 : -1))) {
      const result = await check(unit);
      results.set(unit.key, { ...result, registry: host, checkedAt: (checkedAt += 1000), durationMs: 1, consecutiveFailures: 1 });
    }
    const view = buildImageView(index, results);
    const { images } = selectReports(view, parseImageQuery(new URLSearchParams()), { results });
    const web = images.find((r) => r.image.endsWith('shop/web:v1'))!;
    const api = images.find((r) => r.image.endsWith('shop/api:v1'))!;
    expect(web.status).toBe('registry_unavailable');
    expect(web.todo).toBe(hintFor('refused'));
    expect(web.reason).toContain('pull secret shop/gone does not exist');
    expect(web.reason).not.toContain(web.todo);
    expect(api).toMatchObject({ status: 'authentication_failure' });
    expect(api.reason).toContain('pull secret shop/broken is malformed');
    const [registry] = registryReports(view, results);
    expect(registry).toMatchObject({ registry: host, failing: 2 });
    expect(registry.lastError).toBe(web.reason);
    expect(registry.lastError).not.toContain('malformed');
  });
});
