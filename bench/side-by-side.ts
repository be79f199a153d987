// `PEER_BIN=/path/to/go-exporter npm run bench:peer [-- --sizes 500,3000 --interval 30s]`: our
// exporter and the Go exporter side by side, at once, on one real API server and one real registry
// holding the same workloads (1.32 per image, as 661 / 500; one image in 20 a missing tag), each
// size in a fresh cluster. Ours runs exactly as the image and chart run it (lib/exporter-processes.ts).
// Per size it prints steady and peak RSS, CPU per check, time to final statuses, freshness of a new
// missing tag, registry requests per check and /metrics scrape time, each as ours ÷ peer.
// Without PEER_BIN the case says it was skipped: the peer is built by the developer from the Go
// exporter's source, and neither that source nor a script that builds it is part of this repository.
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { KIND_NAMES } from '../src/kube/workload-kinds.js';
import { startApiServer, type ApiServer } from '../test/support/apiserver.js';
import { startRegistry, type TestRegistry } from '../test/support/registry.js';
import { apiWriter, createWorkload, createWorkloads } from './lib/api-workloads.js';
import { nodeFlagsAsShipped, scrape, startOurs, startPeer, statusesOf, waitForMetrics, type ExporterProcess } from './lib/exporter-processes.js';
import { imageNode } from './lib/image-node.js';
import { seededImages } from './lib/seeded-names.js';
import { seedTags } from './lib/seed.js';
import { countRequests, type RequestCounts } from './lib/side-by-side-requests.js';
import { log, mb, median, ms, sleep } from './lib/stats.js';

const REPOS = 100;
const WORKLOADS_PER_IMAGE = 661 / 500;
const MISSING_EVERY = 20;
const FINAL_CAP_MS = 6 * 60_000;
const WINDOW_MS = 120_000;
const POLL_MS = 2_000;
const FRESH_POLL_MS = 50;
const FRESH_CAP_MS = 5 * 60_000;
const FRESH_EVENTS = 3;
const SCRAPES = 5;

type Options = { sizes: number[]; interval: string; intervalMs: number };
type Side = { exporter: ExporterProcess; finalMs?: number; rss: number[]; cpuMs: number; counts: RequestCounts; scrapeMs: number[]; freshMs: number[] };

function parseOptions(args: string[]): Options {
  const options: Options = { sizes: [500, 3000], interval: '30s', intervalMs: 30_000 };
  for (let i = 0; i < args.length; i += 2) {
    if (args[i] === '--sizes' && /^\d+(,\d+)*$/.test(args[i + 1] ?? '')) options.sizes = args[i + 1].split(',').map(Number);
    else if (args[i] === '--interval' && /^\d+s$/.test(args[i + 1] ?? '')) options.interval = args[i + 1];
    else throw new Error(`bench:peer: ${args[i]} ${args[i + 1] ?? ''}: expected --sizes 500,3000 or --interval 30s`);
  }
  options.intervalMs = Number(options.interval.slice(0, -1)) * 1000;
  return options;
}

/** The images the workloads use: every MISSING_EVERY-th a tag the registry does not have. */
function benchImages(host: string, count: number): { images: string[]; expected: Map<string, string> } {
  const seeded = seededImages(host, REPOS, count);
  const images = seeded.map((image, i) => (i % MISSING_EVERY === MISSING_EVERY - 1 ? `${image}-missing` : image));
  return { images, expected: new Map(images.map((image) => [image, image.endsWith('-missing') ? 'absent' : 'available'])) };
}

function isFinal(text: string, expected: Map<string, string>): boolean {
  const statuses = statusesOf(text);
  for (const [image, status] of expected) {
    const seen = statuses.get(image);
    if (!seen || seen.size !== 1 || !seen.has(status)) return false;
  }
  return true;
}

/** Polls both sides alike until each shows every image's final status, or the cap. */
async function timeToFinal(sides: Side[], expected: Map<string, string>, startedAt: number): Promise<void> {
  while (performance.now() - startedAt < FINAL_CAP_MS && sides.some((side) => side.finalMs === undefined)) {
    await Promise.all(sides.map(async (side) => {
      const { text } = await scrape(side.exporter);
      if (side.finalMs === undefined && isFinal(text, expected)) side.finalMs = performance.now() - startedAt;
    }));
    await sleep(POLL_MS);
  }
}

