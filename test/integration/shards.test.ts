// Two shards together export exactly what one unsharded exporter exports, and never the same
// series twice: checked against the real registry.
import { imageChecker } from '../../src/checks/image-checker.js';
import { CheckResults } from '../../src/checks/results.js';
import { CheckScheduler } from '../../src/checks/scheduler.js';
import { ImageFilter, type Shard } from '../../src/index/image-filter.js';
import { ImageIndex, type WorkloadInput } from '../../src/index/image-index.js';
import { ImageResolver } from '../../src/index/image-resolver.js';
import { availabilityChunks } from '../../src/metrics/metrics.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseMetrics } from '../support/metrics-text.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

async function exportedSeries(registry: TestRegistry, workloads: WorkloadInput[], shard: Shard): Promise<Set<string>> {
  const client = new RegistryClient({ requestTimeoutMs: 3000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [registry.host], connectionsPerOrigin: 4, userAgent: 't' });
  const results = new CheckResults();
  // No jitter: every image is checked at once, so whenIdle() means all of them are.
  const scheduler = new CheckScheduler({ intervalMs: 60_000, retryInitialDelayMs: 60_000, perRegistryConcurrency: 4, globalConcurrency: 8, results, check: imageChecker(client, undefined), random: () => 0 });
  const index = new ImageIndex(new ImageFilter([], [], new ImageResolver(), shard), { unitAdded: (u) => scheduler.add(u), unitRemoved: (k) => scheduler.remove(k) });
  workloads.forEach((workload) => index.upsertWorkload(workload));
  await new Promise((resolve) => setTimeout(resolve, 20));
  await scheduler.whenIdle();
  scheduler.stop();
  await client.close();
  return new Set(parseMetrics([...availabilityChunks(index, results)].join('')).map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`));
}

test('the union of two shards equals one unsharded run, with no series in both', async () => {
  const registry = await startRegistry({ auth: 'none' });
  try {
    for (let i = 0; i < 6; i++) await registry.pushImage(`team/app${i}`, 'v1');
    const workloads: WorkloadInput[] = Array.from({ length: 20 }, (_, i) => ({
      kind: (['deployment', 'statefulset', 'daemonset', 'cronjob'] as const)[i % 4],
      namespace: `ns${i % 3}`,
      name: `w${i}`,
      podSpec: { containers: [{ name: 'a', image: `${registry.host}/team/app${i % 10}:v1` }, { name: 'b', image: i % 5 === 0 ? 'Bad/Ref' : `${registry.host}/team/app${i % 6}:v1` }] },
    }));
    const all = await exportedSeries(registry, workloads, { index: 0, total: 1 });
    const first = await exportedSeries(registry, workloads, { index: 0, total: 2 });
    const second = await exportedSeries(registry, workloads, { index: 1, total: 2 });
    expect(all.size).toBe(40 * 8);
    expect(first.size).toBeGreaterThan(0);
    expect(second.size).toBeGreaterThan(0);
    expect([...first].filter((s) => second.has(s))).toEqual([]);
    expect(new Set([...first, ...second])).toEqual(all);
  } finally {
    await registry.stop();
  }
});
