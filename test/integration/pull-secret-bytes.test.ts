// Anyone allowed to create Secrets and Deployments in one namespace can name large pull secrets:
// 80 of them, each just under the API server's 1 MiB limit on a Secret's data, named 30 at a time
// by 3 Deployments. Against a real API server, the bundled exporter run as the chart runs it (the
// image's Node flags, the chart's NODE_OPTIONS heap limit for its default 256Mi) must stay up, give
// those workloads unknown_error with a reason that says what to do, and check the others as usual.
import * as k8s from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { imageNode } from '../../bench/lib/image-node.js';
import { chartNodeOptions, imageEnvironment, imageNodeFlags } from '../../bench/lib/image-node-flags.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { eventually, parseMetrics, statusOf } from '../support/metrics-text.js';
import { processMemory } from '../support/processes.js';

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const NS = 'large-secrets';
const SECRETS = 80;
const SECRETS_EACH = 30;
const WORKLOADS = 3;
/** The chart's default memory limit. */
const MEMORY_LIMIT_BYTES = 256 * 1024 * 1024;
// Port 9 (discard) on loopback: nothing listens, so no registry is needed to get an answer.
const REGISTRY = '127.0.0.1:9';

/**
 * A dockerconfigjson just under the API server's 1 MiB limit on a Secret's data, of 29 000 short
 * entries (one per registry, this test's among them): small on the wire, many objects once parsed.
 */
function largeDockerConfig(seed: number): string {
  const auths: Record<string, { auth: string }> = { [REGISTRY]: { auth: Buffer.from(`user:${seed}`).toString('base64') } };
  for (let i = 1; i < 29_000; i++) auths[`r${seed}-${i}.example`] = { auth: 'dTpw' };
  return JSON.stringify({ auths });
}

describe('80 pull secrets of nearly 1 MiB each (real API server, bundled exporter under the chart heap limit)', () => {
  let api: ApiServer;
  let child: ChildProcess;
  let output = '';
  let url = '';
  const restarts: string[] = [];

  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (make test does)`);
    api = await startApiServer();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    for (let i = 0; i < SECRETS; i++) {
      const config = largeDockerConfig(i);
      expect(config.length).toBeLessThan(1024 * 1024);
      expect(config.length).toBeGreaterThan(1000 * 1000);
      await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: `large-${i}` }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': config } } });
    }
    const small = JSON.stringify({ auths: { [REGISTRY]: { auth: Buffer.from('user:password').toString('base64') } } });
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'small' }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': small } } });
    const deployment = (name: string, secrets: string[]): k8s.V1Deployment => ({
      metadata: { name },
      spec: {
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { imagePullSecrets: secrets.map((s) => ({ name: s })), containers: [{ name: 'app', image: `${REGISTRY}/${name}:v1` }] } },
      },
    });
    // Overlapping windows of 30 of the 80: large-0..29, large-25..54, large-50..79.
    for (let w = 0; w < WORKLOADS; w++) {
      await apps.createNamespacedDeployment({ namespace: NS, body: deployment(`large-${w}`, Array.from({ length: SECRETS_EACH }, (_, i) => `large-${(w * 25 + i) % SECRETS}`)) });
    }
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment('ordinary', ['small']) });

    // As the chart runs the image: its Node.js major, its ENTRYPOINT's Node flags, its ENV, the chart's NODE_OPTIONS.
    const node = imageNode();
    expect(node.note).toBeUndefined();
    child = spawn(node.path, [...imageNodeFlags(), cli, '--bind-address=127.0.0.1:0', `--kubeconfig=${api.kubeconfigPath}`, '--check-interval=20s'], {
      env: { ...imageEnvironment(), NODE_OPTIONS: chartNodeOptions().join(' ') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.on('exit', (code, signal) => restarts.push(`exited with ${code ?? signal}`));
    const started = await eventually(async () => /"port":(\d+)[^\n]*exporter started/.exec(output), (m) => m !== null || child.exitCode !== null, 30_000, 'exporter started');
    if (!started) throw new Error(`exporter exited early:\n${output}`);
    url = `http://127.0.0.1:${started[1]}`;
  }, 300_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await api?.stop();
  });

  test('the exporter stays up through three check rounds; the workloads naming them get unknown_error saying what to do; the others are checked', async () => {
    expect(chartNodeOptions()).toEqual([expect.stringMatching(/^--max-old-space-size=\d+$/)]);
    const series = async () => parseMetrics(await (await fetch(`${url}/metrics`)).text());
    const alive = () => expect({ restarts, output: restarts.length > 0 ? output.slice(-2000) : '' }).toEqual({ restarts: [], output: '' });
    await eventually(
      () => (restarts.length > 0 ? Promise.resolve(undefined) : series()),
      (s) => s === undefined || (statusOf(s, 'deployment', NS, 'ordinary', 'app') !== undefined && Array.from({ length: WORKLOADS }, (_, w) => statusOf(s, 'deployment', NS, `large-${w}`, 'app')).every((status) => status !== undefined)),
      120_000,
      'every deployment to have a status',
    );
    alive();
    // More rounds of checks, 20 s apart, the secrets read again once their minute has passed: alive throughout.
    await new Promise((resolve) => setTimeout(resolve, 75_000));
    alive();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const all = await series();
    // Its log pipe is read: nothing dropped, and the count is exported.
    expect(all.find((s) => s.name === 'k8s_image_availability_exporter_log_lines_dropped_total')?.value).toBe(0);
    for (let w = 0; w < WORKLOADS; w++) expect(statusOf(all, 'deployment', NS, `large-${w}`, 'app')).toBe('unknown_error');
    expect(statusOf(all, 'deployment', NS, 'ordinary', 'app')).toBe('registry_unavailable');

    const reports = (await (await fetch(`${url}/api/images`)).json()) as { images: Array<{ reason: string; workloads: Array<{ name: string }> }> };
    for (let w = 0; w < WORKLOADS; w++) {
      const report = reports.images.find((r) => r.workloads.some((workload) => workload.name === `large-${w}`));
      expect(report?.reason).toMatch(/pull secret large-secrets\/large-\d+ is (\d+ KiB|larger than that), over the 256 KiB the exporter reads per secret/);
      expect(report?.reason).toContain('keep one entry per registry in a pull secret');
    }
    const rss = processMemory(child.pid!).peak;
    process.stdout.write(`large pull secrets: exporter peak RSS ${(rss / 1048576).toFixed(0)} MiB\n`);
    expect(rss).toBeLessThan(MEMORY_LIMIT_BYTES);
  }, 240_000);
});
