// `npm run bench:large [-- --workloads N --images M --shards S --chart-node-options --phases LIST]`:
// the built exporter (the bundle, with the image's Node flags, and the chart's NODE_OPTIONS at its
// default values when asked) against a real API server holding N workloads and the real registry
// holding M images, all on 127.0.0.1. Phases (all by default, `--phases` picks some): `single`, one
// exporter; `replicas`, S autosharded replicas (a StatefulSet object whose replicas the replicas
// read; the test bed runs no controllers, so the replicas are processes started here with the
// pods' names); `limited`, the same replicas under the chart's default heap limit (its
// NODE_OPTIONS for the 256Mi memory limit); `reshard`, the last replicas' StatefulSet scaled to
// S/2, until every image that moved has its first result in its new replica. Each run measures
// time to ready (every kind listed), time until every image has its first result (from the
// exporter's log: the first result of an image is always logged), resident memory and CPU time
// then and after a quiet minute, and one gzip /metrics scrape (time, compressed and plain size).
// Figures go to stdout as Markdown, with each replica's steady RSS as a ratio of the single one's.
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg, cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { startApiServer, type ApiServer } from '../test/support/apiserver.js';
import { processCpuMs, processMemory, stopChild } from '../test/support/processes.js';
import { shardOf } from '../src/index/image-filter.js';
import { startRegistry, type TestRegistry } from '../test/support/registry.js';
import { apiWriter, createWorkloads, NAMESPACES, type ApiWriter } from './lib/api-workloads.js';
import { imageNode } from './lib/image-node.js';
import { chartNodeOptions, imageEnvironment, imageNodeFlags } from './lib/image-node-flags.js';
import { seededImages } from './lib/seeded-names.js';
import { seedTags } from './lib/seed.js';
import { log, mb, ms, sleep } from './lib/stats.js';

const REPOS = 200;
const EXPORTER_NAMESPACE = 'iae-system';
const STATEFUL_SET = 'iae';
const FULL_RESULT_TIMEOUT_MS = 30 * 60_000;
const QUIET_MS = 60_000;
const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

type Sizes = { workloads: number; images: number; shards: number };
const PHASES = ['single', 'replicas', 'limited', 'reshard'] as const;
type Phase = (typeof PHASES)[number];
type Options = Sizes & { nodeFlags: string[]; phases: Set<Phase> };

function parseOptions(args: string[]): Options {
  // A cluster this large runs with V8's optimizing compiler, as the chart's optimizingCompiler:
  // true gives it: the image's flags without --max-opt.
  const nodeFlags = imageNodeFlags().filter((flag) => !/^--max[-_]opt=/.test(flag));
  const options: Options = { workloads: 100_000, images: 50_000, shards: 4, nodeFlags, phases: new Set(PHASES) };
  for (let i = 0; i < args.length; i += 2) {
    if (args[i] === '--phases') {
      const phases = (args[i + 1] ?? '').split(',');
      const unknown = phases.filter((phase) => !(PHASES as readonly string[]).includes(phase));
      if (unknown.length > 0) throw new Error(`bench:large: --phases ${args[i + 1]}: expected some of ${PHASES.join(',')}`);
      options.phases = new Set(phases as Phase[]);
      continue;
    }
    if (args[i] === '--chart-node-options') {
      options.nodeFlags.push(...chartNodeOptions());
      i--;
      continue;
    }
    const name = args[i].replace(/^--/, '') as keyof Sizes;
    const value = Number(args[i + 1]);
    if (!(name in options) || !Number.isSafeInteger(value) || value < 1) throw new Error(`bench:large: ${args[i]} ${args[i + 1]}: expected --workloads N, --images M or --shards S with whole numbers, or --chart-node-options`);
    options[name] = value;
  }
  return options;
}

type Replica = {
  name: string;
  child: ChildProcess;
  port: Promise<number>;
  /** Images whose first result the replica logged. */
  seen: Set<string>;
  startedAt: number;
  readyAt?: number;
  /** Resource kinds whose re-list the replica logged. */
  relisted: Set<string>;
  memory(): { rss: number; peak: number };
  cpuMs(): number;
  stop(): Promise<void>;
};

