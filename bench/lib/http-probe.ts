// Child process of the scrape-load and status-page cases: one exporter's HTTP server, routes as
// src/main.ts wires them, over either synthetic results (`synthetic <containers>`: the index and
// results filled in directly, as the render case does), the status page's realistic cluster
// (`cluster <images>`: test/support/cluster-images.ts), or real checks (`registry <host> <repos>
// <images> <workloads> <checkIntervalMs>`: the exporter's machinery checking seeded images
// against the real registry, rechecking every interval while it is scraped). It sends {port} once
// serving, then answers {peak} to {measure: ms}: the largest resident set size sampled every 20 ms
// over that many milliseconds, {maxRss} to {maxRss: true}: the peak of its whole life, and
// {changed} to {change: true}: one image's status changed, as a check that finds it so.
//
// Usage: fork(http-probe.js, [...]) with an IPC channel.
import { CheckResults } from '../../src/checks/results.js';
import { exporterRoutes } from '../../src/http/routes.js';
import { startHttpServer } from '../../src/http/server.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { ExporterMetrics } from '../../src/metrics/metrics.js';
import { clusterImages } from '../../test/support/cluster-images.js';
import { machinery } from './machinery.js';
import { seededImages } from './seeded-names.js';
import { sleep, waitFor } from './stats.js';
import { workloads } from './workloads.js';

export type ProbeRequest = { measure: number } | { maxRss: true } | { change: true } | { exit: true };
export type ProbeReply = { port: number; units: number } | { peak: number } | { maxRss: number } | { changed: string };

const [mode, ...args] = process.argv.slice(2);
const send = (reply: ProbeReply) => process.send!(reply);

async function synthetic(containers: number) {
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
  const results = new CheckResults();
  const images = Array.from({ length: Math.ceil(containers / 2) }, (_, i) => `registry.example.com/team-${i % 50}/service-${i}:v1.${i % 7}.0`);
  for (const input of workloads(containers, images)) index.upsertWorkload(input);
  let i = 0;
  for (const usage of index.usages()) {
    if (!usage.unit || results.get(usage.unit.key)) continue;
    const status = i++ % 10 === 0 ? 'absent' : 'available';
    results.set(usage.unit.key, { status, message: `404 for HEAD /v2/${usage.unit.reference.repository}/manifests/v1 anonymously`, registry: usage.unit.reference.registry, checkedAt: Date.now(), durationMs: 3, consecutiveFailures: 0 });
  }
  return { index, results, metrics: new ExporterMetrics('bench', index, results), close: async () => {} };
}

async function checked(host: string, repos: number, imageCount: number, workloadCount: number, checkInterval: number) {
  const m = machinery({
    plainHttpHosts: [host],
    settings: { checkInterval },
    onChecked: (unit, record) => metrics.recordCheck(unit, record),
    onExchange: (exchange) => metrics.recordExchange(exchange),
  });
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: (unit) => m.scheduler.add(unit), unitRemoved: (key) => m.scheduler.remove(key) });
  const metrics = new ExporterMetrics('bench', index, m.results, () => m.scheduler.waitingCount);
  for (const input of workloads(workloadCount, seededImages(host, repos, imageCount))) index.upsertWorkload(input);
  await waitFor(() => m.results.size === index.unitCount, 'the first full check', 600_000);
  return { index, results: m.results, metrics, close: () => m.close() };
}

function cluster(images: number) {
  const { index, results } = clusterImages(images);
  return { index, results, metrics: new ExporterMetrics('bench', index, results), close: async () => {} };
}

/** The first checked image's status flips between available and absent. */
function changeOne(results: CheckResults, index: ImageIndex): string {
  for (const usage of index.usages()) {
    const record = usage.unit && results.get(usage.unit.key);
    if (!record) continue;
    results.set(usage.unit!.key, { ...record, status: record.status === 'available' ? 'absent' : 'available', checkedAt: Date.now() });
    return usage.unit!.key;
  }
  return '';
}

const parts = mode === 'synthetic' ? await synthetic(Number(args[0])) : mode === 'cluster' ? cluster(Number(args[0])) : await checked(args[0], Number(args[1]), Number(args[2]), Number(args[3]), Number(args[4]));
const routes = exporterRoutes({ version: 'bench', ...parts, clusterPlatforms: () => undefined, notReadyReason: () => undefined });
const { server, port } = await startHttpServer({ host: '127.0.0.1', port: 0 }, routes);
(globalThis as { gc?: () => void }).gc?.();
await sleep(200);
send({ port, units: parts.index.unitCount });

process.on('message', async (request: ProbeRequest) => {
  if ('measure' in request) {
    let peak = process.memoryUsage.rss();
    const until = Date.now() + request.measure;
    while (Date.now() < until) {
      await sleep(20);
      peak = Math.max(peak, process.memoryUsage.rss());
    }
    send({ peak });
  } else if ('change' in request) {
    send({ changed: changeOne(parts.results, parts.index) });
  } else if ('maxRss' in request) {
    send({ maxRss: process.resourceUsage().maxRSS * 1024 });
  } else {
    server.closeAllConnections();
    server.close();
    await parts.close();
    process.disconnect();
  }
});
