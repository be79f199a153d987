// The test bed itself: a real kube-apiserver with RBAC, service-account tokens,
// and etcd data that survives an apiserver restart.
import * as k8s from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../support/apiserver.js';

/** A kubeconfig for the same server that authenticates with `token`, or as nobody. */
function kubeConfigAs(admin: k8s.KubeConfig, token?: string): k8s.KubeConfig {
  const cluster = admin.getCurrentCluster()!;
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [token ? { name: 'test', token } : { name: 'test' }],
    contexts: [{ name: 'test', cluster: cluster.name, user: 'test' }],
    currentContext: 'test',
  });
  return kc;
}

/** The HTTP status an API call fails with, or 200 when it succeeds. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err) {
    if (err instanceof k8s.ApiException) return err.code;
    throw err;
  }
}

describe('kube-testbed API server', () => {
  let server: ApiServer | undefined;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  const namespace = 'testbed';

  beforeAll(async () => {
    server = await startApiServer();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
  }, 150_000);

  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  test('serves the admin kubeconfig on 127.0.0.1', async () => {
    expect(server!.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kc.getCurrentCluster()!.server).toBe(server!.url);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const names = (await core.listNamespace()).items.map((ns) => ns.metadata!.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', namespace]));
  });

  test('RBAC: anonymous is denied, a ServiceAccount token is allowed only once bound', async () => {
    expect(await statusOf(kubeConfigAs(kc).makeApiClient(k8s.CoreV1Api).listNamespace())).toBe(403);

    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'reader' } } });
    const tokenRequest = await core.createNamespacedServiceAccountToken({
      name: 'reader',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const token = tokenRequest.status!.token;
    const asReader = kubeConfigAs(kc, token).makeApiClient(k8s.AppsV1Api);
    expect(await statusOf(asReader.listNamespacedDeployment({ namespace }))).toBe(403);

    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createClusterRole({
      body: {
        metadata: { name: 'testbed-deployment-reader' },
        rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] }],
      },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'testbed-deployment-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'testbed-deployment-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
      },
    });
    // The RBAC authorizer reads from an informer cache: allow it a moment.
    let status = 0;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      status = await statusOf(asReader.listNamespacedDeployment({ namespace }));
      if (status === 200) break;
    }
    expect(status).toBe(200);
    // Still only what the role grants.
    expect(await statusOf(kubeConfigAs(kc, token).makeApiClient(k8s.CoreV1Api).listNamespacedSecret({ namespace }))).toBe(403);
  });

  test('restart(): same URL, same credentials, etcd data survives', async () => {
    const before = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'survivor' }, data: { answer: '42' } },
    });
    const token = (
      await core.createNamespacedServiceAccountToken({ name: 'reader', namespace, body: { spec: { audiences: [] } } })
    ).status!.token;
    const url = server!.url;

    await server!.restart();
    expect(server!.url).toBe(url);

    // The same KubeConfig object, loaded before the restart, still works.
    const after = await core.readNamespacedConfigMap({ name: 'survivor', namespace });
    expect(after.data).toEqual({ answer: '42' });
    expect(after.metadata!.uid).toBe(before.metadata!.uid);
    // The service-account signing key was reused, so a token from before is valid.
    const asReader = kubeConfigAs(kc, token).makeApiClient(k8s.AppsV1Api);
    expect(await statusOf(asReader.listNamespacedDeployment({ namespace }))).toBe(200);
    // resourceVersions continue from where they were.
    const later = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'later' } } });
    expect(BigInt(later.metadata!.resourceVersion!)).toBeGreaterThan(BigInt(before.metadata!.resourceVersion!));
  }, 150_000);
});
