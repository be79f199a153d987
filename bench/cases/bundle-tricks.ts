// What each of the bundle's memory tricks (scripts/bundle-tricks.ts) is worth: the exporter is
// bundled once as shipped and once without each trick, and every build runs at once, as the image
// runs it (lib/exporter-processes.ts), against one real API server and one registry holding the
// same workloads, checking every image each interval and scraped every 15 s. Per round and
// build: the median RSS of one sample a second over the window (steady RSS) and the CPU the process
// used in it. The shipped build runs twice in every round: the standard deviation of its figures
// over all rounds is the noise. A trick whose removal moves neither median by more than the noise
// is not worth its place.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { TRICK_NAMES } from '../../scripts/bundle-tricks.js';
import { bundleOptions } from '../../scripts/bundle.js';
import { repoRoot } from '../../test/support/tools.js';
import { startApiServer } from '../../test/support/apiserver.js';
import { startRegistry } from '../../test/support/registry.js';
import { createWorkloads } from '../lib/api-workloads.js';
import { scrape, startOurs, statusesOf, waitForMetrics, type ExporterProcess } from '../lib/exporter-processes.js';
import { seededImages } from '../lib/seeded-names.js';
import { seedTags } from '../lib/seed.js';
import { log, median, sleep } from '../lib/stats.js';

const REPOS = 100;
const WORKLOADS_PER_IMAGE = 661 / 500;
const READY_CAP_MS = 5 * 60_000;
const SCRAPE_EVERY_MS = 15_000;

export type TricksOptions = { images: number; rounds: number; interval: string; windowMs: number };
type Build = { label: string; without?: string; cli: string };
type Figures = { rss: number; cpuMs: number };

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const slug = (label: string) => label.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** The shipped bundle and one without each trick, each in a directory of its own. */
async function buildAll(root: string): Promise<Build[]> {
  rmSync(root, { recursive: true, force: true });
  const builds: Build[] = [];
  for (const without of [undefined, ...TRICK_NAMES]) {
    const label = without === undefined ? 'shipped' : `without ${without}`;
    const outdir = join(root, slug(label));
    mkdirSync(outdir, { recursive: true });
    await build(bundleOptions([join(repoRoot, 'src', 'cli.ts')], outdir, without));
    builds.push({ label, without, cli: join(outdir, 'cli.js') });
  }
  return builds;
}

/** Whether every image shows as available in the exporter's /metrics. */
async function allAvailable(exporter: ExporterProcess, images: string[]): Promise<boolean> {
  const statuses = statusesOf((await scrape(exporter)).text);
  return images.every((image) => statuses.get(image)?.has('available'));
}

/** One round: every process at once; each one's steady RSS and CPU over the window. */
async function round(processes: Array<{ cli: string }>, setup: { kubeconfig: string; registryHost: string }, images: string[], options: TricksOptions): Promise<Figures[]> {
  const running: ExporterProcess[] = [];
  try {
    for (const { cli } of processes) running.push(await startOurs({ ...setup, interval: options.interval, cli }));
    await Promise.all(running.map((exporter) => waitForMetrics(exporter, READY_CAP_MS)));
    const deadline = performance.now() + READY_CAP_MS;
    const pending = new Set(running);
    while (pending.size > 0) {
      if (performance.now() > deadline) throw new Error(`${pending.size} builds did not show every image available within ${READY_CAP_MS / 1000} s`);
      for (const exporter of [...pending]) if (await allAvailable(exporter, images)) pending.delete(exporter);
      await sleep(2000);
    }
    await sleep(Number(options.interval.slice(0, -1)) * 1000);
    const cpuStart = running.map((exporter) => exporter.cpuMs());
    const samples: number[][] = running.map(() => []);
    const started = performance.now();
    let nextScrape = started;
    while (performance.now() - started < options.windowMs) {
      running.forEach((exporter, i) => samples[i].push(exporter.memory().rss));
      if (performance.now() >= nextScrape) {
        nextScrape += SCRAPE_EVERY_MS;
        for (const exporter of running) await scrape(exporter);
      }
      await sleep(1000);
    }
    return running.map((exporter, i) => ({ rss: median(samples[i]), cpuMs: exporter.cpuMs() - cpuStart[i] }));
  } finally {
    await Promise.all(running.map((exporter) => exporter.stop()));
  }
}

