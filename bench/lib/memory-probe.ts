// Child process of the memory case, so its figures are one exporter's and not the benchmark's:
// the exporter's index, scheduler, client, results and metrics as src/main.ts wires them (no
// cluster watch: the workloads are handed to the index directly), `workloads` workloads over
// `images` seeded images checked once against the registry at `host`, one /metrics scrape,
// then `steadyMs` of ordinary running (every image rechecked every 15 s, a scrape every 10 s,
// RSS sampled each second over the last two thirds: the steady RSS is their median), then its
// memory as JSON on stdout. With 0 workloads it is the idle exporter. Every module the real
// process loads is loaded first (the Kubernetes client included), so idle means idle.
//
// Usage: node --expose-gc memory-probe.js <host> <repos> <workloads> <images> <steadyMs>
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { ExporterMetrics } from '../../src/metrics/metrics.js';
import { machinery } from './machinery.js';
import { seededImages } from './seeded-names.js';
import { median, sleep, waitFor } from './stats.js';
import { workloads } from './workloads.js';

export type MemoryFigures = {
  /** Resident set size right after the first full check. */
  rss: number;
  /** … and after one /metrics render on top (a scrape). */
  rssAfterScrape: number;
  /** Median resident set size while running on after the first check (rechecks and scrapes). */
  steadyRss: number;
  steadySamples: number;
  /** The largest resident set size the process had. */
  maxRss: number;
  /** V8 heap in use after a full garbage collection: what the exporter retains. */
  heapUsed: number;
  units: number;
  failures: number;
  checkMs: number;
  metricsBytes: number;
};

await import('../../src/main.js');

const [host, repos, workloadCount, imageCount, steadyMs] = process.argv.slice(2);
const RECHECK_INTERVAL_MS = 15_000;
const SCRAPE_EVERY_MS = 10_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

let failures = 0;
const m = machinery({
  plainHttpHosts: [host],
  settings: { checkInterval: RECHECK_INTERVAL_MS },
  onChecked: (unit, record) => {
    if (record.status !== 'available') failures++;
    metrics.recordCheck(unit, record);
  },
  onExchange: (exchange) => metrics.recordExchange(exchange),
});
const index = new ImageIndex(new ImageFilter([]), { unitAdded: (unit) => m.scheduler.add(unit), unitRemoved: (key) => m.scheduler.remove(key) });
const metrics = new ExporterMetrics('bench', index, m.results, () => m.scheduler.waitingCount);

const started = performance.now();
if (Number(workloadCount) > 0) {
  const images = seededImages(host, Number(repos), Number(imageCount));
  for (const input of workloads(Number(workloadCount), images)) index.upsertWorkload(input);
  await waitFor(() => m.results.size === index.unitCount, 'the first full check', 600_000);
}
const checkMs = performance.now() - started;
const rss = process.memoryUsage().rss;
// A scrape as the exporter serves one to Prometheus (which asks for gzip): the compressed body
// that /metrics keeps and hands out (src/http/routes.ts), made from the pieces kept since the last.
const scrape = async () => metrics.gzippedExposition();
const metricsBytes = (await scrape()).bytes;
const rssAfterScrape = process.memoryUsage().rss;
// No forced collection while running on: V8 collects as it would in the pod.
const samples: number[] = [];
const runningSince = performance.now();
let nextScrape = SCRAPE_EVERY_MS;
for (let elapsed = 0; elapsed < Number(steadyMs); elapsed = performance.now() - runningSince) {
  if (elapsed >= nextScrape) {
    await scrape();
    nextScrape += SCRAPE_EVERY_MS;
  }
  if (elapsed >= Number(steadyMs) / 3) samples.push(process.memoryUsage().rss);
  await sleep(1000);
}
gc();
await sleep(50);
gc();
const figures: MemoryFigures = {
  rss,
  steadyRss: samples.length > 0 ? median(samples) : rss,
  steadySamples: samples.length,
  rssAfterScrape,
  maxRss: process.resourceUsage().maxRSS * 1024,
  heapUsed: process.memoryUsage().heapUsed,
  units: index.unitCount,
  failures,
  checkMs,
  metricsBytes,
};
await m.close();
process.stdout.write(`${JSON.stringify(figures)}\n`);
