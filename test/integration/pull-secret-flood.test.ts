// Anyone allowed to create a Deployment can name thousands of pull secrets. Against a real API
// server, the built exporter (a child process with a capped heap, as the container runs it) must
// keep its secret reads few and bounded, its memory low, and say once what is wrong.
//
// The connection counter between exporter and API server is a plain TCP relay written here: it
// only counts, so nothing real exists to use instead.
import * as k8s from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { eventually, parseMetrics, statusOf } from '../support/metrics-text.js';
import { processMemory } from '../support/processes.js';

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const NS = 'flood';
/** Deployments naming 30 distinct secrets each (under the per-workload limit): 1 800 reads to make. */
const SPREAD_WORKLOADS = 60;
const SECRETS_EACH = 30;
/** The exporter's watches (four kinds, ServiceAccounts, namespaces) and at most 4 secret reads; before the bound, 3 007 connections. */
const MAX_CONNECTIONS = 16;
/** Under the chart's 256 MiB limit; an idle exporter is about 125 MiB here, main before the bound took 596 MiB. */
const MAX_RSS_BYTES = 200 * 1024 * 1024;
/** What the 61 workloads may add to the idle exporter (about 40 MiB measured). */
const MAX_RSS_GROWTH_BYTES = 96 * 1024 * 1024;

type Relay = { port: number; peak: number; total: number; close(): Promise<void> };

function startRelay(targetPort: number): Promise<Relay> {
  let active = 0;
  const relay: Relay = { port: 0, peak: 0, total: 0, close: () => new Promise((resolve) => server.close(() => resolve())) };
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((client) => {
    active++;
    relay.total++;
    relay.peak = Math.max(relay.peak, active);
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      active--;
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.pipe(upstream).pipe(client);
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  const originalClose = relay.close;
  relay.close = () => {
    for (const socket of sockets) socket.destroy();
    return originalClose();
  };
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(Object.assign(relay, { port: (server.address() as { port: number }).port }))));
}

describe('a workload naming thousands of pull secrets (real API server, built exporter)', () => {
  let api: ApiServer;
  let relay: Relay;
  let child: ChildProcess;
  let output = '';
  let url = '';
  let idleRss = 0;

  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (make test does)`);
    api = await startApiServer();
    relay = await startRelay(Number(new URL(api.url).port));
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    const deployment = (name: string, secrets: string[]): k8s.V1Deployment => ({
      metadata: { name },
      spec: {
        selector: { matchLabels: { app: name } },
        // Port 9 (discard) on loopback: nothing listens, so no registry is needed to get an answer.
        template: { metadata: { labels: { app: name } }, spec: { imagePullSecrets: secrets.map((s) => ({ name: s })), containers: [{ name: 'app', image: `127.0.0.1:9/${name}:v1` }] } },
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'iae-flood-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const config = JSON.parse(kc.exportConfig()) as { clusters: Array<{ cluster: { server: string } }> };
    for (const cluster of config.clusters) cluster.cluster.server = `https://127.0.0.1:${relay.port}`;
    writeFileSync(kubeconfig, JSON.stringify(config));
    child = spawn(process.execPath, ['--max-old-space-size=128', cli, '--bind-address=127.0.0.1:0', `--kubeconfig=${kubeconfig}`, '--check-interval=10m'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const started = await eventually(async () => /"port":(\d+)[^\n]*exporter started/.exec(output), (m) => m !== null || child.exitCode !== null, 30_000, 'exporter started');
    if (!started) throw new Error(`exporter exited early:\n${output}`);
    url = `http://127.0.0.1:${started[1]}`;
    await eventually(() => fetch(`${url}/readyz`).then((r) => r.status), (code) => code === 200, 30_000, '/readyz');
    // The same process with no workload yet: the baseline of the memory figure, in the same run.
    idleRss = processMemory(child.pid!).peak;
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment('many', Array.from({ length: 3000 }, (_, i) => `secret-${i}`)) });
    for (let w = 0; w < SPREAD_WORKLOADS; w++) {
      await apps.createNamespacedDeployment({ namespace: NS, body: deployment(`spread-${w}`, Array.from({ length: SECRETS_EACH }, (_, i) => `spread-${w}-${i}`)) });
    }
  }, 240_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await relay?.close();
    await api?.stop();
  });

  test('3 000 names: unknown_error with a reason, one warning, bounded connections and memory; 1 800 other reads at most a few at once', async () => {
    const series = async () => parseMetrics(await (await fetch(`${url}/metrics`)).text());
    const all = await eventually(
      series,
      (s) => statusOf(s, 'deployment', NS, 'many', 'app') !== undefined && Array.from({ length: SPREAD_WORKLOADS }, (_, w) => statusOf(s, 'deployment', NS, `spread-${w}`, 'app')).every((status) => status !== undefined),
      120_000,
      'every deployment to have a status',
    );
    expect(statusOf(all, 'deployment', NS, 'many', 'app')).toBe('unknown_error');
    expect(statusOf(all, 'deployment', NS, 'spread-0', 'app')).toBe('registry_unavailable');

    const reports = (await (await fetch(`${url}/api/images`)).json()) as unknown;
    const list = (Array.isArray(reports) ? reports : ((reports as { images?: unknown[]; items?: unknown[] }).images ?? (reports as { items?: unknown[] }).items ?? [])) as Array<{ reason: string; workloads: Array<{ name: string }> }>;
    const many = list.find((report) => report.workloads.some((w) => w.name === 'many'));
    expect(many?.reason).toContain('names 3000 pull secrets, more than the 32 the exporter reads per workload');

    const rss = processMemory(child.pid!).peak;
    const lines = output.split('\n').filter((line) => line.includes('"workload":"deployment flood/many"'));
    const warnings = output.split('\n').filter((line) => line.includes('"level":"warn"'));
    const mib = (bytes: number) => (bytes / 1048576).toFixed(0);
    process.stdout.write(`pull-secret flood: peak connections to the API server ${relay.peak} (${relay.total} opened); exporter peak RSS ${mib(rss)} MiB, ${mib(idleRss)} MiB before the workloads (ratio ${(rss / idleRss).toFixed(2)})\n`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('the pod template names 3000 pull secrets');
    // One per image whose status is a problem (61 units), none per secret.
    expect(warnings.length).toBeLessThanOrEqual(1 + 1 + SPREAD_WORKLOADS);
    expect(relay.peak).toBeLessThanOrEqual(MAX_CONNECTIONS);
    expect(rss).toBeLessThan(MAX_RSS_BYTES);
    expect(rss - idleRss).toBeLessThan(MAX_RSS_GROWTH_BYTES);
    expect(child.exitCode).toBeNull();
  }, 180_000);
});