/** `countedPrefix`: only images of the seeded registry count (the StatefulSet's own image is a workload too). */
function startReplica(name: string, nodeFlags: string[], args: string[], countedPrefix: string): Replica {
  const child = spawn(imageNode().path, [...nodeFlags, CLI, '--bind-address=127.0.0.1:0', ...args], { env: imageEnvironment(), stdio: ['ignore', 'pipe', 'inherit'] });
  const seen = new Set<string>();
  const relisted = new Set<string>();
  let resolvePort: (port: number) => void;
  const port = new Promise<number>((resolve) => (resolvePort = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.includes('"msg":"image check"')) {
      const image = /"image":"([^"]+)"/.exec(line)?.[1];
      if (image?.startsWith(countedPrefix)) seen.add(image);
    } else if (line.includes('"msg":"re-listed ')) {
      relisted.add(/"resource":"([^"]+)"/.exec(line)?.[1] ?? '');
    } else if (line.includes('"msg":"exporter started"')) {
      resolvePort(Number(/"port":(\d+)/.exec(line)?.[1]));
    } else if (/"level":"(warn|error)"/.test(line)) {
      log(`${name}: ${line.slice(0, 300)}`);
    }
  });
  return {
    name,
    child,
    port,
    seen,
    relisted,
    startedAt: performance.now(),
    memory: () => processMemory(child.pid!),
    cpuMs: () => processCpuMs(child.pid!),
    stop: () => stopChild(child, 15_000),
  };
}

async function watchReadiness(replica: Replica): Promise<void> {
  const port = await replica.port;
  while (replica.readyAt === undefined && replica.child.exitCode === null) {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (response?.status === 200) replica.readyAt = performance.now();
    await response?.text();
    await sleep(100);
  }
}

async function scrape(replica: Replica): Promise<{ ms: number; gzipBytes: number; plainBytes: number; series: number }> {
  const port = await replica.port;
  const started = performance.now();
  const response = await request(`http://127.0.0.1:${port}/metrics`, { headers: { 'accept-encoding': 'gzip' } });
  const body = Buffer.from(await response.body.arrayBuffer());
  const elapsed = performance.now() - started;
  const plain = response.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
  const text = plain.toString('utf8');
  let series = 0;
  for (let at = text.indexOf('\nk8s_image_availability_exporter_'); at !== -1; at = text.indexOf('\nk8s_image_availability_exporter_', at + 1)) series++;
  return { ms: elapsed, gzipBytes: body.length, plainBytes: plain.length, series };
}

type Measured = { rows: string[]; steady: number[]; peak: number[] };

/** Runs the replicas until every image has a first result in one of them; returns the figures. */
async function measure(label: string, replicas: Replica[], images: number): Promise<Measured> {
  const started = Math.min(...replicas.map((replica) => replica.startedAt));
  const readiness = replicas.map(watchReadiness);
  const deadline = started + FULL_RESULT_TIMEOUT_MS;
  const union = () => {
    const all = new Set<string>();
    for (const replica of replicas) for (const image of replica.seen) all.add(image);
    return all.size;
  };
  let lastLog = performance.now();
  while (union() < images) {
    if (performance.now() > deadline) throw new Error(`${label}: ${union()} of ${images} images had a result after ${ms(FULL_RESULT_TIMEOUT_MS)}`);
    assertRunning(label, replicas);
    if (performance.now() - lastLog > 10_000) {
      log(`${label}: ${union()} of ${images} images checked`);
      lastLog = performance.now();
    }
    await sleep(100);
  }
  const fullAt = performance.now();
  await Promise.all(readiness);
  const atFull = replicas.map((replica) => ({ ...replica.memory(), cpuMs: replica.cpuMs() }));
  log(`${label}: every image has a result after ${ms(fullAt - started)}; waiting ${ms(QUIET_MS)} for the steady state`);
  await sleep(QUIET_MS);
  const measured: Measured = { rows: [], steady: [], peak: [] };
  for (const [i, replica] of replicas.entries()) {
    const steady = replica.memory();
    const quietCpuMs = replica.cpuMs() - atFull[i].cpuMs;
    const scraped = await scrape(replica);
    const after = replica.memory();
    const overlap = replicas.length > 1 ? ` (${replica.seen.size} images)` : '';
    measured.steady.push(steady.rss);
    measured.peak.push(after.peak);
    measured.rows.push(
      `| ${label}${replicas.length > 1 ? `, ${replica.name}` : ''} | ${ms((replica.readyAt ?? NaN) - started)} | ${ms(fullAt - started)}${overlap} | ${mb(atFull[i].rss)} | ${mb(steady.rss)} | ${mb(after.peak)} | ` +
        `${(atFull[i].cpuMs / 1000).toFixed(1)} s | ${(quietCpuMs / 1000).toFixed(1)} s | ${ms(scraped.ms)}: ${mb(scraped.gzipBytes)} gzip, ${mb(scraped.plainBytes)} plain, ${scraped.series} series |`,
    );
  }
  // Said as soon as known: a run this long may be cut short.
  for (const row of measured.rows) log(row);
  const total = replicas.reduce((sum, replica) => sum + replica.seen.size, 0);
  if (replicas.length > 1) log(`${label}: images reported by the replicas ${total}, unique ${union()} (${total - union()} reported twice)`);
  return measured;
}

