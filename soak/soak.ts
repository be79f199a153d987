// The soak: the built exporter against the real API server and the real registry while workloads
// churn, with an API server restart, a registry restart and (optionally) a second API server
// restart on the way. Measures the exporter's resident memory over time, how long it took to follow the cluster
// again after each restart, and, once the churn has stopped and the exporter has settled, the
// difference between the series it exports and what the API server holds (must be none).
import * as k8s from '@kubernetes/client-node';
import { seededImages } from '../bench/lib/seeded-names.js';
import { seedTags } from '../bench/lib/seed.js';
import { KubeApi } from '../src/kube/kube-api.js';
import { KIND_NAMES, type KindName } from '../src/kube/workload-kinds.js';
import { startApiServer, type ApiServer } from '../test/support/apiserver.js';
import { startRegistry, type TestRegistry } from '../test/support/registry.js';
import { Churn, type ChurnCounts } from './churn.js';
import { startExporterProcess, type ExporterProcess } from './exporter-process.js';
import { seededRandom } from '../test/support/seeded-random.js';
import { diffLines, expectedLines, exportedLines, type SeriesDiff } from './series-diff.js';
import { kindCalls } from './workload-api.js';

export type SoakOptions = {
  /** Minutes of churn (setup and settling come on top). */
  minutes: number;
  namespaces: number;
  workloads: number;
  /** Churn operations per second, all workers together. */
  opsPerSecond: number;
  namespaceDeletionEverySeconds: number;
  checkIntervalSeconds: number;
  /** 2: a second API server restart after the registry's, to catch a backoff carried over. */
  apiRestarts: 1 | 2;
  seed: number;
  /** Progress lines (stderr in the CLI). */
  log(message: string): void;
};

export type RssSample = { atSeconds: number; rssBytes: number; workloads: number };
/** `downSeconds`: from the stop to the server answering again (its own start included). */
export type Recovery = { what: string; downSeconds: number; seconds: number; detail: string };
export type SoakReport = {
  options: Omit<SoakOptions, 'log'>;
  /** Workloads created before the exporter started. */
  populated: number;
  counts: ChurnCounts;
  rss: RssSample[];
  peakRssBytes: number;
  recoveries: Recovery[];
  settleSeconds: number;
  diff: SeriesDiff;
  /** Set when the exporter process ended on its own: a crash. */
  exporterExit?: string;
};

