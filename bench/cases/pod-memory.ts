// Case 8: what --check-pods costs in memory per 10 000 pods: the heap one process retains with the
// pods projected, tracked and indexed as the exporter keeps them, next to the same pods kept whole
// as an informer caching the API server's objects would, each over an idle process (child
// processes of their own, run idle, whole, exporter, whole, exporter, and the two runs of each
// averaged).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PodMemoryFigures } from '../lib/pod-memory-probe.js';
import type { Row } from '../lib/report.js';
import { log, mb } from '../lib/stats.js';

const PROBE = fileURLToPath(new URL('../lib/pod-memory-probe.js', import.meta.url));
const PODS = 10_000;
/** The projection keeps a small part of each pod: at most a quarter of what whole pods cost. */
const TARGET_RATIO = 0.25;

async function probe(mode: 'idle' | 'whole' | 'exporter'): Promise<PodMemoryFigures> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', PROBE, mode, String(PODS)], { maxBuffer: 1024 * 1024 });
  return JSON.parse(stdout) as PodMemoryFigures;
}

export async function podMemoryCase(): Promise<Row[]> {
  const idle = await probe('idle');
  const runs = { whole: [] as number[], exporter: [] as number[] };
  for (const mode of ['whole', 'exporter', 'whole', 'exporter'] as const) {
    const figures = await probe(mode);
    if (figures.pods !== PODS) throw new Error(`the ${mode} probe kept ${figures.pods} pods, not ${PODS}`);
    runs[mode].push(figures.heapUsed - idle.heapUsed);
  }
  const average = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const exporter = average(runs.exporter);
  const whole = average(runs.whole);
  const perPod = (bytes: number) => `${Math.round(bytes / PODS)} bytes/pod`;
  log(`pod memory: idle heap ${mb(idle.heapUsed)}; ${PODS} pods whole +${mb(whole)}, as the exporter keeps them +${mb(exporter)}`);
  return [
    {
      case: `8. heap per 10 000 pods with --check-pods (projection, owner tracking, image index)`,
      exporter: `${mb(exporter)} (${perPod(exporter)})`,
      baseline: `whole pods in an informer cache ${mb(whole)} (${perPod(whole)})`,
      ratio: exporter / whole,
      target: `≤ ${TARGET_RATIO}`,
      pass: exporter / whole <= TARGET_RATIO,
    },
  ];
}