function assertRunning(label: string, replicas: Replica[]): void {
  const exited = replicas.find((replica) => replica.child.exitCode !== null || replica.child.signalCode !== null);
  if (exited) throw new Error(`${label}: ${exited.name} exited (code ${exited.child.exitCode}, signal ${exited.child.signalCode}) after ${exited.seen.size} images`);
}

/**
 * Scales the StatefulSet from the replicas' count to `to` and waits until each remaining replica
 * has re-listed every workload kind and logged a first result for every image its new shard adds.
 */
async function reshard(writer: ApiWriter, replicas: Replica[], to: number, kinds: number): Promise<string[]> {
  const from = replicas.length;
  const images = new Set<string>();
  for (const replica of replicas) for (const image of replica.seen) images.add(image);
  const staying = replicas.slice(0, to);
  const expected = staying.map((_, i) => [...images].filter((image) => shardOf(image, to) === i && shardOf(image, from) !== i));
  for (const replica of replicas) {
    replica.seen.clear();
    replica.relisted.clear();
  }
  const cpuBefore = replicas.map((replica) => replica.cpuMs());
  const maxRss = replicas.map(() => 0);
  const started = performance.now();
  const relistedAt: number[] = [];
  const doneAt: number[] = [];
  await writer.patch(`/apis/apps/v1/namespaces/${EXPORTER_NAMESPACE}/statefulsets/${STATEFUL_SET}`, { spec: { replicas: to } });
  const label = `reshard ${from} → ${to}`;
  let lastLog = performance.now();
  while (doneAt.filter(Number.isFinite).length < to) {
    if (performance.now() - started > FULL_RESULT_TIMEOUT_MS) throw new Error(`${label}: not settled after ${ms(FULL_RESULT_TIMEOUT_MS)}`);
    assertRunning(label, replicas);
    for (const [i, replica] of replicas.entries()) maxRss[i] = Math.max(maxRss[i], replica.memory().rss);
    for (const [i, replica] of staying.entries()) {
      if (relistedAt[i] === undefined && replica.relisted.size >= kinds) relistedAt[i] = performance.now() - started;
      if (doneAt[i] === undefined && relistedAt[i] !== undefined && expected[i].every((image) => replica.seen.has(image))) doneAt[i] = performance.now() - started;
    }
    if (performance.now() - lastLog > 10_000) {
      log(`${label}: ${staying.map((replica, i) => `${replica.name} re-listed ${replica.relisted.size} kinds, ${replica.seen.size} of ${expected[i].length} images`).join('; ')}`);
      lastLog = performance.now();
    }
    await sleep(100);
  }
  const rows = replicas.map((replica, i) => {
    const cpu = ((replica.cpuMs() - cpuBefore[i]) / 1000).toFixed(1);
    const rss = `${mb(maxRss[i])} at most, ${mb(replica.memory().rss)} at the end (peak of the process ${mb(replica.memory().peak)})`;
    if (i >= to) return `| ${label}, ${replica.name} (scaled away) | — | — | ${rss} | ${cpu} s |`;
    return `| ${label}, ${replica.name} | ${ms(relistedAt[i])} | ${ms(doneAt[i])} (${expected[i].length} images moved in) | ${rss} | ${cpu} s |`;
  });
  for (const row of rows) log(row);
  return rows;
}

async function runReplicas(label: string, nodeFlags: string[], common: string[], counted: string): Promise<Measured> {
  for (let ordinal = 0; ordinal < options.shards; ordinal++) {
    running.push(startReplica(`${STATEFUL_SET}-${ordinal}`, nodeFlags, [...common, '--auto-shard', `--pod-name=${STATEFUL_SET}-${ordinal}`, `--pod-namespace=${EXPORTER_NAMESPACE}`], counted));
  }
  return measure(label, running, options.images);
}

async function stopRunning(): Promise<void> {
  await Promise.all(running.map((replica) => replica.stop()));
  running.length = 0;
}

