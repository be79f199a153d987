// Case 4b: time to render the /metrics body (packed into the buffers it is served from) with N availability series (eight per container:
// one gauge per status), against prom-client rendering the same series from labelled gauges,
// the obvious way to build them. Both registries carry the default process metrics. The index
// and results are the exporter's own; the results are filled in directly (rendering does not
// care how a result was obtained), so no registry is involved. Then the body /metrics serves,
// gzip-compressed from the pieces kept between renders (availability-pieces.ts), after one status
// change and after one new workload, against the full render compressed whole (the build before).
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { CheckResults } from '../../src/checks/results.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { KIND_NAMES } from '../../src/kube/workload-kinds.js';
import { gzipChunks } from '../../src/http/gzip-body.js';
import { collect } from '../../src/http/packed-text.js';
import { availabilityFamily, ExporterMetrics } from '../../src/metrics/metrics.js';
import { STATUSES } from '../../src/status.js';
import type { Row } from '../lib/report.js';
import { log, mb, median, ms } from '../lib/stats.js';
import { workload, workloads } from '../lib/workloads.js';

const RUNS = 5;
const TARGET_MS = 1000;
const BOTH_MAX_RATIO = 2.2;
/** A render after one change, against a full render: what is left is the walk over the rows and prom-client's families. */
const CHANGE_MAX_RATIO = 0.25;

async function timeRenders(render: () => Promise<unknown>): Promise<number> {
  await render();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await render();
    times.push(performance.now() - started);
  }
  return median(times);
}

function seriesIn(body: string): number {
  let count = 0;
  for (const line of body.split('\n')) if (line.startsWith('k8s_image_availability_exporter_') && line.includes('{namespace=')) count++;
  return count;
}

/** The same one-hot series as prom-client gauges, one per kind and status. */
function promClientRegistry(index: ImageIndex, results: CheckResults): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const kind of KIND_NAMES) {
    const gauges = STATUSES.map(
      (status) => new Gauge({ name: availabilityFamily(kind, status), help: `1 when the image of this ${kind} container is ${status}, else 0.`, labelNames: ['namespace', kind, 'container', 'image'], registers: [registry] }),
    );
    for (const usage of index.usages()) {
      if (usage.kind !== kind || !usage.unit) continue;
      const status = results.get(usage.unit.key)?.status;
      const labels = { namespace: usage.namespace, [kind]: usage.workload, container: usage.container, image: usage.image };
      STATUSES.forEach((candidate, i) => gauges[i].set(labels, candidate === status ? 1 : 0));
    }
  }
  return registry;
}