/** Sample standard deviation. */
function deviation(values: number[]): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
}

export async function bundleTricksCase(options: TricksOptions): Promise<string[]> {
  const builds = await buildAll(join(repoRoot, 'dist', 'bench', 'tricks'));
  log(`bundle tricks: ${builds.length} builds (the shipped one and one without each trick)`);
  const [registry, api] = await Promise.all([startRegistry({ auth: 'none' }), startApiServer()]);
  try {
    await seedTags(registry, REPOS, Math.ceil(options.images / REPOS));
    const images = seededImages(registry.host, REPOS, options.images);
    const workloads = Math.round(options.images * WORKLOADS_PER_IMAGE);
    await createWorkloads(api, workloads, images);
    const setup = { kubeconfig: api.kubeconfigPath, registryHost: registry.host };
    // The shipped build twice per round (first and last started), for the noise.
    const processes = [builds[0], ...builds.slice(1), builds[0]];
    const figures: Figures[][] = processes.map(() => []);
    for (let r = 0; r < options.rounds; r++) {
      log(`bundle tricks: round ${r + 1} of ${options.rounds}, ${processes.length} processes, ${workloads} workloads / ${options.images} images`);
      // Each round starts the processes in another order: none is always first or last.
      const order = processes.map((_, i) => (i * (r + 1) * 7 + r) % processes.length);
      if (new Set(order).size !== order.length) order.splice(0, order.length, ...processes.map((_, i) => (i + r) % processes.length));
      const results = await round(order.map((i) => processes[i]), setup, images, options);
      results.forEach((figure, k) => figures[order[k]].push(figure));
    }
    const shipped = [...figures[0], ...figures[processes.length - 1]];
    const base = { rss: median(shipped.map((f) => f.rss)), cpuMs: median(shipped.map((f) => f.cpuMs)) };
    const noise = { rss: deviation(shipped.map((f) => f.rss)), cpuMs: deviation(shipped.map((f) => f.cpuMs)) };
    const lines = [
      `\n${workloads} workloads / ${options.images} images, --check-interval=${options.interval}, ${options.rounds} rounds; window ${options.windowMs / 1000} s.`,
      `Noise (standard deviation of the shipped build's ${shipped.length} figures): RSS ${mib(noise.rss)}, CPU ${noise.cpuMs.toFixed(0)} ms. ` +
        `Shipped build: steady RSS ${mib(base.rss)} (${shipped.map((f) => mib(f.rss)).join(', ')}), CPU in the window ${base.cpuMs.toFixed(0)} ms (${shipped.map((f) => f.cpuMs.toFixed(0)).join(', ')}).\n`,
      '| build | steady RSS (median of rounds) | ÷ shipped | CPU in the window | ÷ shipped | the trick is worth |',
      '|---|---|---|---|---|---|',
    ];
    processes.slice(1, -1).forEach((build, k) => {
      const rows = figures[k + 1];
      const rss = median(rows.map((f) => f.rss));
      const cpuMs = median(rows.map((f) => f.cpuMs));
      const worth = rss - base.rss > noise.rss || cpuMs - base.cpuMs > noise.cpuMs ? 'more than the noise: keep' : 'less than the noise: remove';
      lines.push(`| ${build.label} | ${mib(rss)} (${rows.map((f) => mib(f.rss)).join(', ')}) | ${(rss / base.rss).toFixed(3)} | ${cpuMs.toFixed(0)} ms | ${(cpuMs / base.cpuMs).toFixed(2)} | ${worth} |`);
    });
    return lines;
  } finally {
    await api.stop();
    await registry.stop();
  }
}
