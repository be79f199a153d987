// Case 3, as a user runs it: the bundled exporter in a process of its own (the image's Node,
// flags and environment), watching a real API server holding N workloads over M images, checking
// against the real registry every 30 s. Once every image has its first result, new Deployments
// are created one at a time, each with an image no workload used yet (half a tag the registry
// lacks: absent; half one it has: available), and /metrics is polled until the new workload's
// series says so. Figure: time from the create call returning to that series, p50 and p99.
// Baseline, in the same run: a bare watch of Deployments in this process (no informer) seeing the
// same create, plus one bare HEAD of the same manifest: the floor any watcher has.
// With BENCH_BASELINE_CLI naming another build's bundled cli.js (the branch a change starts from),
// that build is measured the same way just before ours at each size, for a before/after in one run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { perKindFamily } from '../../src/metrics/availability-families.js';
import { MANIFEST_MEDIA_TYPES } from '../../src/registry/client.js';
import type { Status } from '../../src/status.js';
import { startApiServer, type ApiServer } from '../../test/support/apiserver.js';
import { processCpuMs, stopChild } from '../../test/support/processes.js';
import type { TestRegistry } from '../../test/support/registry.js';
import { apiWriter, bareWatch, createWorkload, createWorkloads, namespaceName } from '../lib/api-workloads.js';
import { BARE_USER_AGENT, manifestUrl } from '../lib/bare.js';
import { imageNode } from '../lib/image-node.js';
import { imageEnvironment, imageNodeFlags } from '../lib/image-node-flags.js';
import type { Row } from '../lib/report.js';
import { seededImages } from '../lib/seeded-names.js';
import { log, ms, percentile, sleep } from '../lib/stats.js';

export type ClusterSize = { workloads: number; images: number };

const TARGET_MS = 200;
const POLL_MS = 10;
const EVENT_TIMEOUT_MS = 15_000;
const FIRST_RESULTS_TIMEOUT_MS = 5 * 60_000;
/** Between two new workloads: the previous one's checks and renders are over. */
const EVENT_GAP_MS = 300;
/** The exporter's CPU is sampled over this quiet spell, scraped every 15 s as Prometheus does. */
const QUIET_MS = 15_000;
const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
/** The builds measured: another one first when BENCH_BASELINE_CLI names it, then ours. */
export function freshnessBuilds(): Array<{ name: string; cli: string }> {
  const baseline = process.env.BENCH_BASELINE_CLI;
  return [...(baseline ? [{ name: 'baseline build', cli: baseline }] : []), { name: 'exporter', cli: CLI }];
}

/** `checked`: images whose first result the exporter logged (it logs every first result), and when the line arrived. */
type Exporter = { child: ChildProcess; port: Promise<number>; checked: Map<string, number>; stop(): Promise<void> };

function startExporter(api: ApiServer, registry: TestRegistry, images: number, cli: string): Exporter {
  const args = [
    cli,
    '--bind-address=127.0.0.1:0',
    `--kubeconfig=${api.kubeconfigPath}`,
    '--check-interval=30s',
    `--allow-plain-http=${registry.host}`,
    '--cloud-credentials=none',
    '--docker-config-credentials=false',
    `--max-tracked-images=${images * 2}`,
  ];
  const child = spawn(imageNode().path, [...imageNodeFlags(), ...args], { env: imageEnvironment(), stdio: ['ignore', 'pipe', 'inherit'] });
  const checked = new Map<string, number>();
  let resolvePort: (port: number) => void;
  const port = new Promise<number>((resolve) => (resolvePort = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.includes('"msg":"image check"')) checked.set(/"image":"([^"]+)"/.exec(line)?.[1] ?? '', performance.now());
    else if (line.includes('"msg":"exporter started"')) resolvePort(Number(/"port":(\d+)/.exec(line)?.[1]));
    else if (/"level":"(warn|error)"/.test(line)) log(`exporter: ${line.slice(0, 300)}`);
  });
  return { child, port, checked, stop: () => stopChild(child, 15_000) };
}

