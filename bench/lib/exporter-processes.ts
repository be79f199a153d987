// The two exporters of the side-by-side case as processes of their own: ours exactly as the image
// and the chart run it (the image's Node.js, its ENTRYPOINT flags and ENV, the chart's NODE_OPTIONS
// at default values), and the peer, a binary the developer built from the Go exporter's source
// (PEER_BIN). Both read the same kubeconfig and registry; what the case reads from them is their
// /proc figures and their /metrics.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { freePort, processCpuMs, processMemory, stopChild } from '../../test/support/processes.js';
import { imageNode } from './image-node.js';
import { chartNodeOptions, imageEnvironment, imageNodeFlags } from './image-node-flags.js';
import { sleep } from './stats.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export type ExporterProcess = {
  name: 'ours' | 'peer';
  child: ChildProcess;
  url: string;
  /** Resident set size now and the largest so far (VmRSS, VmHWM). */
  memory(): { rss: number; peak: number };
  /** User plus system CPU time the process has used, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
};

/** `cli`: the bundled entry to run, the build's own (dist/src/cli.js) unless given. */
export type Setup = { kubeconfig: string; registryHost: string; interval: string; cli?: string };

function managed(name: ExporterProcess['name'], child: ChildProcess, url: string): ExporterProcess {
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => {
    if (code !== 0 && code !== null) process.stderr.write(`${name} exited with code ${code} (signal ${signal}); its last output:\n${output}\n`);
  });
  return { name, child, url, memory: () => processMemory(child.pid!), cpuMs: () => processCpuMs(child.pid!), stop: () => stopChild(child, 15_000) };
}

export function nodeFlagsAsShipped(): string[] {
  return [...imageNodeFlags(), ...chartNodeOptions()];
}

export async function startOurs(setup: Setup): Promise<ExporterProcess> {
  const port = await freePort();
  const args = [
    ...nodeFlagsAsShipped(),
    setup.cli ?? CLI,
    `--bind-address=127.0.0.1:${port}`,
    `--kubeconfig=${setup.kubeconfig}`,
    `--check-interval=${setup.interval}`,
    `--allow-plain-http=${setup.registryHost}`,
    '--cloud-credentials=none',
    '--docker-config-credentials=false',
    '--log-level=warn',
  ];
  const child = spawn(imageNode().path, args, { env: imageEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
  return managed('ours', child, `http://127.0.0.1:${port}`);
}

/** The Go exporter: its own flags for the same settings (it reads the kubeconfig from KUBECONFIG). */
export async function startPeer(binary: string, setup: Setup): Promise<ExporterProcess> {
  const port = await freePort();
  const args = [`--bind-address=127.0.0.1:${port}`, `--check-interval=${setup.interval}`, '--allow-plain-http'];
  const child = spawn(binary, args, { env: { ...process.env, KUBECONFIG: setup.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
  return managed('peer', child, `http://127.0.0.1:${port}`);
}

export async function waitForMetrics(exporter: ExporterProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (exporter.child.exitCode !== null) throw new Error(`${exporter.name} exited with code ${exporter.child.exitCode} before serving /metrics`);
    const response = await request(`${exporter.url}/metrics`).catch(() => undefined);
    await response?.body.dump();
    if (response?.statusCode === 200) return;
    await sleep(200);
  }
  throw new Error(`${exporter.name} did not serve /metrics within ${timeoutMs / 1000} s`);
}

/** One scrape as Prometheus asks (gzip): the time it took and the plain text. */
export async function scrape(exporter: ExporterProcess): Promise<{ ms: number; text: string }> {
  const started = performance.now();
  const response = await request(`${exporter.url}/metrics`, { headers: { 'accept-encoding': 'gzip' } });
  const body = Buffer.from(await response.body.arrayBuffer());
  const elapsed = performance.now() - started;
  const plain = response.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
  return { ms: elapsed, text: plain.toString('utf8') };
}

const AVAILABILITY_LINE = /^k8s_image_availability_exporter_[a-z]+?_(available|bad_image_format|absent|registry_unavailable|registry_v1_api_not_supported|authentication_failure|authorization_failure|unknown_error)\{([^}]*)\} 1$/;

/** image → the statuses its series say are 1 (one-hot: one each, unless the exporter is wrong). */
export function statusesOf(text: string): Map<string, Set<string>> {
  const statuses = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const match = AVAILABILITY_LINE.exec(line);
    if (!match) continue;
    const image = /(?:^|,)image="([^"]*)"/.exec(match[2])?.[1];
    if (image === undefined) continue;
    let set = statuses.get(image);
    if (!set) statuses.set(image, (set = new Set()));
    set.add(match[1]);
  }
  return statuses;
}
