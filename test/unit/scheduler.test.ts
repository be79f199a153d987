import { jest } from '@jest/globals';
import { CheckResults } from '../../src/checks/results.js';
import { CheckScheduler, type SchedulerOptions } from '../../src/checks/scheduler.js';
import type { CheckUnit } from '../../src/index/image-index.js';
import type { CheckResult } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { seededRandom } from '../support/seeded-random.js';

const unit = (image: string): CheckUnit => {
  const reference = parseReference(image);
  return { key: reference.normalized, reference, pullSecrets: [] };
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function scheduler(overrides: Partial<SchedulerOptions>, check: (unit: CheckUnit) => Promise<CheckResult>) {
  const results = new CheckResults();
  const s = new CheckScheduler({
    intervalMs: 60_000,
    retryInitialDelayMs: 50,
    perRegistryConcurrency: 2,
    globalConcurrency: 10,
    results,
    check,
    // No jitter unless a test asks for it: the timing tests below assert exact delays.
    random: () => 0,
    ...overrides,
  });
  return { s, results };
}

describe('check scheduler', () => {
  let stop: (() => void) | undefined;
  // Tests that assert delays run on jest's fake clock: a loaded machine's late timers would fail them.
  afterEach(() => {
    stop?.();
    jest.useRealTimers();
  });

  test('a check still running at stop() leaves no result: the unit keeps the status it had', async () => {
    let finish: (result: CheckResult) => void = () => {};
    const checked = jest.fn();
    const { s, results } = scheduler({ onChecked: checked }, () => new Promise<CheckResult>((resolve) => (finish = resolve)));
    stop = () => s.stop();
    s.add(unit('r.example/a:1'));
    await sleep(20);
    expect(s.inFlight).toBe(1);
    s.stop();
    finish({ status: 'registry_unavailable', message: 'the check of r.example was cancelled', failure: 'stopping' });
    await sleep(20);
    expect(results.get('r.example/a:1')).toBeUndefined();
    expect(checked).not.toHaveBeenCalled();
  });

  test('a new unit is checked at once and its result stored', async () => {
    const { s, results } = scheduler({}, async () => ({ status: 'available', message: 'ok' }));
    stop = () => s.stop();
    s.add(unit('r.example/a:1'));
    await sleep(20);
    await s.whenIdle();
    expect(results.get('r.example/a:1')?.status).toBe('available');
  });

  test('an inconclusive check keeps the previous status, tells no one, and is retried soon', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    const answers: CheckResult[] = [
      { status: 'available', message: 'ok' },
      { status: 'unknown_error', message: 'pull secret team/regcred could not be read yet', inconclusive: true },
      { status: 'unknown_error', message: 'pull secret team/regcred could not be read yet', inconclusive: true },
      { status: 'available', message: 'ok again' },
    ];
    const checked: string[] = [];
    const { s, results } = scheduler({ intervalMs: 40, retryInitialDelayMs: 10, onChecked: (_u, record) => checked.push(record.message) }, async () => answers.shift() ?? { status: 'available', message: 'ok again' });
    stop = () => s.stop();
    s.add(unit('r.example/a:1'));
    await jest.advanceTimersByTimeAsync(5);
    await s.whenIdle();
    expect(results.get('r.example/a:1')?.status).toBe('available');
    await jest.advanceTimersByTimeAsync(50);
    expect(results.get('r.example/a:1')).toMatchObject({ status: 'available', message: 'ok' });
    await jest.advanceTimersByTimeAsync(60);
    expect(answers).toHaveLength(0);
    expect(checked[0]).toBe('ok');
    expect(checked.slice(1).every((message) => message === 'ok again')).toBe(true);
    expect(results.get('r.example/a:1')?.message).toBe('ok again');
  });

  test('an inconclusive first check leaves no result at all, only the reason it waits for the status page', async () => {
    const { s, results } = scheduler({}, async () => ({ status: 'unknown_error', message: 'secret unreadable', inconclusive: true }));
    stop = () => s.stop();
    s.add(unit('r.example/a:1'));
    await sleep(20);
    expect(results.get('r.example/a:1')).toBeUndefined();
    expect(results.size).toBe(0);
    expect(results.waitingReason('r.example/a:1')).toBe('secret unreadable');
  });

  test('never more than the per-registry limit in flight, while another registry proceeds', async () => {
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    const { s } = scheduler({ perRegistryConcurrency: 2, globalConcurrency: 3 }, async (u) => {
      const registry = u.reference.registry;
      inFlight.set(registry, (inFlight.get(registry) ?? 0) + 1);
      peak.set(registry, Math.max(peak.get(registry) ?? 0, inFlight.get(registry)!));
      await sleep(registry === 'slow.example' ? 40 : 5);
      inFlight.set(registry, inFlight.get(registry)! - 1);
      return { status: 'available', message: '' };
    });
    stop = () => s.stop();
    for (let i = 0; i < 10; i++) s.add(unit(`slow.example/app:${i}`));
    for (let i = 0; i < 10; i++) s.add(unit(`fast.example/app:${i}`));
    await sleep(20);
    await s.whenIdle();
    expect(peak.get('slow.example')).toBe(2);
    expect(peak.get('fast.example')).toBeLessThanOrEqual(2);
    expect(peak.get('fast.example')).toBeGreaterThanOrEqual(1);
  });

  test('a registry with its own concurrency (registries file) gets that limit, the others the default', async () => {
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    const { s } = scheduler({ perRegistryConcurrency: 1, globalConcurrency: 10, registryConcurrency: new Map([['big.example', 4]]) }, async (u) => {
      const registry = u.reference.registry;
      inFlight.set(registry, (inFlight.get(registry) ?? 0) + 1);
      peak.set(registry, Math.max(peak.get(registry) ?? 0, inFlight.get(registry)!));
      await sleep(15);
      inFlight.set(registry, inFlight.get(registry)! - 1);
      return { status: 'available', message: '' };
    });
    stop = () => s.stop();
    for (let i = 0; i < 8; i++) s.add(unit(`big.example/app:${i}`));
    for (let i = 0; i < 8; i++) s.add(unit(`small.example/app:${i}`));
    await sleep(20);
    await s.whenIdle();
    expect(peak.get('big.example')).toBe(4);
    expect(peak.get('small.example')).toBe(1);
  });

  test('slow registries holding every global slot do not starve a fast one queued after them', async () => {
    let slowDone = 0;
    let slowDoneWhenFastFinished = -1;
    let fastDone = 0;
    const { s } = scheduler({ perRegistryConcurrency: 4, globalConcurrency: 8 }, async (u) => {
      if (u.reference.registry.startsWith('slow')) {
        await sleep(30);
        slowDone++;
      } else {
        await sleep(1);
        if (++fastDone === 20) slowDoneWhenFastFinished = slowDone;
      }
      return { status: 'available', message: '' };
    });
    stop = () => s.stop();
    for (let i = 0; i < 40; i++) s.add(unit(`slow-a.example/app:${i}`));
    for (let i = 0; i < 40; i++) s.add(unit(`slow-b.example/app:${i}`));
    for (let i = 0; i < 20; i++) s.add(unit(`fast.example/app:${i}`));
    await sleep(20);
    await s.whenIdle();
    expect(fastDone).toBe(20);
    // The fast registry got slots as they freed: it finished long before the 80 slow checks did.
    expect(slowDoneWhenFastFinished).toBeGreaterThanOrEqual(0);
    expect(slowDoneWhenFastFinished).toBeLessThan(40);
  });

  test('a failed check is retried with growing delays, sooner than the interval', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    const times: number[] = [];
    const { s, results } = scheduler({ retryInitialDelayMs: 40 }, async () => {
      times.push(Date.now());
      return { status: 'registry_unavailable', message: 'down' };
    });
    stop = () => s.stop();
    s.add(unit('r.example/a:1'));
    await jest.advanceTimersByTimeAsync(400);
    expect(times.length).toBeGreaterThanOrEqual(3);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[1]).toBeGreaterThanOrEqual(gaps[0] * 1.5);
    expect(results.get('r.example/a:1')?.consecutiveFailures).toBe(times.length);
  });

  test('absent is not retried before the interval', async () => {
    let calls = 0;
    const { s } = scheduler({ retryInitialDelayMs: 10 }, async () => {
      calls++;
      return { status: 'absent', message: '404' };
    });
    stop = () => s.stop();
    s.add(unit('r.example/a:1'));
    await sleep(150);
    expect(calls).toBe(1);
  });

  test('each unit is checked again after the interval', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    let calls = 0;
    const { s } = scheduler({ intervalMs: 50 }, async () => {
      calls++;
      return { status: 'available', message: '' };
    });
    stop = () => s.stop();
    s.add(unit('r.example/a:1'));
    await jest.advanceTimersByTimeAsync(180);
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBeLessThanOrEqual(5);
  });

  test('429 Retry-After pauses the whole registry', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    const times: number[] = [];
    const { s } = scheduler({ retryInitialDelayMs: 5, perRegistryConcurrency: 1 }, async () => {
      times.push(Date.now());
      return times.length === 1 ? { status: 'registry_unavailable', message: '429', retryAfterMs: 200 } : { status: 'available', message: '' };
    });
    stop = () => s.stop();
    s.add(unit('r.example/a:1'));
    await jest.advanceTimersByTimeAsync(10);
    s.add(unit('r.example/b:1'));
    await jest.advanceTimersByTimeAsync(400);
    expect(times).toHaveLength(3);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(190);
  });

  test('a unit never checked whose registry pauses for its Retry-After reads registry_unavailable (rate-limited) at once, not pending for the pause, and is checked when it ends', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    const checked: string[] = [];
    const { s, results } = scheduler({ perRegistryConcurrency: 1 }, async (u) => {
      checked.push(u.key);
      return checked.length === 1 ? { status: 'registry_unavailable', message: '429', retryAfterMs: 6 * 3600_000 } : { status: 'available', message: '' };
    });
    stop = () => s.stop();
    s.add(unit('r.example/a:1'));
    s.add(unit('r.example/queued:1'));
    await jest.advanceTimersByTimeAsync(10);
    s.add(unit('r.example/later:1'));
    s.add(unit('other.example/c:1'));
    await jest.advanceTimersByTimeAsync(10);
    for (const key of ['r.example/queued:1', 'r.example/later:1']) {
      expect(results.get(key)).toMatchObject({ status: 'registry_unavailable', failure: 'rate-limited', registry: 'r.example' });
      expect(results.get(key)?.message).toContain(`r.example answered another check with 429 and a Retry-After until ${new Date(s.pausedUntil('r.example')!).toISOString()}; ${key} is not checked before then`);
    }
    expect(results.get('other.example/c:1')?.status).toBe('available');
    expect(checked).toEqual(['r.example/a:1', 'other.example/c:1']);
    await jest.advanceTimersByTimeAsync(6 * 3600_000);
    expect(results.get('r.example/later:1')?.status).toBe('available');
  });

  test('a removed unit is forgotten, result included, even mid-check', async () => {
    let release: () => void = () => {};
    const { s, results } = scheduler({}, () => new Promise((resolve) => (release = () => resolve({ status: 'available', message: '' }))));
    stop = () => s.stop();
    s.add(unit('r.example/a:1'));
    await sleep(10);
    s.remove('r.example/a:1');
    release();
    await sleep(10);
    expect(results.get('r.example/a:1')).toBeUndefined();
    expect(s.unitCount).toBe(0);
  });

  test('a throwing check becomes unknown_error, not a crash', async () => {
    const { s, results } = scheduler({}, async () => {
      throw new Error('boom');
    });
    stop = () => s.stop();
    s.add(unit('r.example/a:1'));
    await sleep(20);
    expect(results.get('r.example/a:1')).toMatchObject({ status: 'unknown_error', message: 'check failed: boom' });
  });
});

