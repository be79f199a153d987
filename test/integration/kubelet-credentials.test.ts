// Pull credentials decided as the kubelet decides them, against a real kube-apiserver and real
// registries (htpasswd and token auth): which secrets a pod gets, which keys serve which image,
// what a broken, empty or missing secret does, and an API server outage that must not change a
// single status.
import * as k8s from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import { KubeApi } from '../../src/kube/kube-api.js';
import { apiSecretReader, PullSecrets } from '../../src/kube/pull-secrets.js';
import { createLogger } from '../../src/log/log.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { eventually, statusOf, type Series } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const NS = 'kubelet';
const USER = 'puller';
const PASSWORD = 'pull-password-123';
/** Checks this often, so that an outage of OUTAGE_MS outlasts the secret cache (min(60 s, interval)) several times over. */
const CHECK_INTERVAL_MS = 4_000;
/**
 * The outage is 90 s. What it must show: every secret's cached content expires during the
 * outage and is needed again while it cannot be read. With secrets cached for one check interval
 * (4 s here), 20 s covers five expiries and rechecks of every image; override with IAE_OUTAGE_MS.
 */
const OUTAGE_MS = Number(process.env.IAE_OUTAGE_MS ?? 20_000);

type ImageReport = { image: string; status: string; reason: string; workloads: Array<{ name: string; container: string }> };

const b64 = (text: string) => Buffer.from(text).toString('base64');
const goodAuth = { auth: b64(`${USER}:${PASSWORD}`) };
const wrongAuth = { auth: b64(`${USER}:wrong-password`) };