export async function renderCase(seriesWanted: number): Promise<Row[]> {
  const containers = Math.ceil(seriesWanted / STATUSES.length);
  const images = Array.from({ length: Math.ceil(containers / 2) }, (_, i) => `registry.example.com/team-${i % 50}/service-${i}:v1.${i % 7}.0`);
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
  for (const input of workloads(containers, images)) index.upsertWorkload(input);
  const results = new CheckResults();
  let i = 0;
  for (const usage of index.usages()) {
    if (!usage.unit || results.get(usage.unit.key)) continue;
    const status = i++ % 10 === 0 ? 'absent' : 'available';
    results.set(usage.unit.key, { status, message: `200 for HEAD /v2/${usage.unit.reference.repository}/manifests/v1 anonymously`, registry: usage.unit.reference.registry, checkedAt: Date.now(), durationMs: 3, consecutiveFailures: 0 });
  }

  const metrics = new ExporterMetrics('bench', index, results);
  const render = async () => collect(await metrics.exposition());
  const ours = { ms: await timeRenders(render), body: Buffer.concat((await render()).chunks).toString() };
  const baseline = promClientRegistry(index, results);
  const theirs = { ms: await timeRenders(() => baseline.metrics()), body: await baseline.metrics() };
  const series = seriesIn(ours.body);
  if (series !== seriesIn(theirs.body)) throw new Error(`render: ${series} series against prom-client's ${seriesIn(theirs.body)}`);
  log(`render: ${series} series, ${mb(ours.body.length)}: ours ${ms(ours.ms)}, prom-client ${ms(theirs.ms)}`);
  // --metrics-format=both: each series twice, per-kind and unified names, for a migration window.
  const bothMetrics = new ExporterMetrics('bench', index, results, () => 0, 'both');
  const renderBoth = async () => collect(await bothMetrics.exposition());
  const both = { ms: await timeRenders(renderBoth), body: Buffer.concat((await renderBoth()).chunks).toString() };
  log(`render, both formats: ${seriesIn(both.body)} series, ${mb(both.body.length)}: ${ms(both.ms)}`);
  const changes = await timeChanges(index, results);
  log(
    `render, kept pieces: first ${ms(changes.firstMs)}, unchanged ${ms(changes.unchangedMs)}, one status changed ${ms(changes.statusMs)}, one workload added ${ms(changes.addedMs)}; ` +
      `full render + gzip ${ms(changes.fullMs)}; body ${mb(changes.gzippedBytes)} gzipped against ${mb(changes.fullGzippedBytes)}`,
  );
  return [
    {
      case: `4. /metrics body after one change, ${series} series (kept pieces)`,
      exporter: `status changed ${ms(changes.statusMs)}, workload added ${ms(changes.addedMs)}, unchanged ${ms(changes.unchangedMs)}, first ${ms(changes.firstMs)}`,
      baseline: `full render + gzip ${ms(changes.fullMs)}`,
      ratio: Math.max(changes.statusMs, changes.addedMs) / changes.fullMs,
      target: `≤ ${CHANGE_MAX_RATIO.toFixed(2)}`,
      pass: Math.max(changes.statusMs, changes.addedMs) / changes.fullMs <= CHANGE_MAX_RATIO,
    },
    {
      case: `4. /metrics render, ${series} series`,
      exporter: `${ms(ours.ms)} (${mb(ours.body.length)})`,
      baseline: `prom-client gauges ${ms(theirs.ms)}`,
      ratio: ours.ms / theirs.ms,
      target: `exporter < ${ms(TARGET_MS)}`,
      pass: ours.ms < TARGET_MS,
    },
    {
      case: `4. /metrics render, --metrics-format=both, ${seriesIn(both.body)} series`,
      exporter: `${ms(both.ms)} (${mb(both.body.length)})`,
      baseline: `per-kind only ${ms(ours.ms)}`,
      ratio: both.ms / ours.ms,
      // Twice the series: at most about twice the time, whatever the machine.
      target: `≤ ${BOTH_MAX_RATIO.toFixed(2)}`,
      pass: both.ms / ours.ms <= BOTH_MAX_RATIO,
    },
  ];
}

type ChangeFigures = { firstMs: number; unchangedMs: number; statusMs: number; addedMs: number; fullMs: number; gzippedBytes: number; fullGzippedBytes: number };

/** The gzip body as /metrics makes it, after each kind of change, RUNS times each (medians). */
async function timeChanges(index: ImageIndex, results: CheckResults): Promise<ChangeFigures> {
  const metrics = new ExporterMetrics('bench', index, results);
  const timed = async (change: (run: number) => void): Promise<number> => {
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      change(run);
      const started = performance.now();
      await metrics.gzippedExposition();
      times.push(performance.now() - started);
    }
    return median(times);
  };
  const started = performance.now();
  const first = await metrics.gzippedExposition();
  const firstMs = performance.now() - started;
  const unchangedMs = await timed(() => {});
  const keys = [...new Set(Array.from(index.usages(), (usage) => usage.unit?.key ?? ''))].filter(Boolean);
  const statusMs = await timed((run) => {
    const key = keys[(run * 7919) % keys.length];
    results.set(key, { ...results.get(key)!, status: results.get(key)!.status === 'absent' ? 'available' : 'absent' });
  });
  const addedMs = await timed((run) => {
    const image = `registry.example.com/fresh/service-${run}:v1`;
    index.upsertWorkload(workload(index.workloadCount + run, image, 'fresh'));
    results.set(image, { status: 'absent', message: 'manifest unknown', registry: 'registry.example.com', checkedAt: Date.now(), durationMs: 3, consecutiveFailures: 0 });
  });
  const full = await gzipChunks(await metrics.exposition());
  const fullMs = await timeRenders(async () => gzipChunks(await metrics.exposition()));
  return { firstMs, unchangedMs, statusMs, addedMs, fullMs, gzippedBytes: first.gzippedBytes, fullGzippedBytes: full.gzippedBytes };
}