/** Check times per unit, relative to the start, for a scheduler whose checks answer at once. */
function recordChecks(status: CheckResult['status']) {
  const times = new Map<string, number[]>();
  const t0 = Date.now();
  const check = async (u: CheckUnit): Promise<CheckResult> => {
    const list = times.get(u.key) ?? [];
    list.push(Date.now() - t0);
    times.set(u.key, list);
    return { status, message: '' };
  };
  return { times, check, t0 };
}

const spreadOf = (values: number[]) => Math.max(...values) - Math.min(...values);

// On a fake clock: the spread is a property of the due times, which a loaded machine's late
// timers would blur.
describe('check scheduler jitter', () => {
  let stop: (() => void) | undefined;
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] }));
  afterEach(() => {
    stop?.();
    jest.useRealTimers();
  });

  test('rechecks of units checked together spread over the last tenth of the interval, never past it', async () => {
    const { times, check } = recordChecks('available');
    const { s } = scheduler({ intervalMs: 1000, perRegistryConcurrency: 200, globalConcurrency: 200, random: seededRandom(7) }, check);
    stop = () => s.stop();
    for (let i = 0; i < 200; i++) s.add(unit(`r.example/app:${i}`));
    await jest.advanceTimersByTimeAsync(1000);
    const gaps = [...times.values()].map((t) => t[1] - t[0]);
    expect(gaps).toHaveLength(200);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(900);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1000);
    // Without jitter all 200 rechecks come at the same moment.
    expect(spreadOf([...times.values()].map((t) => t[1]))).toBeGreaterThanOrEqual(80);
  });

  test('the first checks of a burst: a slot\'s worth at once, the rest spread over the first tenth of the interval', async () => {
    const { times, check } = recordChecks('available');
    const { s } = scheduler({ intervalMs: 3000, perRegistryConcurrency: 10, globalConcurrency: 10, random: seededRandom(11) }, check);
    stop = () => s.stop();
    for (let i = 0; i < 310; i++) s.add(unit(`r.example/app:${i}`));
    await jest.advanceTimersByTimeAsync(300);
    const firsts = [...times.values()].map((t) => t[0]).sort((a, b) => a - b);
    expect(firsts).toHaveLength(310);
    expect(firsts[9]).toBe(0);
    expect(firsts[309]).toBeGreaterThanOrEqual(270);
    // No 30 ms slice holds more than a fifth of the burst (without the spread: all of it at 0).
    const slices = new Map<number, number>();
    for (const t of firsts) slices.set(Math.floor(t / 30), (slices.get(Math.floor(t / 30)) ?? 0) + 1);
    expect(Math.max(...slices.values())).toBeLessThanOrEqual(62);
  });

  test('a single new image arriving behind a spread burst is still checked at once', async () => {
    const { times, check } = recordChecks('available');
    const { s } = scheduler({ intervalMs: 10_000, perRegistryConcurrency: 10, globalConcurrency: 10, random: seededRandom(3) }, check);
    stop = () => s.stop();
    for (let i = 0; i < 500; i++) s.add(unit(`r.example/app:${i}`));
    await jest.advanceTimersByTimeAsync(50);
    s.add(unit('r.example/new:1'));
    await jest.advanceTimersByTimeAsync(1);
    // Added at 50 ms; the fake clock runs the scheduler's setImmediate on its next millisecond.
    expect(times.get('r.example/new:1')).toEqual([51]);
    // Most of the burst is still to come: it did not hold the new image back.
    expect(times.size).toBeLessThan(100);
  });

  test('units that failed together (an outage) retry spread over half their backoff', async () => {
    const { times, check } = recordChecks('registry_unavailable');
    const { s } = scheduler({ intervalMs: 60_000, retryInitialDelayMs: 300, perRegistryConcurrency: 100, globalConcurrency: 100, random: seededRandom(5) }, check);
    stop = () => s.stop();
    for (let i = 0; i < 100; i++) s.add(unit(`r.example/app:${i}`));
    await jest.advanceTimersByTimeAsync(300);
    const retries = [...times.values()].map((t) => t[1] - t[0]);
    expect(retries).toHaveLength(100);
    expect(Math.min(...retries)).toBeGreaterThanOrEqual(150);
    expect(Math.max(...retries)).toBeLessThanOrEqual(300);
    // Without jitter every retry comes at the same 300 ms.
    expect(spreadOf(retries)).toBeGreaterThanOrEqual(120);
  });
});

