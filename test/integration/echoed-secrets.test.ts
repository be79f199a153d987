// A registry that echoes what it was sent (the bearer token, the pull secret's password, the Basic
// header) in its challenge, with tabs, C1 control characters and at length: none of it may reach the status
// page, /api/images or the logs, and what does is one bounded line. Real API server; the registry is
// the hand-written stand-in (test/support/hostile-server.ts), no real registry echoes secrets.
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { startHostileServer, type HostileServer } from '../support/hostile-server.js';
import { eventually } from '../support/metrics-text.js';

const NS = 'echo';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const TOKEN = `tok-${randomBytes(16).toString('hex')}`;
const BASIC = Buffer.from(`puller:${PASSWORD}`).toString('base64');

describe('registry echoing the secrets it was sent', () => {
  let api: ApiServer;
  let registry: HostileServer;
  let exporter: TestExporter;

  beforeAll(async () => {
    registry = await startHostileServer((request, response, host) => {
      if (request.url?.startsWith('/token')) {
        // A GET-only token endpoint: containerd's POST gets 405 and falls back to GET with the
        // credentials as a Basic header (auth/fetch.go), which this registry then echoes.
        if (request.method === 'POST') {
          response.writeHead(405).end();
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ token: TOKEN, expires_in: 300 }));
        return;
      }
      const sent = request.headers.authorization ?? '';
      const echo = `you sent ${sent} with password ${PASSWORD} and ${BASIC}\t\u009b2J\u0085Injected: line ${'z'.repeat(2000)}`;
      response.writeHead(401, {
        'www-authenticate': `Bearer realm="http://${host}/token",service="echo",error="${echo}",error_description="${echo}"`,
        'docker-distribution-api-version': 'registry/2.0',
      });
      response.end();
    });
    api = await startApiServer();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    const dockerConfig = { auths: { [registry.host]: { auth: BASIC } } };
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerConfig)).toString('base64') } },
    });
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'app' },
        spec: {
          selector: { matchLabels: { app: 'app' } },
          template: { metadata: { labels: { app: 'app' } }, spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image: `${registry.host}/team/app:v1` }] } },
        },
      },
    });
    exporter = await startExporter({ kubeconfig: api.kubeconfigPath, checkInterval: 60_000, retryInitialDelay: 500, plainHttpRegistries: [registry.host] });
  }, 240_000);

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
  });

  test('echoed token, password and Basic header → redacted everywhere, reason bounded to one line', async () => {
    const images = await eventually(
      async () => ((await (await fetch(`${exporter.url}/api/images`)).json()) as { images: Array<{ status: string; reason: string }> }).images,
      // The token server accepted the credentials, so the registry's 401 is a refusal of access (registries.md).
      (list) => list.length === 1 && list[0].status === 'authorization_failure',
      30_000,
      'the image to be checked',
    );
    // The exporter did send them, so an echo was possible.
    expect(registry.requests.some((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(registry.requests.some((r) => r.headers.authorization === `Basic ${BASIC}`)).toBe(true);

    const reason = images[0].reason;
    expect(reason).toMatch(/^[^\u0000-\u001f\u007f-\u009f]*$/);
    expect(reason.length).toBeLessThanOrEqual(600);
    expect(reason).toContain(`${registry.host} refused team/app to the credentials from secret ${NS}/regcred, which its token server accepted (401, you sent Bearer [redacted] with password [redacted] and [redacted]`);

    const page = await (await fetch(`${exporter.url}/`)).text();
    const json = await (await fetch(`${exporter.url}/api/images`)).text();
    const metrics = await exporter.scrape();
    for (const [where, text] of [['status page', page], ['/api/images', json], ['/metrics', metrics], ['logs', exporter.logs.join('\n')]]) {
      for (const secret of [TOKEN, PASSWORD, BASIC]) expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false });
    }
    expect(exporter.logs.join('\n')).toContain('[redacted]');
  });
});

describe('registry echoing one credential in the reply to another', () => {
  test('two pull secrets refused, the second reply echoes the first password → both redacted', async () => {
    const seen: string[] = [];
    const server = await startHostileServer((request, response) => {
      if (request.headers.authorization) seen.push(Buffer.from(request.headers.authorization.slice('Basic '.length), 'base64').toString());
      response.writeHead(401, { 'www-authenticate': `Basic realm="r",error="rejected",error_description="so far: ${seen.join(' ')}"`, 'docker-distribution-api-version': 'registry/2.0' });
      response.end();
    });
    const client = new RegistryClient({ requestTimeoutMs: 2000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [server.host], connectionsPerOrigin: 1, userAgent: 't' });
    try {
      const first = { username: 'alice', password: `first-${randomBytes(6).toString('hex')}`, source: 'secret a/one' };
      const second = { username: 'bob', password: `second-${randomBytes(6).toString('hex')}`, source: 'secret b/two' };
      const result = await client.check(parseReference(`${server.host}/team/app:v1`), [first, second]);
      expect(result.status).toBe('authentication_failure');
      expect(seen).toEqual([`alice:${first.password}`, `bob:${second.password}`]);
      expect(result.message).toContain('so far: [redacted] [redacted]');
      expect(result.message).not.toContain(first.password);
      expect(result.message).not.toContain(second.password);
    } finally {
      await client.close();
      await server.stop();
    }
  });
});