/** Steady window: RSS every second, CPU and registry requests over the window, a scrape every 15 s. */
async function steadyWindow(sides: Side[], registry: TestRegistry): Promise<void> {
  const cpuStart = sides.map((side) => side.exporter.cpuMs());
  const countsStart = countRequests(await registry.requests());
  const started = performance.now();
  let nextScrape = started;
  while (performance.now() - started < WINDOW_MS) {
    for (const side of sides) side.rss.push(side.exporter.memory().rss);
    if (performance.now() >= nextScrape) {
      nextScrape += 15_000;
      for (const side of sides) side.scrapeMs.push((await scrape(side.exporter)).ms);
    }
    await sleep(1000);
  }
  const countsEnd = countRequests(await registry.requests());
  sides.forEach((side, i) => {
    side.cpuMs = side.exporter.cpuMs() - cpuStart[i];
    const name = side.exporter.name;
    side.counts = { manifests: countsEnd[name].manifests - countsStart[name].manifests, all: countsEnd[name].all - countsStart[name].all };
  });
}

/**
 * New Deployments, each with a new missing tag, created a second apart: time from each create call
 * to `absent` in the side's /metrics. Polled every FRESH_POLL_MS for the first seconds, then every
 * second (the Go exporter takes its new images in turn behind the rest of its queue).
 */
async function freshness(sides: Side[], api: ApiServer, host: string, size: number): Promise<void> {
  const images = Array.from({ length: FRESH_EVENTS }, (_, event) => `${host}/bench/r000:fresh-${size}-${event}`);
  const created = new Map<string, number>();
  const writer = await apiWriter(api);
  // The sides poll from before the first create, so that a result is seen as soon as it shows.
  const polls = sides.map(async (side) => {
    const seen = new Map<string, number>();
    const started = performance.now();
    while (seen.size < images.length && performance.now() - started < FRESH_CAP_MS) {
      const { text } = await scrape(side.exporter);
      const statuses = statusesOf(text);
      for (const [image, at] of created) if (!seen.has(image) && statuses.get(image)?.has('absent')) seen.set(image, performance.now() - at);
      await sleep(performance.now() - started < 5000 + FRESH_EVENTS * 1000 ? FRESH_POLL_MS : 1000);
    }
    side.freshMs = images.map((image) => seen.get(image) ?? Infinity);
  });
  try {
    for (const [event, image] of images.entries()) {
      await createWorkload(writer, KIND_NAMES[0], 'team-00', `fresh-${event}`, image);
      created.set(image, performance.now());
      await sleep(1000);
    }
  } finally {
    await writer.close();
  }
  await Promise.all(polls);
}

function newSide(exporter: ExporterProcess): Side {
  return { exporter, rss: [], cpuMs: 0, counts: { manifests: 0, all: 0 }, scrapeMs: [], freshMs: [] };
}

/** `capMs`: what a figure that never came (Infinity) was waited for. */
type Figure = { name: string; ours: number; peer: number; show(value: number): string; capMs?: number; goal?: { ratio?: number; oursAtMost?: number } };

function row(figure: Figure): string {
  const ratio = figure.ours / figure.peer;
  const cap = figure.capMs ?? NaN;
  const shown = (value: number) => (Number.isFinite(value) ? figure.show(value) : `> ${ms(cap)}`);
  // A peer figure that never came within the cap bounds the ratio from above.
  const ratioText = Number.isFinite(figure.peer) ? ratio.toFixed(2) : Number.isFinite(figure.ours) ? `< ${(figure.ours / cap).toPrecision(2)}` : '—';
  let goal = '';
  let met = 'info';
  if (figure.goal?.ratio !== undefined) {
    goal = `ratio ≤ ${figure.goal.ratio.toFixed(1)}`;
    met = ratio <= figure.goal.ratio ? 'met' : 'MISS';
  } else if (figure.goal?.oursAtMost !== undefined) {
    goal = `ours ≤ ${ms(figure.goal.oursAtMost)}`;
    met = figure.ours <= figure.goal.oursAtMost ? 'met' : 'MISS';
  }
  return `| ${figure.name} | ${shown(figure.ours)} | ${shown(figure.peer)} | ${ratioText} | ${goal} | ${met} |`;
}

