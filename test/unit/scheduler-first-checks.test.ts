// A new image's first check and the rechecks its registry has due: the first check goes first, so
// a recheck round of a large registry (all in the last tenth of the interval) does not hold up the
// first result of a workload just created. On jest's fake clock: the order, not the machine's speed.
import { jest } from '@jest/globals';
import { CheckResults } from '../../src/checks/results.js';
import { CheckScheduler, type SchedulerOptions } from '../../src/checks/scheduler.js';
import type { CheckUnit } from '../../src/index/image-index.js';
import type { CheckResult } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/references/reference.js';

const unit = (image: string): CheckUnit => {
  const reference = parseReference(image);
  return { key: reference.normalized, reference, pullSecrets: [] };
};

function scheduler(overrides: Partial<SchedulerOptions>, check: (unit: CheckUnit) => Promise<CheckResult>) {
  const s = new CheckScheduler({ intervalMs: 60_000, retryInitialDelayMs: 50, perRegistryConcurrency: 2, globalConcurrency: 10, results: new CheckResults(), check, random: () => 0, ...overrides });
  return { s };
}

let stop: (() => void) | undefined;
beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] }));
afterEach(() => {
  stop?.();
  jest.useRealTimers();
});

test("a new image is checked ahead of the rechecks its registry has due, not behind them", async () => {
  const times = new Map<string, number[]>();
  const t0 = Date.now();
  // First checks answer at once, so all 200 rechecks fall due together at 5 s; each recheck
  // takes 10 ms: through 2 slots, the queue lasts a second.
  const check = async (u: CheckUnit): Promise<CheckResult> => {
    const earlier = times.get(u.key) ?? [];
    times.set(u.key, [...earlier, Date.now() - t0]);
    if (earlier.length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    return { status: 'available', message: '' };
  };
  const { s } = scheduler({ intervalMs: 5000, perRegistryConcurrency: 2, globalConcurrency: 2 }, check);
  stop = () => s.stop();
  for (let i = 0; i < 200; i++) s.add(unit(`r.example/app:${i}`));
  await jest.advanceTimersByTimeAsync(5100);
  const rechecked = () => [...times.values()].filter((t) => t.length === 2).length;
  expect(rechecked()).toBeGreaterThan(0);
  expect(rechecked()).toBeLessThan(100);
  s.add(unit('r.example/new:1'));
  await jest.advanceTimersByTimeAsync(20);
  // Started at the next free slot (within one check's 10 ms), not after the queue's rest.
  expect(times.get('r.example/new:1')?.[0]).toBeLessThanOrEqual(5100 + 11);
  expect(rechecked()).toBeLessThan(100);
});