const options = parseOptions(process.argv.slice(2));
const began = performance.now();
const loadAtStart = loadavg()[0];
let registry: TestRegistry | undefined;
let api: ApiServer | undefined;
const running: Replica[] = [];
try {
  [registry, api] = await Promise.all([startRegistry({ auth: 'none' }), startApiServer()]);
  let phase = performance.now();
  await seedTags(registry, REPOS, Math.ceil(options.images / REPOS));
  const images = seededImages(registry.host, REPOS, options.images);
  log(`seeded ${options.images} images in ${REPOS} repositories in ${ms(performance.now() - phase)}`);
  phase = performance.now();
  await createWorkloads(api, options.workloads, images, [EXPORTER_NAMESPACE]);
  const createMs = performance.now() - phase;
  log(`created ${options.workloads} workloads in ${NAMESPACES} namespaces in ${ms(createMs)}`);

  const common = [
    `--kubeconfig=${api.kubeconfigPath}`,
    // The default interval: a cold start's first checks beyond the 64 slots are spread over its
    // first tenth (30 s), as a user's exporter spreads them.
    '--check-interval=5m',
    `--allow-plain-http=${registry.host}`,
    '--cloud-credentials=none',
    '--docker-config-credentials=false',
    `--max-tracked-images=${options.images * 2}`,
  ];
  const rows: string[] = [];
  const ratios: string[] = [];
  const counted = `${registry.host}/`;
  let single: Measured | undefined;
  if (options.phases.has('single')) {
    running.push(startReplica('single', options.nodeFlags, common, counted));
    single = await measure('1 exporter', running, options.images);
    rows.push(...single.rows);
    await stopRunning();
  }
  const writer = await apiWriter(api);
  await writer.post(`/apis/apps/v1/namespaces/${EXPORTER_NAMESPACE}/statefulsets`, {
    metadata: { name: STATEFUL_SET },
    spec: { replicas: options.shards, serviceName: STATEFUL_SET, selector: { matchLabels: { app: STATEFUL_SET } }, template: { metadata: { labels: { app: STATEFUL_SET } }, spec: { containers: [{ name: 'exporter', image: images[0] }] } } },
  });
  const ratio = (label: string, measured: Measured) => {
    if (!single) return;
    const worst = Math.max(...measured.steady);
    ratios.push(`- ${label}: largest replica's steady RSS ${mb(worst)} / one exporter's ${mb(single.steady[0])} = ${(worst / single.steady[0]).toFixed(2)} (goal ≤ 0.33); largest peak ${mb(Math.max(...measured.peak))} / ${mb(single.peak[0])} = ${(Math.max(...measured.peak) / single.peak[0]).toFixed(2)}`);
  };
  const shardedRuns: Array<[Phase, string, string[]]> = [
    ['replicas', `${options.shards} autosharded replicas`, options.nodeFlags],
    ['limited', `${options.shards} replicas, chart's heap limit (${chartNodeOptions().join(' ')})`, [...options.nodeFlags, ...chartNodeOptions()]],
  ];
  const last = shardedRuns.filter(([name]) => options.phases.has(name)).pop()?.[0];
  const reshardRows: string[] = [];
  for (const [name, label, flags] of shardedRuns) {
    if (!options.phases.has(name)) continue;
    const measured = await runReplicas(label, flags, common, counted);
    rows.push(...measured.rows);
    ratio(label, measured);
    if (name === last && options.phases.has('reshard')) reshardRows.push(...(await reshard(writer, running, Math.max(1, Math.floor(options.shards / 2)), 4)));
    await stopRunning();
  }
  await writer.close();

  const cpu = cpus();
  console.log(
    `Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}; exporter on Node.js ${imageNode().version}${imageNode().note ? ` (${imageNode().note})` : ''}, flags ${options.nodeFlags.join(' ')}; ` +
      `${options.workloads} workloads (created in ${ms(createMs)}), ${options.images} images; ${ms(performance.now() - began)} in all; ` +
      `load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end.\n`,
  );
  console.log('| run | ready (every kind listed) | every image has a first result | RSS then | RSS after a quiet minute | peak RSS (with the scrape) | CPU until then | CPU in the quiet minute | one /metrics scrape (gzip) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  if (ratios.length > 0) console.log(`\n${ratios.join('\n')}`);
  if (reshardRows.length > 0) {
    console.log('\n| reshard | every workload kind re-listed | every image moved in has a result | RSS during and after | CPU |');
    console.log('|---|---|---|---|---|');
    for (const row of reshardRows) console.log(row);
  }
} finally {
  await Promise.all(running.map((replica) => replica.stop()));
  await api?.stop();
  await registry?.stop();
}