describe('check scheduler bound', () => {
  test('beyond maxUnits new units wait, unchecked, and are admitted as others go', async () => {
    const checked: string[] = [];
    const limits: number[] = [];
    const results = new CheckResults();
    const s = new CheckScheduler({
      intervalMs: 60_000,
      retryInitialDelayMs: 50,
      perRegistryConcurrency: 4,
      globalConcurrency: 4,
      maxUnits: 2,
      onLimitReached: (waiting) => limits.push(waiting),
      results,
      check: async (u) => {
        checked.push(u.key);
        return { status: 'available', message: '' };
      },
    });
    for (const image of ['r.example/a:1', 'r.example/b:1', 'r.example/c:1', 'r.example/d:1']) s.add(unit(image));
    await sleep(30);
    expect(checked.sort()).toEqual(['r.example/a:1', 'r.example/b:1']);
    expect(s.waitingCount).toBe(2);
    expect(limits).toEqual([1, 2]);
    s.remove('r.example/a:1');
    await sleep(30);
    expect(checked).toContain('r.example/c:1');
    expect(s.waitingCount).toBe(1);
    s.stop();
  });
});

describe('checks outside the schedule (checkNow, the admission webhook)', () => {
  /** A check per unit key that finishes only when the test says so; `calls` in the order sent. */
  function held() {
    const calls: string[] = [];
    const release = new Map<string, () => void>();
    const check = (u: CheckUnit) =>
      new Promise<CheckResult>((resolve) => {
        calls.push(u.key);
        release.set(u.key, () => resolve({ status: 'absent', message: `${u.key} answered` }));
      });
    return { calls, release: (key: string) => release.get(key)!(), check };
  }

  test('registry at its limit → a checkNow is not sent; no slot within its wait → undefined, and never sent later', async () => {
    const { calls, release, check } = held();
    const { s } = scheduler({ perRegistryConcurrency: 1 }, check);
    s.add(unit('r.example/a:1'));
    await sleep(10);
    const answer = s.checkNow(unit('r.example/b:1'), 50);
    await sleep(20);
    expect(calls).toEqual(['r.example/a:1']);
    expect(await answer).toBeUndefined();
    release('r.example/a:1');
    await sleep(20);
    expect(calls).toEqual(['r.example/a:1']);
    s.stop();
  });

  test('a waiting checkNow gets its registry\'s next free slot ahead of scheduled checks; its result is not stored', async () => {
    const { calls, release, check } = held();
    const { s, results } = scheduler({ perRegistryConcurrency: 1 }, check);
    s.add(unit('r.example/a:1'));
    s.add(unit('r.example/c:1'));
    await sleep(10);
    const answer = s.checkNow(unit('r.example/b:1'), 1000);
    await sleep(10);
    release('r.example/a:1');
    await sleep(10);
    expect(calls).toEqual(['r.example/a:1', 'r.example/b:1']);
    release('r.example/b:1');
    expect(await answer).toEqual({ status: 'absent', message: 'r.example/b:1 answered' });
    expect(results.get('r.example/b:1')).toBeUndefined();
    await sleep(10);
    expect(calls).toEqual(['r.example/a:1', 'r.example/b:1', 'r.example/c:1']);
    s.stop();
  });

  test('many callers asking for one unit, waiting or running → one check, one answer for all', async () => {
    const { calls, release, check } = held();
    const { s } = scheduler({ perRegistryConcurrency: 1 }, check);
    s.add(unit('r.example/a:1'));
    await sleep(10);
    const waiting = [s.checkNow(unit('r.example/b:1'), 1000), s.checkNow(unit('r.example/b:1'), 1000)];
    release('r.example/a:1');
    await sleep(10);
    const running = s.checkNow(unit('r.example/b:1'), 1000);
    release('r.example/b:1');
    expect(await Promise.all([...waiting, running])).toEqual(Array(3).fill({ status: 'absent', message: 'r.example/b:1 answered' }));
    expect(calls.filter((key) => key === 'r.example/b:1')).toHaveLength(1);
    s.stop();
  });

  test('a storm of checkNow on one registry keeps to its limit and the global one, while another registry proceeds', async () => {
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    let globalPeak = 0;
    const { s } = scheduler({ perRegistryConcurrency: 2, globalConcurrency: 3 }, async (u) => {
      const registry = u.reference.registry;
      inFlight.set(registry, (inFlight.get(registry) ?? 0) + 1);
      peak.set(registry, Math.max(peak.get(registry) ?? 0, inFlight.get(registry)!));
      globalPeak = Math.max(globalPeak, [...inFlight.values()].reduce((a, b) => a + b, 0));
      await sleep(registry === 'slow.example' ? 20 : 2);
      inFlight.set(registry, inFlight.get(registry)! - 1);
      if (registry === 'slow.example') slowDone++;
      return { status: 'available', message: '' };
    });
    let slowDone = 0;
    const answers = [
      ...Array.from({ length: 20 }, (_, i) => s.checkNow(unit(`slow.example/app:${i}`), 5000)),
      ...Array.from({ length: 5 }, (_, i) => s.checkNow(unit(`fast.example/app:${i}`), 5000)),
    ];
    const fast = await Promise.all(answers.slice(20));
    expect(fast.every((answer) => answer?.status === 'available')).toBe(true);
    // The fast registry was answered while the slow one's storm was still going.
    expect(slowDone).toBeLessThan(20);
    expect((await Promise.all(answers)).every((answer) => answer?.status === 'available')).toBe(true);
    expect(peak.get('slow.example')).toBe(2);
    expect(globalPeak).toBeLessThanOrEqual(3);
    s.stop();
  });

  test('a registry paused by 429 → checkNow is not sent and answers undefined after its wait; stop() answers the rest', async () => {
    const calls: string[] = [];
    const { s } = scheduler({}, async (u) => {
      calls.push(u.key);
      return { status: 'registry_unavailable', message: 'too many requests', retryAfterMs: 60_000 };
    });
    s.add(unit('r.example/a:1'));
    await sleep(20);
    expect(s.pausedUntil('r.example')).toBeDefined();
    expect(await s.checkNow(unit('r.example/b:1'), 30)).toBeUndefined();
    const pending = s.checkNow(unit('r.example/c:1'), 60_000);
    s.stop();
    expect(await pending).toBeUndefined();
    expect(calls).toEqual(['r.example/a:1']);
  });
});