describe('pull credentials as the kubelet decides them (real API server, htpasswd and token registries)', () => {
  let api: ApiServer;
  let basic: TestRegistry;
  let token: TestRegistry;
  let exporter: TestExporter;
  let apps: k8s.AppsV1Api;
  let core: k8s.CoreV1Api;

  const createSecret = (name: string, auths: Record<string, unknown>) =>
    core.createNamespacedSecret({ namespace: NS, body: { metadata: { name }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } } });
  /** One container per registry, both pulling team/app:v1. */
  const createDeployment = (name: string, spec: Partial<k8s.V1PodSpec>) =>
    apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name },
        spec: {
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'basic', image: `${basic.host}/team/app:v1` }, { name: 'token', image: `${token.host}/team/app:v1` }], ...spec } },
        },
      },
    });
  const statuses = async (name: string) => {
    const series = await exporter.series();
    return [statusOf(series, 'deployment', NS, name, 'basic'), statusOf(series, 'deployment', NS, name, 'token')];
  };
  const settle = (name: string, expected: string) =>
    eventually(() => statuses(name), (both) => both.every((status) => status === expected), 20_000, `deployment ${name} to be ${expected} on both registries`);
  const reports = async (): Promise<ImageReport[]> => {
    const body = (await (await fetch(`${exporter.url}/api/images`)).json()) as ImageReport[] | { images?: ImageReport[]; items?: ImageReport[] };
    return Array.isArray(body) ? body : (body.images ?? body.items ?? []);
  };
  const reasonOf = async (name: string) => (await reports()).filter((report) => report.workloads.some((w) => w.name === name)).map((report) => report.reason);

  beforeAll(async () => {
    [api, basic, token] = await Promise.all([
      startApiServer(),
      startRegistry({ auth: 'htpasswd', users: { [USER]: PASSWORD } }),
      startRegistry({ auth: 'token', users: { [USER]: PASSWORD }, grants: { [USER]: ['*'] } }),
    ]);
    await Promise.all([basic.pushImage('team/app', 'v1'), token.pushImage('team/app', 'v1')]);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await createSecret('good', { [basic.host]: goodAuth, [token.host]: goodAuth });
    await createSecret('wrong', { [basic.host]: wrongAuth, [token.host]: wrongAuth });
    exporter = await startExporter({ kubeconfig: api.kubeconfigPath, checkInterval: CHECK_INTERVAL_MS, retryInitialDelay: 500, plainHttpRegistries: [basic.host, token.host] });
    await eventually(() => fetch(`${exporter.url}/readyz`).then((r) => r.status), (code) => code === 200, 30_000, '/readyz');
  }, 240_000);

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all([api?.stop(), basic?.stop(), token?.stop()]);
  });

  test('wrong secret in the pod template + right one on its ServiceAccount → authentication_failure (the ServiceAccount\'s are not added)', async () => {
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'good-sa' }, imagePullSecrets: [{ name: 'good' }] } });
    await createDeployment('own-wrong-sa-good', { serviceAccountName: 'good-sa', imagePullSecrets: [{ name: 'wrong' }] });
    await createDeployment('sa-good-only', { serviceAccountName: 'good-sa' });
    await settle('own-wrong-sa-good', 'authentication_failure');
    await settle('sa-good-only', 'available');
  }, 60_000);

  test('a secret with an empty {} entry next to a good one → available', async () => {
    await createSecret('with-empty', { 'https://index.docker.io/v1/': {}, [basic.host]: goodAuth, [token.host]: goodAuth });
    await createSecret('empty-for-host', { [basic.host]: {}, [token.host]: { email: 'ops@example.com' } });
    await createDeployment('empty-entry', { imagePullSecrets: [{ name: 'with-empty' }] });
    // An empty entry for the registry is an anonymous try; the next secret's credentials still follow.
    await createDeployment('empty-then-good', { imagePullSecrets: [{ name: 'empty-for-host' }, { name: 'good' }] });
    await settle('empty-entry', 'available');
    await settle('empty-then-good', 'available');
  }, 60_000);

  test('good + malformed secret → authentication_failure naming the malformed one, never its content', async () => {
    await createSecret('broken', { [basic.host]: { auth: 'pants-not-base64' } });
    await createDeployment('good-and-broken', { imagePullSecrets: [{ name: 'good' }, { name: 'broken' }] });
    await settle('good-and-broken', 'authentication_failure');
    const reasons = await reasonOf('good-and-broken');
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) {
      expect(reason).toContain(`pull secret ${NS}/broken is malformed`);
      expect(reason).not.toContain('pants');
    }
  }, 60_000);

  test('a misspelt secret: checked anonymously as the kubelet pulls, and the reason names the missing secret', async () => {
    await createDeployment('misspelt', { imagePullSecrets: [{ name: 'goood' }] });
    await settle('misspelt', 'authentication_failure');
    for (const reason of await reasonOf('misspelt')) expect(reason).toContain(`pull secret ${NS}/goood does not exist`);
  }, 60_000);

  // Keys that differ only in scheme, trailing slash, path prefix or letter case: [key for both hosts, status].
  let keyCases = 0;
  test.each([
    ['http://HOST', 'available'],
    ['HTTPS://HOST', 'authentication_failure'],
    ['HOST/', 'available'],
    ['HOST//', 'authentication_failure'],
    ['HOST/v1/', 'available'],
    ['HOST/team', 'available'],
    ['HOST/tea', 'available'],
    ['HOST/team/', 'available'],
    ['HOST/Team', 'authentication_failure'],
    ['HOST/other', 'authentication_failure'],
  ])('key %s → %s', async (pattern, expected) => {
    const name = `key-${++keyCases}`;
    const keyFor = (host: string) => pattern.replace('HOST', host);
    await createSecret(name, { [keyFor(basic.host)]: goodAuth, [keyFor(token.host)]: goodAuth });
    await createDeployment(name, { imagePullSecrets: [{ name }] });
    await settle(name, expected);
  }, 60_000);

  test('API server stopped and started again while private images are tracked → not one status change; each unreadable secret logged once', async () => {
    const before = await exporter.series();
    const tracked = (series: Series[]) =>
      new Map(series.filter((s) => s.name.startsWith('k8s_image_availability_exporter_deployment_') && s.value === 1).map((s) => [`${s.labels.namespace}/${s.labels.deployment ?? s.labels.name}/${s.labels.container}`, s.name]));
    const baseline = tracked(before);
    expect(baseline.size).toBeGreaterThanOrEqual(20);
    const logsBefore = exporter.logs.length;
    const changes: string[] = [];
    const watchChanges = async () => {
      for (const [key, name] of tracked(await exporter.series())) if (baseline.get(key) !== name) changes.push(`${key}: ${baseline.get(key)} → ${name}`);
    };

    await api.pause();
    const outageEnds = Date.now() + OUTAGE_MS;
    while (Date.now() < outageEnds) {
      await watchChanges();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await api.resume();
    const settledAt = Date.now() + 3 * CHECK_INTERVAL_MS;
    while (Date.now() < settledAt) {
      await watchChanges();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    const logs = exporter.logs.slice(logsBefore).map((line) => JSON.parse(line) as { msg: string; secret?: string });
    expect(changes).toEqual([]);
    expect(logs.filter((line) => line.msg === 'image check')).toEqual([]);
    const unreadable = logs.filter((line) => line.msg.startsWith('cannot read pull secret')).map((line) => line.secret);
    expect(unreadable).toContain(`${NS}/good`);
    expect(unreadable.filter((secret) => secret === `${NS}/good`)).toHaveLength(1);
    expect(new Set(unreadable).size).toBe(unreadable.length);
  }, 120_000 + OUTAGE_MS);
});

