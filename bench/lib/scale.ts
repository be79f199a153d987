// How big each case is. The default run fits in about two minutes on two cores; --quick is a
// smoke run; --full uses the sizes the benchmark issue asks for (six to nine minutes).
import { MEMORY_GOAL_IMAGES } from '../cases/memory.js';

export type Scale = {
  name: 'quick' | 'default' | 'full';
  /** Repositories the shared registry's tags are spread over. */
  repos: number;
  /** Unique images of the throughput curve. */
  throughputSizes: number[];
  /** Steady-state rounds counted by the request-economy case. */
  economyRounds: number;
  /** Workload events of the freshness case, and the burst they compete with when busy. */
  freshnessEvents: number;
  freshnessBurst: number;
  /** Cluster sizes of the freshness case through the API server, and the new workloads at each. */
  liveFreshnessSizes: Array<{ workloads: number; images: number }>;
  liveFreshnessEvents: number;
  memoryWorkloads: number;
  memoryImages: number;
  /** Availability series rendered by the /metrics case (eight per container). */
  renderSeries: number;
  /** Images on the status page of the status-page case. */
  statusPageImages: number;
  /** Images checked and scraped by the scrape-load case (two workloads each). */
  scrapeImages: number;
  /** Images on the fast registry, and on each slow one, in the fairness case. */
  fairnessFastImages: number;
  fairnessSlowImages: number;
  /** Images of the credential plugin case (a plugin process per check in one of its passes). */
  pluginImages: number;
  /** Runs per client of the client CPU case, and the HEADs (and GETs) each run sends. */
  clientCpuRounds: number;
  clientCpuRequests: number;
};

/** The memory goals' sizes (BENCHMARKS.md case 4), where freshness was measured slow. */
const LIVE_FRESHNESS_SIZES = [
  { workloads: 661, images: 500 },
  { workloads: 4000, images: 3000 },
];

const SCALES: Record<Scale['name'], Scale> = {
  quick: {
    name: 'quick',
    repos: 100,
    throughputSizes: [500, 1000],
    economyRounds: 3,
    freshnessEvents: 100,
    freshnessBurst: 500,
    liveFreshnessSizes: [{ workloads: 661, images: 500 }],
    liveFreshnessEvents: 10,
    memoryWorkloads: 2000,
    memoryImages: 1000,
    renderSeries: 100_000,
    scrapeImages: 2000,
    statusPageImages: 5000,
    fairnessFastImages: 500,
    fairnessSlowImages: 16,
    pluginImages: 300,
    clientCpuRounds: 2,
    clientCpuRequests: 1000,
  },
  default: {
    name: 'default',
    repos: 200,
    throughputSizes: [1000, 2000],
    economyRounds: 5,
    freshnessEvents: 200,
    freshnessBurst: 2000,
    liveFreshnessSizes: LIVE_FRESHNESS_SIZES,
    liveFreshnessEvents: 20,
    memoryWorkloads: 10_000,
    memoryImages: 5000,
    renderSeries: 100_000,
    scrapeImages: 10_000,
    statusPageImages: 5000,
    fairnessFastImages: 1000,
    fairnessSlowImages: 24,
    pluginImages: 500,
    clientCpuRounds: 3,
    clientCpuRequests: 2000,
  },
  full: {
    name: 'full',
    repos: 200,
    throughputSizes: [1000, 5000, 10_000, 20_000],
    economyRounds: 10,
    freshnessEvents: 200,
    freshnessBurst: 5000,
    liveFreshnessSizes: LIVE_FRESHNESS_SIZES,
    liveFreshnessEvents: 20,
    memoryWorkloads: 10_000,
    memoryImages: 5000,
    renderSeries: 100_000,
    scrapeImages: 10_000,
    statusPageImages: 5000,
    fairnessFastImages: 2000,
    fairnessSlowImages: 48,
    pluginImages: 1000,
    clientCpuRounds: 5,
    clientCpuRequests: 3000,
  },
};

export function scaleFrom(args: string[]): Scale {
  if (args.includes('--full')) return SCALES.full;
  if (args.includes('--quick')) return SCALES.quick;
  return SCALES.default;
}

/** Tags the shared registry needs so every case finds its images there. */
export function imagesNeeded(scale: Scale): number {
  return Math.max(...scale.throughputSizes, scale.memoryImages, MEMORY_GOAL_IMAGES, scale.scrapeImages, scale.freshnessBurst + scale.freshnessEvents, scale.fairnessFastImages, liveFreshnessImages(scale));
}

/** Each size's new Deployments get images of their own for each build measured (live-freshness.ts: ours and, when named, a baseline build). */
function liveFreshnessImages(scale: Scale): number {
  return Math.max(...scale.liveFreshnessSizes.map((size) => size.images)) + scale.liveFreshnessEvents * scale.liveFreshnessSizes.length * 2;
}

/** `--cases 3,9`: whether case `n` runs (all when the option is absent). */
export function casesFrom(args: string[]): (n: number) => boolean {
  const at = args.indexOf('--cases');
  if (at === -1) return () => true;
  const listed = new Set((args[at + 1] ?? '').split(',').map(Number));
  if ([...listed].some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--cases ${args[at + 1] ?? ''}: expected case numbers separated by commas, e.g. --cases 3,9`);
  return (n) => listed.has(n);
}
