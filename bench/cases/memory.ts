// Case 4a: the exporter's memory after the first full check of W workloads over I images, in a
// process of its own, next to the same process with no workloads (the idle exporter).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestRegistry } from '../../test/support/registry.js';
import type { MemoryFigures } from '../lib/memory-probe.js';
import type { Row } from '../lib/report.js';
import { log, mb, ms } from '../lib/stats.js';

const PROBE = fileURLToPath(new URL('../lib/memory-probe.js', import.meta.url));
const TARGET_RSS = 250e6;

async function probe(host: string, repos: number, workloads: number, images: number): Promise<MemoryFigures> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', PROBE, host, String(repos), String(workloads), String(images)], { maxBuffer: 1024 * 1024 });
  return JSON.parse(stdout) as MemoryFigures;
}

export async function memoryCase(registry: TestRegistry, repos: number, workloads: number, images: number): Promise<Row[]> {
  const idle = await probe(registry.host, repos, 0, 0);
  const loaded = await probe(registry.host, repos, workloads, images);
  log(
    `memory: idle rss ${mb(idle.rss)} heap ${mb(idle.heapUsed)}; loaded rss ${mb(loaded.rss)}, ${mb(loaded.rssAfterScrape)} after a scrape of ${mb(loaded.metricsBytes)}, ` +
      `peak ${mb(loaded.maxRss)}, heap ${mb(loaded.heapUsed)}; ${loaded.units} units checked in ${ms(loaded.checkMs)}, ${loaded.failures} not available`,
  );
  const note = loaded.failures ? ` (${loaded.failures} checks not available!)` : '';
  return [
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
  ];
}