async function runSize(peerBin: string, images: number, options: Options): Promise<string[]> {
  const [registry, api] = await Promise.all([startRegistry({ auth: 'none' }), startApiServer()]);
  const sides: Side[] = [];
  try {
    await seedTags(registry, REPOS, Math.ceil(images / REPOS));
    const { images: names, expected } = benchImages(registry.host, images);
    const workloads = Math.round(images * WORKLOADS_PER_IMAGE);
    await createWorkloads(api, workloads, names);
    log(`${images} images: ${workloads} workloads created; starting both exporters`);
    const setup = { kubeconfig: api.kubeconfigPath, registryHost: registry.host, interval: options.interval };
    sides.push(newSide(await startOurs(setup)), newSide(await startPeer(peerBin, setup)));
    const startedAt = performance.now();
    await Promise.all(sides.map((side) => waitForMetrics(side.exporter)));
    const final = timeToFinal(sides, expected, startedAt);
    await Promise.race([final, sleep(FINAL_CAP_MS)]);
    // The window starts one interval after ours has its final statuses (or at the cap).
    await sleep(options.intervalMs);
    await Promise.all([final, steadyWindow(sides, registry)]);
    await freshness(sides, api, registry.host, images);
    for (const side of sides) for (let i = 0; i < SCRAPES; i++) side.scrapeMs.push((await scrape(side.exporter)).ms);
    const [ours, peer] = sides;
    const peak = sides.map((side) => side.exporter.memory().peak);
    const perCheck = (side: Side) => side.cpuMs / Math.max(1, side.counts.manifests);
    const figures: Figure[] = [
      { name: 'steady RSS (median over the window)', ours: median(ours.rss), peer: median(peer.rss), show: mb, goal: { ratio: 1.0 } },
      { name: 'peak RSS', ours: peak[0], peer: peak[1], show: mb, goal: { ratio: 1.0 } },
      { name: 'CPU per check', ours: perCheck(ours), peer: perCheck(peer), show: (v) => `${v.toFixed(2)} ms`, goal: { ratio: 0.5 } },
      { name: 'time to final statuses', ours: ours.finalMs ?? Infinity, peer: peer.finalMs ?? Infinity, show: ms, capMs: FINAL_CAP_MS },
      { name: 'new missing tag → absent in /metrics (median)', ours: median(ours.freshMs), peer: median(peer.freshMs), show: ms, capMs: FRESH_CAP_MS, goal: { oursAtMost: 200 } },
      { name: 'registry requests per check', ours: ours.counts.all / Math.max(1, ours.counts.manifests), peer: peer.counts.all / Math.max(1, peer.counts.manifests), show: (v) => v.toFixed(2) },
      { name: '/metrics scrape, gzip (median)', ours: median(ours.scrapeMs), peer: median(peer.scrapeMs), show: ms },
    ];
    return [
      `\n### ${images} images, ${workloads} workloads, --check-interval=${options.interval}\n`,
      `Checks in the ${ms(WINDOW_MS)} window: ours ${ours.counts.manifests}, peer ${peer.counts.manifests}; final statuses capped at ${ms(FINAL_CAP_MS)}, freshness at ${ms(FRESH_CAP_MS)} (polled every ${FRESH_POLL_MS} ms for 5 s, then every second).\n`,
      '| figure | ours | peer | ours ÷ peer | goal | |',
      '|---|---|---|---|---|---|',
      ...figures.map(row),
    ];
  } finally {
    await Promise.all(sides.map((side) => side.exporter.stop()));
    await api.stop();
    await registry.stop();
  }
}

const peerBin = process.env.PEER_BIN;
if (!peerBin || !existsSync(peerBin)) {
  console.log(`side-by-side case skipped: ${peerBin ? `PEER_BIN=${peerBin} does not exist` : 'PEER_BIN is not set'}. Build the Go exporter from its source (BENCHMARKS.md, "Side by side with the Go exporter") and name the binary in PEER_BIN.`);
} else {
  const options = parseOptions(process.argv.slice(2));
  const load = loadavg()[0];
  const lines: string[] = [];
  for (const size of options.sizes) lines.push(...(await runSize(peerBin, size, options)));
  console.log(
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}; ours on Node.js ${imageNode().version} with ${nodeFlagsAsShipped().join(' ')} and the image's ENV; ` +
      `peer ${peerBin}; load average ${load.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end.`,
  );
  for (const line of lines) console.log(line);
}