async function scrape(agent: Agent, port: number): Promise<string> {
  const response = await request(`http://127.0.0.1:${port}/metrics`, { dispatcher: agent, headers: { 'accept-encoding': 'gzip' } });
  const body = Buffer.from(await response.body.arrayBuffer());
  return (response.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
}

/** Whether the exposition (the default per-kind names) has the Deployment's series of `status` at 1. */
function shows(text: string, deployment: string, status: Status): boolean {
  const marker = `\n${perKindFamily('deployment', status)}{`;
  const label = `deployment="${deployment}"`;
  for (let from = text.indexOf(marker); from !== -1; from = text.indexOf(marker, from + 1)) {
    const end = text.indexOf('\n', from + 1);
    const line = text.slice(from + 1, end === -1 ? undefined : end);
    if (line.includes(label)) return line.endsWith(' 1');
  }
  return false;
}

/** `logged`: create → the exporter's log line of the first result (the check's share of `exporter`). */
type SizeFigures = { exporter: number[]; logged: number[]; baseline: number[]; quietCpuMs: number };

async function measureSize(api: ApiServer, registry: TestRegistry, size: ClusterSize, fresh: string[], label: string, events: number, cli: string): Promise<SizeFigures> {
  const exporter = startExporter(api, registry, size.images + events, cli);
  const agent = new Agent({ connections: 1 });
  const head = new Agent({ connections: 1 });
  const added = new Map<string, number>();
  const watch = await bareWatch(api, '/apis/apps/v1/deployments', (name) => added.set(name, performance.now()));
  const writer = await apiWriter(api);
  try {
    const port = await exporter.port;
    const deadline = performance.now() + FIRST_RESULTS_TIMEOUT_MS;
    const prefix = `${registry.host}/`;
    while ([...exporter.checked.keys()].filter((image) => image.startsWith(prefix)).length < size.images) {
      if (performance.now() > deadline || exporter.child.exitCode !== null) throw new Error(`${label}: the exporter did not check all ${size.images} images`);
      await sleep(100);
    }
    await sleep(2000);
    // Scraped once before the events, as Prometheus has long done by the time a workload is
    // created: otherwise the first event's time holds the first render of every series (at 4 000
    // workloads 200 ms in the interpreter), which no new workload waits for in a running cluster.
    await scrape(agent, port);
    const figures: SizeFigures = { exporter: [], logged: [], baseline: [], quietCpuMs: 0 };
    for (let i = 0; i < events; i++) {
      const absent = i % 2 === 0;
      const image = absent ? `${registry.host}/bench/r000:missing-${label}-${i}` : fresh[i];
      const name = `fresh-${label}-${i}`;
      await createWorkload(writer, 'deployment', namespaceName(i), name, image);
      const created = performance.now();
      const status: Status = absent ? 'absent' : 'available';
      while (!shows(await scrape(agent, port), name, status)) {
        if (performance.now() - created > EVENT_TIMEOUT_MS) throw new Error(`${label}: ${name} (${image}) was not ${status} in /metrics after ${ms(EVENT_TIMEOUT_MS)}`);
        await sleep(POLL_MS);
      }
      figures.exporter.push(performance.now() - created);
      figures.logged.push((exporter.checked.get(image) ?? NaN) - created);
      const headStarted = performance.now();
      const answer = await request(manifestUrl(image), { method: 'HEAD', reset: false, dispatcher: head, headers: { accept: MANIFEST_MEDIA_TYPES.join(', '), 'user-agent': BARE_USER_AGENT } });
      await answer.body.dump();
      figures.baseline.push(Math.max(0, (added.get(name) ?? NaN) - created) + performance.now() - headStarted);
      await sleep(EVENT_GAP_MS);
    }
    const cpuBefore = processCpuMs(exporter.child.pid!);
    for (let waited = 0; waited < QUIET_MS; waited += 5000) {
      if (waited % 15_000 === 0) await scrape(agent, port);
      await sleep(5000);
    }
    figures.quietCpuMs = processCpuMs(exporter.child.pid!) - cpuBefore;
    return figures;
  } finally {
    await writer.close();
    await watch.close();
    await agent.close();
    await head.close();
    await exporter.stop();
  }
}

/** Sizes grow in one API server: the second size's workloads are the first's plus more. */
export async function liveFreshnessCase(registry: TestRegistry, repos: number, sizes: ClusterSize[], events: number): Promise<Row[]> {
  const largest = Math.max(...sizes.map((size) => size.images));
  const builds = freshnessBuilds();
  const all = seededImages(registry.host, repos, largest + events * sizes.length * builds.length);
  const api = await startApiServer();
  const rows: Row[] = [];
  try {
    let created = 0;
    let used = 0;
    for (const [n, size] of sizes.entries()) {
      const started = performance.now();
      await createWorkloads(api, size.workloads, all.slice(0, size.images), [], created);
      created = size.workloads;
      log(`live freshness: ${size.workloads} workloads / ${size.images} images in the API server (${ms(performance.now() - started)})`);
      for (const [b, build] of builds.entries()) {
        const fresh = all.slice(largest + used * events, largest + ++used * events);
        const figures = await measureSize(api, registry, size, fresh, `s${n}b${b}`, events, build.cli);
        const p = (values: number[], q: number) => percentile(values, q);
        log(
          `live freshness, ${build.name}, ${size.workloads} workloads: p50 ${ms(p(figures.exporter, 50))} p99 ${ms(p(figures.exporter, 99))} (result logged p50 ${ms(p(figures.logged, 50))} p99 ${ms(p(figures.logged, 99))}); ` +
            `bare watch + HEAD p50 ${ms(p(figures.baseline, 50))} p99 ${ms(p(figures.baseline, 99))}; exporter CPU over a quiet ${ms(QUIET_MS)}: ${ms(figures.quietCpuMs)}; ` +
            // In event order: a slow first event (code run for the first time) reads differently from slow ones throughout.
            `each event in /metrics: ${figures.exporter.map((value) => Math.round(value)).join(' ')} ms`,
        );
        rows.push({
          case: `3. freshness through the API server and /metrics, ${size.workloads} workloads / ${size.images} images, ${events} new Deployments${build.cli === CLI ? '' : ` (${build.name})`}`,
          exporter: `p50 ${ms(p(figures.exporter, 50))}, p99 ${ms(p(figures.exporter, 99))}; CPU ${ms(figures.quietCpuMs)} per quiet ${ms(QUIET_MS)}`,
          baseline: `bare watch + HEAD p50 ${ms(p(figures.baseline, 50))}, p99 ${ms(p(figures.baseline, 99))}`,
          ratio: p(figures.exporter, 99) / p(figures.baseline, 99),
          target: `p99 ≤ ${ms(TARGET_MS)}`,
          pass: p(figures.exporter, 99) <= TARGET_MS,
        });
      }
    }
    return rows;
  } finally {
    await api.stop();
  }
}
