// Case 4: the exporter's memory, every process run with the Node flags of the image. 4a: where an
// idle process's RSS goes (bare Node, the Kubernetes client's package index, every module of the
// exporter), each in a process of its own; the image's flags against Node's defaults. 4b: steady
// RSS (the median while the process runs on after its first full check, rechecking and scraped)
// at the sizes of the memory goals and at the run's size, next to the idle exporter of the same
// run, with the RSS right after the first check, the peak, and what each workload and image adds.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestRegistry } from '../../test/support/registry.js';
import { imageNode } from '../lib/image-node.js';
import { imageEnvironment, imageNodeFlags } from '../lib/image-node-flags.js';
import type { MemoryFigures } from '../lib/memory-probe.js';
import type { ModuleCost } from '../lib/module-cost.js';
import type { Row } from '../lib/report.js';
import { log, mb, ms } from '../lib/stats.js';

// Bundled as the exporter ships (scripts/bundle.ts, run by `npm run bench`).
const PROBE = fileURLToPath(new URL('../bundled/memory-probe.js', import.meta.url));
const MODULE_COST = fileURLToPath(new URL('../bundled/module-cost.js', import.meta.url));
const TARGET_RSS = 250e6;
/** How long each probe runs on after its first full check (memory-probe.ts: rechecks every 15 s, a scrape every 10 s). */
const STEADY_MS = 45_000;
const MIB = 1024 * 1024;
/** The goals of the memory issue: the Go exporter's figures at these sizes, with margin. */
const IDLE_GOAL = 55 * MIB;
const STEADY_GOALS = [
  { workloads: 660, images: 500, rss: 60 * MIB },
  { workloads: 4000, images: 3000, rss: 110 * MIB },
];

const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
const run = promisify(execFile);

async function probe(host: string, repos: number, workloads: number, images: number, nodeFlags = imageNodeFlags()): Promise<MemoryFigures> {
  const { stdout } = await run(imageNode().path, [...nodeFlags, '--expose-gc', PROBE, host, String(repos), String(workloads), String(images), String(STEADY_MS)], {
    maxBuffer: 1024 * 1024,
    env: imageEnvironment(),
  });
  return JSON.parse(stdout) as MemoryFigures;
}

async function moduleCost(load: 'bare' | 'client-library' | 'exporter'): Promise<ModuleCost> {
  const { stdout } = await run(imageNode().path, [...imageNodeFlags(), '--expose-gc', MODULE_COST, load], { maxBuffer: 1024 * 1024, env: imageEnvironment() });
  return JSON.parse(stdout) as ModuleCost;
}

/** The largest image count the goals need, for the registry's seeding. */
export const MEMORY_GOAL_IMAGES = Math.max(...STEADY_GOALS.map((goal) => goal.images));

export async function memoryCase(registry: TestRegistry, repos: number, workloads: number, images: number): Promise<Row[]> {
  const node = imageNode();
  log(`memory: every process runs on Node.js ${node.version} (${node.path})${node.note ? `: ${node.note}` : ''}`);
  const bare = await moduleCost('bare');
  const client = await moduleCost('client-library');
  const modules = await moduleCost('exporter');
  log(
    `memory: bare node rss ${mib(bare.rss)} heap ${mib(bare.heapUsed)}; + client library parts rss ${mib(client.rss)} heap ${mib(client.heapUsed)}; ` +
      `every exporter module rss ${mib(modules.rss)} heap ${mib(modules.heapUsed)} external ${mib(modules.external)}`,
  );
  const idle = await probe(registry.host, repos, 0, 0);
  const nodeDefaults = await probe(registry.host, repos, 0, 0, []);
  const rows: Row[] = [
    {
      case: `4. idle steady RSS with the image's Node flags (${imageNodeFlags().join(' ')}), Node.js ${node.version}`,
      exporter: mib(idle.steadyRss),
      baseline: `Node's defaults ${mib(nodeDefaults.steadyRss)}`,
      ratio: idle.steadyRss / nodeDefaults.steadyRss,
      target: '< 1',
      pass: idle.steadyRss < nodeDefaults.steadyRss,
    },
    {
      case: '4. idle steady RSS (modules loaded, nothing watched, scraped)',
      exporter: `${mib(idle.steadyRss)} (${mib(idle.rss)} at start): client library ${mib(client.rss - bare.rss)} of it, heap ${mib(idle.heapUsed)}`,
      baseline: `bare Node.js ${node.version} ${mib(bare.rss)}`,
      ratio: idle.steadyRss / bare.rss,
      target: `≤ ${mib(IDLE_GOAL)}`,
      pass: idle.steadyRss <= IDLE_GOAL,
    },
  ];
  for (const goal of STEADY_GOALS) {
    const steady = await probe(registry.host, repos, goal.workloads, goal.images);
    const perWorkload = (steady.heapUsed - idle.heapUsed) / goal.workloads;
    const perImage = (steady.heapUsed - idle.heapUsed) / goal.images;
    log(
      `memory: ${goal.workloads} workloads / ${goal.images} images: steady rss ${mib(steady.steadyRss)} (median of ${steady.steadySamples} samples), ` +
        `${mib(steady.rss)} right after the first check, peak ${mib(steady.maxRss)}, heap ${mib(steady.heapUsed)}; ${steady.failures} not available`,
    );
    rows.push({
      case: `4. steady RSS, ${goal.workloads} workloads / ${goal.images} images`,
      exporter:
        `${mib(steady.steadyRss)} (${mib(steady.rss)} right after the first check, peak ${mib(steady.maxRss)}); ` +
        `heap over idle ${(perWorkload / 1000).toFixed(1)} kB per workload, or ${(perImage / 1000).toFixed(1)} kB per image (one delta)`,
      baseline: `idle exporter ${mib(idle.steadyRss)}`,
      ratio: steady.steadyRss / idle.steadyRss,
      target: `≤ ${mib(goal.rss)}`,
      pass: steady.steadyRss <= goal.rss && steady.failures === 0,
    });
  }

  const loaded = await probe(registry.host, repos, workloads, images);
  log(
    `memory: idle rss ${mb(idle.rss)} heap ${mb(idle.heapUsed)}; loaded rss ${mb(loaded.rss)}, ${mb(loaded.rssAfterScrape)} after a scrape of ${mb(loaded.metricsBytes)}, ` +
      `peak ${mb(loaded.maxRss)}, heap ${mb(loaded.heapUsed)}; ${loaded.units} units checked in ${ms(loaded.checkMs)}, ${loaded.failures} not available`,
  );
  const note = loaded.failures ? ` (${loaded.failures} checks not available!)` : '';
  rows.push(
    {
      case: `4. RSS, ${workloads} workloads / ${images} images checked`,
      exporter: `${mb(loaded.rss)}; peak ${mb(loaded.maxRss)} with a scrape${note}`,
      baseline: `idle exporter ${mb(idle.rss)}`,
      ratio: loaded.rss / idle.rss,
      target: `peak ≤ ${mb(TARGET_RSS)}`,
      pass: loaded.maxRss <= TARGET_RSS && loaded.failures === 0,
    },
    {
      case: `4. heap retained, ${workloads} workloads / ${images} images`,
      exporter: `${mb(loaded.heapUsed)} (${((loaded.heapUsed - idle.heapUsed) / workloads / 1000).toFixed(1)} kB per workload over idle)`,
      baseline: `idle exporter ${mb(idle.heapUsed)}`,
      ratio: loaded.heapUsed / idle.heapUsed,
      target: '',
    },
  );
  return rows;
}
