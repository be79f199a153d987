// Argument lists a user of the Go exporter copies, run through the built CLI and the `check`
// command against the real registry (and, for the exporter, the real API server): each means what it
// meant there, or is refused with one line. The strings are those of the Go exporter's README
// (its flag list, Go's single-dash syntax) and chart (args: --bind-address=:8080 style).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { CheckRow } from '../../src/check-command/command.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { runCheck } from '../support/check-run.js';
import { eventually, parseMetrics } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

/** A manifest with one Pod per image, container c<i>. */
function podsUsing(images: string[]): string {
  return images.map((image, i) => stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}` }, spec: { containers: [{ name: `c${i}`, image }] } })).join('---\n');
}

async function checkRows(args: string[], images: string[]): Promise<{ rows: CheckRow[]; err: string }> {
  const { out, err } = await runCheck(['-f', '-', '-output', 'json', ...args], podsUsing(images), { HOME: '/nonexistent' });
  return { rows: JSON.parse(out) as CheckRow[], err };
}

describe('registry flags of the Go exporter, through the check command', () => {
  let plain: TestRegistry;
  let tls: TestRegistry;
  beforeAll(async () => {
    [plain, tls] = await Promise.all([startRegistry({ auth: 'none' }), startRegistry({ auth: 'none', tls: true })]);
    await Promise.all([plain.pushImage('team/app', 'v1'), tls.pushImage('team/app', 'v1')]);
  });
  afterAll(() => Promise.all([plain?.stop(), tls?.stop()]));

  test('a plain-HTTP registry on 127.0.0.1, no flag → available (loopback falls back to HTTP, as Docker and containerd do)', async () => {
    const { rows } = await checkRows([], [`${plain.host}/team/app:v1`, `${plain.host}/team/app:v2`]);
    expect(rows.map((row) => row.status)).toEqual(['available', 'absent']);
    // As localhost too.
    const port = plain.host.split(':')[1];
    expect((await checkRows([], [`localhost:${port}/team/app:v1`])).rows[0].status).toBe('available');
  });

  test('bare -allow-plain-http → every registry may fall back, with a warning saying so', async () => {
    const { rows, err } = await checkRows(['-allow-plain-http'], [`${plain.host}/team/app:v1`]);
    expect(rows[0].status).toBe('available');
    expect(err).toContain('plain HTTP is allowed for every registry (bare --allow-plain-http)');
    // "*" in the real client, with the loopback rule out of the way: the bare switch alone does it.
    const client = new RegistryClient({ requestTimeoutMs: 5000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: ['*'], connectionsPerOrigin: 1, userAgent: 't' });
    expect((await client.check(parseReference(`${plain.host}/team/app:v1`), [])).status).toBe('available');
    await client.close();
  });

  test('bare -skip-registry-cert-verification → a registry with an untrusted certificate is available; without it, not', async () => {
    const image = `${tls.host}/team/app:v1`;
    expect((await checkRows([], [image])).rows[0].status).toBe('registry_unavailable');
    const { rows, err } = await checkRows(['-skip-registry-cert-verification'], [image]);
    expect(rows[0].status).toBe('available');
    expect(err).toContain('TLS certificate verification is OFF for every registry');
    expect((await checkRows(['-skip-registry-cert-verification=false'], [image])).rows[0].status).toBe('registry_unavailable');
  });

  test("-ignored-images with the Go exporter's ~-separated regular expressions skips what they match", async () => {
    const images = [`${plain.host}/team/app:v1`, `${plain.host}/team/app:v2`, `${plain.host}/ops/tool:v1`];
    const { rows } = await checkRows(['-ignored-images', ':v2$~/ops/'], images);
    expect(rows.map((row) => row.image)).toEqual([`${plain.host}/team/app:v1`]);
    const allowed = await checkRows([`-allowed-images=^127\\.0\\.0\\.1:[0-9]+/team/app:v[0-9]{1,3}$`], images);
    expect(allowed.rows.map((row) => row.image).sort()).toEqual([`${plain.host}/team/app:v1`, `${plain.host}/team/app:v2`]);
  });

  test('an expression that cannot compile is one line, exit 2', () => {
    const run = spawnSync(process.execPath, [cli, 'check', '-f', '-', '-ignored-images=^registry\\.example\\.com/(team'], { encoding: 'utf8', input: podsUsing(['nginx:1']) });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^check: ignoredImages: "\^registry\\\.example\\\.com\/\(team" is not a valid regular expression/);
  });
});

describe('the exporter with the Go exporter\'s arguments, against the real API server', () => {
  let api: ApiServer;
  let registry: TestRegistry;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    [api, registry] = await Promise.all([startApiServer(), startRegistry({ auth: 'none' })]);
    await registry.pushImage('team/app', 'v1');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'shop' } } });
    for (const [name, image] of [
      ['web', `${registry.host}/team/app:v1`],
      ['gone', `${registry.host}/team/app:v9`],
      ['skipped', `${registry.host}/ignored/app:v1`],
    ]) {
      await apps.createNamespacedDeployment({
        namespace: 'shop',
        body: { metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } } } },
      });
    }
  }, 240_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all([api?.stop(), registry?.stop()]);
  });

  /** Starts the built CLI; resolves with its "exporter started" log line and all output so far. */
  async function start(args: string[]): Promise<{ child: ChildProcess; started: Record<string, unknown>; output: () => string }> {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const line = await eventually(
      async () => output.split('\n').find((entry) => entry.includes('"exporter started"')),
      (found) => found !== undefined || child.exitCode !== null,
      15_000,
      'exporter started',
    );
    if (!line) throw new Error(`exporter exited ${child.exitCode}: ${output}`);
    return { child, started: JSON.parse(line), output: () => output };
  }

  async function stop(child: ChildProcess): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  }

  test('-check-interval=1m -bind-address=… -ignored-images=<regex>, unflagged plain HTTP on loopback, unified names', async () => {
    const { child, started } = await start([
      '-check-interval=1m',
      '-bind-address=127.0.0.1:0',
      `-kubeconfig=${api.kubeconfigPath}`,
      '-ignored-images=/ignored/.*~^docker\\.io/',
      '-metrics-format=unified',
    ]);
    expect(started.checkInterval).toBe('1m');
    const url = `http://127.0.0.1:${started.port}/metrics`;
    const series = await eventually(
      async () => parseMetrics(await (await fetch(url)).text()).filter((entry) => entry.value === 1 && entry.labels.kind === 'deployment'),
      (ones) => ones.length === 2,
      30_000,
      'two checked deployments',
    );
    expect(series.map((entry) => `${entry.labels.name}=${entry.name}`).sort()).toEqual([
      'gone=k8s_image_availability_exporter_absent',
      'web=k8s_image_availability_exporter_available',
    ]);
    expect(await stop(child)).toBe(0);
  }, 60_000);

  test('-check-interval 1m (a separate value) means the same; the bare boolean switches are warned about at start', async () => {
    const { child, started, output } = await start(['-check-interval', '1m', '-skip-registry-cert-verification', '-allow-plain-http', '-bind-address', '127.0.0.1:0', '-kubeconfig', api.kubeconfigPath]);
    expect(started.checkInterval).toBe('1m');
    const warnings = output()
      .split('\n')
      .filter((line) => line.includes('"level":"warn"'))
      .map((line) => JSON.parse(line).msg as string);
    expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^TLS certificate verification is OFF for every registry/), expect.stringMatching(/^plain HTTP is allowed for every registry/)]));
    expect(await stop(child)).toBe(0);
  });

  test("a flag the exporter does not have, single-dash, stops the start with one line naming its double-dash form", () => {
    const run = spawnSync(process.execPath, [cli, '-check-interval=1m', '-concurrency=4'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('invalid settings: unknown flag -concurrency: there is no --concurrency either (one dash is read as two); see --help for the flags\n');
  });

  test('-help prints the flags, as Go programs do', () => {
    const run = spawnSync(process.execPath, [cli, '-help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--metrics-format');
  });
});