describe('pull secret reads against a real API server that goes away', () => {
  let api: ApiServer;
  let kc: k8s.KubeConfig;
  beforeAll(async () => {
    api = await startApiServer();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespacedSecret({
      namespace: 'default',
      body: { metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'r.example': goodAuth } })) } },
    });
  }, 180_000);
  afterAll(() => api?.stop());

  test('content last read is used while reads fail; a secret never read gives no answer; one warning per secret', async () => {
    const lines: string[] = [];
    const log = createLogger('info', new Writable({ write: (chunk, _e, done) => (lines.push(...String(chunk).split('\n').filter(Boolean)), done()) }));
    const secrets = new PullSecrets(apiSecretReader(new KubeApi(kc)), log, { ttlMs: 0, retryMs: 0 });
    expect(await secrets.keyring('default', ['regcred'])).toMatchObject({ kind: 'keyring', notes: [], entries: [{ key: 'r.example', credential: { username: USER } }] });

    await api.pause();
    try {
      for (let i = 0; i < 3; i++) {
        const stale = await secrets.keyring('default', ['regcred']);
        expect(stale).toMatchObject({ kind: 'keyring', entries: [{ key: 'r.example' }] });
        expect(stale.kind === 'keyring' && stale.notes.join()).toMatch(/pull secret default\/regcred cannot be read now \(ECONNREFUSED\); its content read earlier was used/);
        const never = await secrets.keyring('default', ['regcred', 'never-read']);
        expect(never).toEqual({ kind: 'unknown', reason: 'pull secret default/never-read could not be read yet (ECONNREFUSED); the last status is kept until it can be read' });
      }
    } finally {
      await api.resume();
    }
    expect(await secrets.keyring('default', ['never-read'])).toEqual({ kind: 'keyring', entries: [], notes: ['pull secret default/never-read does not exist, so it was not used: check its name'] });
    expect((await secrets.keyring('default', ['regcred'])).kind).toBe('keyring');

    const messages = lines.map((line) => JSON.parse(line) as { msg: string; secret: string });
    const warned = messages.filter((m) => m.msg.startsWith('cannot read pull secret')).map((m) => m.secret);
    expect(warned.sort()).toEqual(['default/never-read', 'default/regcred']);
    expect(messages.filter((m) => m.msg === 'pull secret readable again').map((m) => m.secret).sort()).toEqual(['default/never-read', 'default/regcred']);
  }, 120_000);

  test('a name no Secret can have is not found, and the reason shows it printable and short', async () => {
    const secrets = new PullSecrets(apiSecretReader(new KubeApi(kc)), createLogger('silent'));
    const answer = await secrets.keyring('default', [`Bad_Name\n${'x'.repeat(300)}`, 'regcred']);
    expect(answer).toMatchObject({ kind: 'keyring', entries: [{ key: 'r.example' }] });
    const [note] = answer.kind === 'keyring' ? answer.notes : [];
    expect(note).toMatch(/^pull secret default\/Bad_Name\?x+\.\.\. does not exist, so it was not used: check its name$/);
    expect(note.length).toBeLessThan(220);
  });
});
