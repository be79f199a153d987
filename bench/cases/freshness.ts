// Case 3: time from a workload event (the image index hears of a workload with a new image) to
// its result, which is what the next scrape renders; over a series of events, p50 and p99.
// Baseline: one bare HEAD of the same manifests on a kept-alive connection, paced the same way,
// on the same registry.
// Then the same events while a burst of first checks (a large rollout, a restart) is queued: the
// baseline there is how long the burst itself takes to be checked. Those runs have no jitter; a
// last run has it, as the exporter runs, with a 1 m interval: the burst's first checks are
// spread over its first tenth (6 s), and the events should be checked at once, as when idle.
import { Agent, request } from 'undici';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { MANIFEST_MEDIA_TYPES } from '../../src/registry/client.js';
import type { TestRegistry } from '../../test/support/registry.js';
import { BARE_USER_AGENT, manifestUrl } from '../lib/bare.js';
import { machinery, unitOf } from '../lib/machinery.js';
import type { Row } from '../lib/report.js';
import { seededImages } from '../lib/seeded-names.js';
import { log, ms, percentile, sleep, waitFor } from '../lib/stats.js';
import { workload, workloads } from '../lib/workloads.js';

const EVENT_SPACING_MS = 10;
const TARGET_P99_MS = 2000;
const JITTERED_INTERVAL_MS = 60_000;

type RunOptions = { checkInterval: number; random?: () => number };
const UNSPREAD: RunOptions = { checkInterval: 3_600_000 };

/** Event → result latencies (ms) of `events`, after the index first received `burst`. */
async function exporterLatencies(host: string, events: string[], burst: string[], run: RunOptions): Promise<{ latencies: number[]; burstMs: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let burstLeft = burst.length;
  let burstDoneAt = 0;
  const m = machinery({
    plainHttpHosts: [host],
    settings: { checkInterval: run.checkInterval },
    random: run.random,
    onChecked: (unit) => {
      const now = performance.now();
      const sent = sentAt.get(unit.key);
      if (sent !== undefined) latencies.push(now - sent);
      else if (--burstLeft === 0) burstDoneAt = now;
    },
  });
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: (unit) => m.scheduler.add(unit), unitRemoved: (key) => m.scheduler.remove(key) });
  try {
    await m.client.check(unitOf(events[0]).reference, []);
    const started = performance.now();
    for (const input of workloads(burst.length, burst, 'burst')) index.upsertWorkload(input);
    for (let i = 0; i < events.length; i++) {
      sentAt.set(unitOf(events[i]).key, performance.now());
      index.upsertWorkload(workload(i, events[i], 'fresh'));
      await sleep(EVENT_SPACING_MS);
    }
    await waitFor(() => latencies.length === events.length && burstLeft <= 0, 'the freshness checks');
    return { latencies, burstMs: burst.length ? burstDoneAt - started : 0 };
  } finally {
    await m.close();
  }
}

async function bareLatencies(events: string[]): Promise<number[]> {
  const agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
  const headers = { accept: MANIFEST_MEDIA_TYPES.join(', '), 'user-agent': BARE_USER_AGENT };
  const head = async (image: string) => (await request(manifestUrl(image), { method: 'HEAD', reset: false, dispatcher: agent, headers })).body.dump();
  try {
    await head(events[0]);
    const latencies: number[] = [];
    for (const image of events) {
      const started = performance.now();
      await head(image);
      latencies.push(performance.now() - started);
      await sleep(EVENT_SPACING_MS);
    }
    return latencies;
  } finally {
    await agent.close();
  }
}

export async function freshnessCase(registry: TestRegistry, repos: number, eventCount: number, burstSize: number): Promise<Row[]> {
  const all = seededImages(registry.host, repos, burstSize + eventCount);
  const burst = all.slice(0, burstSize);
  const events = all.slice(burstSize);
  const idle = await exporterLatencies(registry.host, events, [], UNSPREAD);
  const bare = await bareLatencies(events);
  const busy = await exporterLatencies(registry.host, events, burst, UNSPREAD);
  const spread = await exporterLatencies(registry.host, events, burst, { checkInterval: JITTERED_INTERVAL_MS, random: Math.random });
  const p = (values: number[], q: number) => percentile(values, q);
  log(`freshness: idle p50 ${ms(p(idle.latencies, 50))} p99 ${ms(p(idle.latencies, 99))}; bare p50 ${ms(p(bare, 50))} p99 ${ms(p(bare, 99))}; busy p50 ${ms(p(busy.latencies, 50))} p99 ${ms(p(busy.latencies, 99))}, burst took ${ms(busy.burstMs)}; with jitter p50 ${ms(p(spread.latencies, 50))} p99 ${ms(p(spread.latencies, 99))}, burst took ${ms(spread.burstMs)}`);
  return [
    {
      case: `3. freshness p50, ${eventCount} events`,
      exporter: ms(p(idle.latencies, 50)),
      baseline: `bare HEAD ${ms(p(bare, 50))}`,
      ratio: p(idle.latencies, 50) / p(bare, 50),
      target: '',
    },
    {
      case: `3. freshness p99, ${eventCount} events`,
      exporter: ms(p(idle.latencies, 99)),
      baseline: `bare HEAD ${ms(p(bare, 99))}`,
      ratio: p(idle.latencies, 99) / p(bare, 99),
      target: `exporter < ${ms(TARGET_P99_MS)}`,
      pass: p(idle.latencies, 99) < TARGET_P99_MS,
    },
    {
      case: `3. freshness p99 behind a burst of ${burstSize} new images`,
      exporter: `${ms(p(busy.latencies, 99))} (p50 ${ms(p(busy.latencies, 50))})`,
      baseline: `the burst's own checks ${ms(busy.burstMs)}`,
      ratio: p(busy.latencies, 99) / busy.burstMs,
      target: '',
    },
    {
      case: `3. freshness p99 behind a burst of ${burstSize}, jitter on (1 m interval)`,
      exporter: `${ms(p(spread.latencies, 99))} (p50 ${ms(p(spread.latencies, 50))}); the burst took ${ms(spread.burstMs)}`,
      baseline: `bare HEAD ${ms(p(bare, 99))}`,
      ratio: p(spread.latencies, 99) / p(bare, 99),
      target: `exporter < ${ms(TARGET_P99_MS)}`,
      pass: p(spread.latencies, 99) < TARGET_P99_MS,
    },
  ];
}