const REPOS = 20;
const TAGS = 5;
const WORKERS = 4;
const SAMPLE_MS = 5_000;
const API_DOWN_MS = 5_000;
const REGISTRY_DOWN_MS = 10_000;
const RECOVERY_TIMEOUT_MS = 90_000;
const SETTLE_TIMEOUT_MS = 120_000;
const PROBE_NAMESPACE = 'soak-probe';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined;
    try {
      value = await probe();
      if (done(value)) return value;
    } catch {
      // the server may still be coming up
    }
    if (Date.now() > deadline) throw new Error(`soak: timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { log } = options;
  const random = seededRandom(options.seed);
  let api: ApiServer | undefined;
  let registry: TestRegistry | undefined;
  let exporter: ExporterProcess | undefined;
  try {
    log('starting the API server and the registry');
    [api, registry] = await Promise.all([startApiServer(), startRegistry({ auth: 'none' })]);
    await seedTags(registry, REPOS, TAGS);
    const presentImages = seededImages(registry.host, REPOS, REPOS * TAGS);
    const absentImages = [...Array.from({ length: 5 }, (_, i) => `${registry!.host}/bench/r000:missing-${i}`), `${registry.host}/soak/never-pushed:v1`];
    const present = new Set(presentImages);

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const calls = kindCalls(kc);
    await core.createNamespace({ body: { metadata: { name: PROBE_NAMESPACE } } });

    const churn = new Churn(kc, {
      namespaces: options.namespaces,
      workloads: options.workloads,
      presentImages,
      absentImages,
      namespaceDeletionEveryMs: options.namespaceDeletionEverySeconds * 1000,
      random,
    });
    log(`creating ${options.workloads} workloads in ${options.namespaces} namespaces`);
    await churn.populate(8);
    const populated = churn.workloadCount;
    churn.resetCounts();

    exporter = await startExporterProcess([
      `--kubeconfig=${api.kubeconfigPath}`,
      `--check-interval=${options.checkIntervalSeconds}s`,
      '--retry-initial-delay=1s',
      `--allow-plain-http=${registry.host}`,
      '--cloud-credentials=none',
      '--docker-config-credentials=false',
    ]);
    const metrics = async () => {
      const response = await fetch(`${exporter!.url}/metrics`);
      if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
      return response.text();
    };
    log(`exporter started (pid ${exporter.pid}); churning for ${options.minutes} min`);

    const started = Date.now();
    const rss: RssSample[] = [];
    let peakRssBytes = 0;
    let exporterExit: string | undefined;
    const sample = () => {
      try {
        const memory = exporter!.memory();
        peakRssBytes = Math.max(peakRssBytes, memory.peak);
        rss.push({ atSeconds: Math.round((Date.now() - started) / 1000), rssBytes: memory.rss, workloads: churn.workloadCount });
      } catch {
        exporterExit ??= `the exporter process was gone ${Math.round((Date.now() - started) / 1000)} s into the churn; its last lines:\n${exporter!.logs().slice(-10).join('\n')}`;
      }
    };
    sample();
    const sampler = setInterval(sample, SAMPLE_MS);

    // Churn: workers paced to the rate, paused while the API server is down.
    const churnEnds = started + options.minutes * 60_000;
    let apiDown = false;
    const spacing = (WORKERS * 1000) / options.opsPerSecond;
    const workers = Array.from({ length: WORKERS }, async (_, worker) => {
      // Paced by the clock, not by the operations' own latency, so the rate is the one asked for.
      for (let next = Date.now() + (worker * spacing) / WORKERS; next < churnEnds; next += spacing) {
        await sleep(Math.max(0, next - Date.now()));
        if (!apiDown) await churn.step();
      }
    });

    let probes = 0;
    /** Workloads of each kind created right after the API server is back: the seconds until each is exported. */
    const apiRecovery = async (what: string): Promise<Recovery> => {
      apiDown = true;
      const down = Date.now();
      await api!.pause();
      await sleep(API_DOWN_MS);
      await api!.resume();
      apiDown = false;
      const back = Date.now();
      const round = ++probes;
      const seen = new Map<KindName, number>();
      for (const kind of KIND_NAMES) {
        await until(() => calls[kind].create(PROBE_NAMESPACE, `probe-${round}-${kind}`, { containers: [{ name: 'main', image: presentImages[0] }] }), () => true, 30_000, `a ${kind} probe`);
      }
      await until(
        async () => {
          const lines = exportedLines(await metrics());
          for (const kind of KIND_NAMES) {
            if (!seen.has(kind) && lines.has(`${kind} ${PROBE_NAMESPACE}/probe-${round}-${kind} main ${presentImages[0]} available`)) seen.set(kind, (Date.now() - back) / 1000);
          }
          return seen.size;
        },
        (count) => count === KIND_NAMES.length,
        RECOVERY_TIMEOUT_MS,
        `the exporter to follow the API server after ${what}`,
      );
      const seconds = Math.max(...seen.values());
      return { what, downSeconds: (back - down) / 1000, seconds, detail: [...seen].map(([kind, s]) => `${kind} ${s.toFixed(1)} s`).join(', ') };
    };
    /** The seconds from the registry's return until no exported series says registry_unavailable. */
    const registryRecovery = async (): Promise<Recovery> => {
      const down = Date.now();
      await registry!.pause();
      await sleep(REGISTRY_DOWN_MS);
      const unavailable = async () => [...exportedLines(await metrics())].filter((line) => line.endsWith(' registry_unavailable')).length;
      const duringOutage = await unavailable();
      await registry!.resume();
      const back = Date.now();
      await until(unavailable, (count) => count === 0, RECOVERY_TIMEOUT_MS, 'registry_unavailable to clear after the registry restart');
      const seconds = (Date.now() - back) / 1000;
      return { what: 'registry restart', downSeconds: (back - down) / 1000, seconds, detail: `${duringOutage} series said registry_unavailable at the end of the outage` };
    };

    const recoveries: Recovery[] = [];
    const at = (fraction: number) => sleep(Math.max(0, started + fraction * options.minutes * 60_000 - Date.now()));
    /** A recovery that never came is a finding of the run, not the end of it. */
    const measure = async (what: string, downMs: number, recovery: () => Promise<Recovery>) => {
      log(what);
      try {
        recoveries.push(await recovery());
      } catch (error) {
        apiDown = false;
        recoveries.push({ what, downSeconds: downMs / 1000, seconds: NaN, detail: (error as Error).message });
      }
    };
    if (options.apiRestarts === 2) {
      await at(0.25);
      await measure('API server restart', API_DOWN_MS, () => apiRecovery('API server restart'));
      await at(0.5);
      await measure('registry restart', REGISTRY_DOWN_MS, registryRecovery);
      await at(0.7);
      await measure('second API server restart', API_DOWN_MS, () => apiRecovery('second API server restart'));
    } else {
      await at(0.3);
      await measure('API server restart', API_DOWN_MS, () => apiRecovery('API server restart'));
      await at(0.65);
      await measure('registry restart', REGISTRY_DOWN_MS, registryRecovery);
    }
    await Promise.all(workers);

    log('churn over; waiting for the exporter to settle');
    const settleStarted = Date.now();
    const expected = await expectedLines(new KubeApi(kc), present);
    let diff: SeriesDiff = diffLines(expected, new Set());
    try {
      diff = await until(async () => diffLines(expected, exportedLines(await metrics())), (d) => d.missing.length === 0 && d.unexpected.length === 0, SETTLE_TIMEOUT_MS, 'an empty series diff');
    } catch {
      diff = diffLines(expected, exportedLines(await metrics()));
    }
    const settleSeconds = (Date.now() - settleStarted) / 1000;
    sample();
    clearInterval(sampler);
    const { minutes, namespaces, workloads, opsPerSecond, namespaceDeletionEverySeconds, checkIntervalSeconds, apiRestarts, seed } = options;
    return { options: { minutes, namespaces, workloads, opsPerSecond, namespaceDeletionEverySeconds, checkIntervalSeconds, apiRestarts, seed }, populated, counts: churn.counts, rss, peakRssBytes, recoveries, settleSeconds, diff, exporterExit };
  } finally {
    await exporter?.stop();
    await Promise.all([api?.stop(), registry?.stop()]);
  }
}
