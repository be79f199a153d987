// The exporter's own Kubernetes requests (src/kube/kube-api.ts) against the real API server:
// answers parsed, errors carrying the API server's status and message, and an answer over the
// size bound dropped with an error instead of buffered.
import { KubeConfig } from '../../src/kube/client-library.js';
import { KubeApi, KubeApiError } from '../../src/kube/kube-api.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';

describe('KubeApi against the real API server', () => {
  let server: ApiServer | undefined;
  let api: KubeApi;

  beforeAll(async () => {
    server = await startApiServer();
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    api = new KubeApi(kc);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  test('a list page → its items, resourceVersion and continue token', async () => {
    const page = await api.listPage('/api/v1/namespaces', { limit: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(page.metadata?.continue).toBeTruthy();
  });

  test('a missing Secret → KubeApiError with code 404 and the API server message', async () => {
    const error = await api.get('/api/v1/namespaces/default/secrets/no-such-secret').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).code).toBe(404);
    expect((error as KubeApiError).message).toContain('secrets "no-such-secret" not found');
  });

  test('an answer larger than maxBytes → KubeApiError naming the request, the body dropped', async () => {
    const error = await api.get('/api/v1/namespaces', { maxBytes: 64 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).message).toMatch(/answer to GET \/api\/v1\/namespaces is larger than/);
    // The same request under a sufficient bound still succeeds: only the size made it fail.
    await expect(api.get('/api/v1/namespaces', { maxBytes: 1024 * 1024 })).resolves.toHaveProperty('items');
  });
});
