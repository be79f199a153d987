// `check -f manifests.yaml` against the real registry: the CI gate before a deployment. Exit
// status 0 / 1 / 2, the JSON shape, progress only on a terminal, pull secrets and ServiceAccounts
// from the manifests with the exporter's rules, disabled workloads as the exporter treats them, and
// a registry that never answers costing one timeout, not one per image.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { runCheckCommand, type CheckRow } from '../../src/check-command/command.js';
import { runCheck } from '../support/check-run.js';
import { startHostileServer, type HostileServer } from '../support/hostile-server.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const PULLER = { username: 'ci', password: 'ci-password-xyz' };

const yamlOf = (...objects: object[]) => objects.map((object) => stringify(object)).join('---\n');
const deployment = (namespace: string | undefined, name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec: { ...extra, template: { spec } },
});

describe('check command', () => {
  let open: TestRegistry;
  let locked: TestRegistry;
  let dir: string;
  let manifests: string;
  const dockerConfigFor = (registry: TestRegistry, password = PULLER.password) => ({ auths: { [registry.host]: { auth: Buffer.from(`${PULLER.username}:${password}`).toString('base64') } } });
  const pullSecret = (namespace: string, name: string, password = PULLER.password) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/dockerconfigjson',
    metadata: { name, namespace },
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerConfigFor(locked, password))).toString('base64') },
  });

  beforeAll(async () => {
    [open, locked] = await Promise.all([startRegistry({ auth: 'none' }), startRegistry({ auth: 'htpasswd', users: { [PULLER.username]: PULLER.password } })]);
    await open.pushImage('team/web', 'v1');
    await open.pushImage('team/init', 'v1');
    await locked.pushImage('private/app', 'v1');
    dir = mkdtempSync(join(tmpdir(), 'iae-check-'));
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug' }, spec: { containers: [{ name: 'c', image: `${open.host}/team/web:v404` }] } },
        { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' }, spec: { template: { spec: { containers: [{ name: 'm', image: `${locked.host}/private/app:v1` }] } } } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ignored' }, data: { image: 'not/an/image' } },
      ],
    };
    manifests = `${stringify(deployment('shop', 'web', { initContainers: [{ name: 'init', image: `${open.host}/team/init:v1` }], containers: [{ name: 'web', image: `${open.host}/team/web:v1` }] }))}---\n${stringify(list)}`;
  });
  afterAll(() => Promise.all([open?.stop(), locked?.stop()]));

  const settings = () => [`--allow-plain-http=${open.host},${locked.host}`];
  const run = (args: string[], stdin = manifests) => runCheck(args, stdin, { HOME: dir });
  const rowsOf = (out: string) => JSON.parse(out) as CheckRow[];
  const statusOf = (rows: CheckRow[], namespace: string, name: string) => rows.find((row) => row.workloads.some((w) => w.namespace === namespace && w.name === name))?.status;

  test('table of every image, exit 1 when one is not available', async () => {
    const { code, out } = await run(['-f', '-', ...settings()]);
    expect(code).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^STATUS\s+IMAGE\s+USED BY\s+REASON$/);
    expect(lines).toHaveLength(5);
    expect(out).toMatch(new RegExp(`available\\s+${open.host}/team/web:v1\\s+Deployment/shop/web \\(web\\)`));
    expect(out).toMatch(new RegExp(`absent\\s+${open.host}/team/web:v404\\s+Pod/default/debug \\(c\\)\\s+.*\\(404\\)`));
    expect(out).toMatch(new RegExp(`authentication_failure\\s+${locked.host}/private/app:v1\\s+Job/default/migrate`));
    expect(out).toContain(`${open.host}/team/init:v1`);
  });

  test('--output json: workloads as objects {kind, namespace, name, container}; -n names the namespace of objects without one', async () => {
    const { out } = await run(['-f', '-', '--output=json', '-n', 'ci', ...settings()]);
    const rows = rowsOf(out);
    expect(rows.find((row) => row.image.endsWith('team/web:v1'))?.workloads).toEqual([{ kind: 'Deployment', namespace: 'shop', name: 'web', container: 'web' }]);
    expect(rows.find((row) => row.image.endsWith('team/web:v404'))?.workloads).toEqual([{ kind: 'Pod', namespace: 'ci', name: 'debug', container: 'c' }]);
  });

  test('--pull-secret supplies credentials for every image; no secret in the output', async () => {
    const secretFile = join(dir, 'regcred.yaml');
    writeFileSync(secretFile, stringify(pullSecret('any', 'regcred')));
    const manifestFile = join(dir, 'manifests.yaml');
    writeFileSync(manifestFile, manifests);
    const { code, out, err } = await run(['-f', manifestFile, '--output=json', `--pull-secret=${secretFile}`, ...settings()]);
    const rows = rowsOf(out);
    expect(rows.find((row) => row.image.endsWith('private/app:v1'))?.status).toBe('available');
    expect(rows.filter((row) => row.status !== 'available').map((row) => row.image)).toEqual([`${open.host}/team/web:v404`]);
    expect(code).toBe(1);
    expect(`${out}${err}`).not.toContain(PULLER.password);
  });

  test('all available → exit 0; ignored images are left out and counted', async () => {
    const { code, out, err } = await run(['-f', '-', ...settings(), `--ignored-images=${open.host}/team/web:v404,${locked.host}/*`]);
    expect(code).toBe(0);
    expect(out).not.toContain('v404');
    expect(err).toContain('2 ignored by --ignored-images/--allowed-images');
  });

  describe('exit 2: nothing could be checked, with one line saying why', () => {
    test.each([
      { name: 'no -f', args: [], stdin: '', says: /^check: no manifests: give -f FILE/ },
      { name: 'an unknown output', args: ['-f', '-', '--output=xml'], stdin: 'kind: Pod', says: /--output must be table or json, not xml/ },
      { name: 'a missing file', args: ['-f', '/nonexistent/app.yaml'], stdin: '', says: /^check: cannot read \/nonexistent\/app\.yaml: no such file; give a readable manifest file/ },
      { name: 'broken YAML', args: ['-f', '-'], stdin: 'kind: Pod\nspec: [unclosed\n', says: /^check: stdin: line \d+, column \d+: .+; fix the YAML/ },
      { name: 'empty input', args: ['-f', '-'], stdin: '', says: /no workloads with images in -: nothing was checked \(--allow-empty accepts that\)/ },
      { name: 'input without workloads', args: ['-f', '-'], stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', says: /nothing was checked/ },
      { name: 'a wrong setting', args: ['-f', '-', '--registry-request-timeout=soon'], stdin: 'kind: Pod', says: /^check: .*registryRequestTimeout|registry-request-timeout/ },
    ])('$name', async ({ args, stdin, says }) => {
      const { code, out, err } = await run(args, stdin);
      expect({ code, out }).toEqual({ code: 2, out: '' });
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toMatch(says);
      expect(err.trim()).not.toMatch(/:$/);
    });

    test('--allow-empty: empty input passes the gate, said on stderr', async () => {
      const { code, err } = await run(['-f', '-', '--allow-empty'], '');
      expect(code).toBe(0);
      expect(err).toContain('nothing was checked');
    });
  });

  test('progress lines go to stderr on a terminal only', async () => {
    const many = yamlOf(...Array.from({ length: 7 }, (_, i) => deployment('shop', `app${i}`, { containers: [{ name: 'c', image: `${open.host}/team/web:v${i}` }] })));
    const runWith = async (isTTY: boolean) => {
      const stdout = new PassThrough();
      const stderr = Object.assign(new PassThrough(), { isTTY });
      let err = '';
      stderr.on('data', (chunk) => (err += chunk));
      stdout.resume();
      const code = await runCheckCommand(['-f', '-', ...settings()], { stdout, stderr, stdin: () => many, env: { HOME: dir } });
      return { code, err };
    };
    const terminal = await runWith(true);
    expect(terminal.err.match(/^checked \d+\/7$/gm)).toHaveLength(7);
    const piped = await runWith(false);
    expect(piped.err).not.toMatch(/^checked /m);
    expect(piped.code).toBe(1);
  });

  test('pull secrets and ServiceAccounts in the manifests are used as the exporter uses them', async () => {
    const image = `${locked.host}/private/app:v1`;
    const input = yamlOf(
      pullSecret('shop', 'regcred'),
      pullSecret('shop', 'wrongcred', 'not-the-password'),
      { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockercfg', metadata: { name: 'legacy', namespace: 'shop' }, data: { '.dockercfg': Buffer.from(JSON.stringify(dockerConfigFor(locked).auths)).toString('base64') } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'shop' }, imagePullSecrets: [{ name: 'legacy' }] },
      // stringData, as charts often write Secrets: the API server would store it base64-encoded in data.
      { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson', metadata: { name: 'plain', namespace: 'shop' }, stringData: { '.dockerconfigjson': JSON.stringify(dockerConfigFor(locked)) } },
      deployment('shop', 'string-data', { imagePullSecrets: [{ name: 'plain' }], containers: [{ name: 'c', image }] }),
      deployment('shop', 'own-secret', { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'c', image }] }),
      deployment('shop', 'via-account', { serviceAccountName: 'builder', containers: [{ name: 'c', image }] }),
      // The kubelet uses the ServiceAccount's secrets only when the pod names none.
      deployment('shop', 'own-wins', { serviceAccountName: 'builder', imagePullSecrets: [{ name: 'wrongcred' }], containers: [{ name: 'c', image }] }),
      // Secrets are namespaced: regcred exists in shop only.
      deployment('other', 'elsewhere', { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'c', image }] }),
    );
    const { code, out } = await run(['-f', '-', '--output=json', ...settings()], input);
    const rows = rowsOf(out);
    expect(statusOf(rows, 'shop', 'own-secret')).toBe('available');
    expect(statusOf(rows, 'shop', 'via-account')).toBe('available');
    expect(statusOf(rows, 'shop', 'string-data')).toBe('available');
    expect(statusOf(rows, 'shop', 'own-wins')).toBe('authentication_failure');
    expect(statusOf(rows, 'other', 'elsewhere')).toBe('authentication_failure');
    expect(rows.find((row) => row.workloads.some((w) => w.name === 'elsewhere'))?.reason).toContain('pull secret other/regcred does not exist');
    expect(code).toBe(1);
    expect(out).not.toContain(PULLER.password);
  });

  test('scaled-to-zero and suspended workloads are skipped as the exporter skips them, said on stderr; --force-check-disabled-controllers checks them', async () => {
    const input = yamlOf(
      deployment('shop', 'parked', { containers: [{ name: 'c', image: `${open.host}/team/web:gone` }] }, { replicas: 0 }),
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'paused', namespace: 'shop' }, spec: { suspend: true, schedule: '@daily', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: `${open.host}/team/web:gone` }] } } } } } },
      deployment('shop', 'live', { containers: [{ name: 'c', image: `${open.host}/team/web:v1` }] }),
    );
    const skipped = await run(['-f', '-', '--output=json', ...settings()], input);
    expect(skipped.code).toBe(0);
    expect(rowsOf(skipped.out).map((row) => row.image)).toEqual([`${open.host}/team/web:v1`]);
    expect(skipped.err).toContain('skipped 2 workload(s) scaled to zero or suspended, as the exporter does: Deployment/shop/parked, CronJob/shop/paused; --force-check-disabled-controllers=deployment,cronjob checks them');
    const forced = await run(['-f', '-', '--output=json', '--force-check-disabled-controllers=deployment', ...settings()], input);
    expect(forced.code).toBe(1);
    expect(statusOf(rowsOf(forced.out), 'shop', 'parked')).toBe('absent');
    expect(statusOf(rowsOf(forced.out), 'shop', 'paused')).toBeUndefined();
  });

  describe('a registry that accepts connections and never answers', () => {
    let silent: HostileServer;
    beforeAll(async () => {
      silent = await startHostileServer(() => undefined);
    });
    afterAll(() => silent?.stop());

    test('after the first timeout its other images fail at once with the same reason', async () => {
      const input = yamlOf(...Array.from({ length: 20 }, (_, i) => deployment('shop', `app${i}`, { containers: [{ name: 'c', image: `${silent.host}/team/app${i}:v1` }] })));
      const started = performance.now();
      const { code, out } = await run(['-f', '-', '--output=json', `--allow-plain-http=${silent.host}`, '--registry-request-timeout=1s'], input);
      const seconds = (performance.now() - started) / 1000;
      const rows = rowsOf(out);
      expect(code).toBe(1);
      expect(rows).toHaveLength(20);
      expect(new Set(rows.map((row) => row.status))).toEqual(new Set(['registry_unavailable']));
      expect(new Set(rows.map((row) => row.reason)).size).toBe(1);
      // 20 images, 8 at a time: one wave of timeouts, not three.
      expect(seconds).toBeLessThan(2.5);
      expect(silent.requests.length).toBeLessThan(20);
    });
  });

  test('the built CLI reads stdin, as in `helm template … | … check -f -`, and exits with the documented status', async () => {
    const exitOf = (args: string[], stdin: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, 'check', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } });
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        child.on('exit', (code) => resolve({ code, out }));
        child.stdin.end(stdin);
      });
    const failing = await exitOf(['-f', '-', ...settings()], manifests);
    expect(failing.code).toBe(1);
    expect(failing.out).toContain('absent');
    expect((await exitOf(['-f', '-', ...settings(), `--ignored-images=${open.host}/team/web:v404,${locked.host}/*`], manifests)).code).toBe(0);
    expect((await exitOf(['-f', '/nonexistent.yaml'], '')).code).toBe(2);
    expect((await exitOf(['-f', '-'], '')).code).toBe(2);
  });
});
