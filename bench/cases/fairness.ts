// Case 5: one registry made slow must not delay the checks of another. The fast registry's images
// are checked once with nothing else going on (the baseline, before and after), then again while
// slow registries (delaying proxies in front of the same real registry, each on its own port, so
// each is a registry host of its own) already have their checks in flight and more queued. The
// figure is the time the fast registry's pass takes, with ÷ without.
//
// With the default settings (8 per registry, 64 in all) one slow registry takes 8 slots and
// leaves the fast one its own 8: the pass should take about as long as alone. Eight slow
// registries take all 64 before the fast pass starts, and a check in flight is not preempted, so
// the fast registry must wait for the first slow request to end; from then on it must have its
// share. Its target is therefore the extra time: at most one slow request, plus 25 %.
import type { TestRegistry } from '../../test/support/registry.js';
import { defaults, machinery, unitOf } from '../lib/machinery.js';
import type { Row } from '../lib/report.js';
import { seededImages } from '../lib/seeded-names.js';
import { startSlowRegistry, type SlowRegistry } from '../lib/slow-registry.js';
import { log, ms, waitFor } from '../lib/stats.js';

const SLOW_DELAY_MS = 1000;
const TARGET_RATIO = 1.25;

/** The time the fast registry's images take while `slowHosts` each have `slowImages` queued. */
async function fastPassMs(fastHost: string, fast: string[], slowHosts: string[], repos: number, slowImages: number): Promise<number> {
  const fastKeys = new Set(fast.map((image) => unitOf(image).key));
  let fastLeft = fast.length;
  const m = machinery({
    plainHttpHosts: [fastHost, ...slowHosts],
    settings: { checkInterval: 3_600_000 },
    onChecked: (unit) => {
      if (fastKeys.has(unit.key)) fastLeft--;
    },
  });
  try {
    await Promise.all([fast[0], ...slowHosts.map((host) => seededImages(host, repos, 1)[0])].map((image) => m.client.check(unitOf(image).reference, [])));
    const { registryConcurrency, maxConcurrentChecks } = defaults();
    for (const host of slowHosts) for (const image of seededImages(host, repos, slowImages)) m.scheduler.add(unitOf(image));
    await waitFor(() => m.scheduler.inFlight === Math.min(maxConcurrentChecks, slowHosts.length * registryConcurrency), 'the slow checks to start');
    const started = performance.now();
    for (const image of fast) m.scheduler.add(unitOf(image));
    await waitFor(() => fastLeft === 0, 'the fast registry pass');
    return performance.now() - started;
  } finally {
    await m.close();
  }
}

export async function fairnessCase(registry: TestRegistry, repos: number, fastImages: number, slowImages: number): Promise<Row[]> {
  const { registryConcurrency, maxConcurrentChecks } = defaults();
  const slowCount = Math.ceil(maxConcurrentChecks / registryConcurrency);
  const slow: SlowRegistry[] = [];
  try {
    for (let i = 0; i < slowCount; i++) slow.push(await startSlowRegistry(registry.host, SLOW_DELAY_MS));
    const fast = seededImages(registry.host, repos, fastImages);
    const pass = (hosts: string[]) => fastPassMs(registry.host, fast, hosts, repos, slowImages);
    const alone1 = await pass([]);
    const withOne = await pass([slow[0].host]);
    const withAll = await pass(slow.map((s) => s.host));
    const alone2 = await pass([]);
    const alone = (alone1 + alone2) / 2;
    log(`fairness: fast pass alone ${ms(alone1)} / ${ms(alone2)}, with 1 slow ${ms(withOne)}, with ${slowCount} slow ${ms(withAll)}`);
    const row = (label: string, withSlow: number): Row => ({
      case: `5. fast registry pass, ${label} (${SLOW_DELAY_MS} ms per request, ${slowImages} images each)`,
      exporter: `${ms(withSlow)} for ${fastImages} images`,
      baseline: `no slow registry ${ms(alone)}`,
      ratio: withSlow / alone,
      target: `≤ ${TARGET_RATIO.toFixed(2)}`,
      pass: withSlow / alone <= TARGET_RATIO,
    });
    const extraMs = withAll - alone;
    const saturated: Row = {
      ...row(`${slowCount} slow registries holding every slot`, withAll),
      exporter: `${ms(withAll)} for ${fastImages} images (${ms(extraMs)} extra)`,
      target: `extra ≤ ${ms(SLOW_DELAY_MS * TARGET_RATIO)} (one slow request + 25 %)`,
      pass: extraMs <= SLOW_DELAY_MS * TARGET_RATIO,
    };
    return [row('1 slow registry', withOne), saturated];
  } finally {
    await Promise.all(slow.map((s) => s.stop()));
  }
}
