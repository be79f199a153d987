// The generated registry's plans (test/oracle/seed-plan.ts): deterministic per seed, bounded, and
// varied enough that a few hundred seeds meet every kind of answer.
import { describePlan, MAX_DELAY_MS, planFor } from '../oracle/seed-plan.js';
import { seededRandom as mulberry32 } from '../support/seeded-random.js';
import { seedRange } from '../oracle/scenarios-seeds.js';

describe('the seeded plans of the generated registry', () => {
  test('mulberry32 gives the same sequence for the same seed and another for another seed', () => {
    const first = mulberry32(42);
    const again = mulberry32(42);
    const other = mulberry32(43);
    const a = Array.from({ length: 5 }, first);
    expect(Array.from({ length: 5 }, again)).toEqual(a);
    expect(Array.from({ length: 5 }, other)).not.toEqual(a);
    expect(a.every((value) => value >= 0 && value < 1)).toBe(true);
  });

  test('a seed always makes the same plan (a disagreement can be replayed by its number)', () => {
    for (const seed of [1, 7, 1000, 2 ** 31]) expect(planFor(seed)).toEqual(planFor(seed));
    expect(describePlan(planFor(7))).toBe(describePlan(planFor(7)));
  });

  test('every plan finishes quickly: no delay above the bound, no answer that never ends', () => {
    for (let seed = 0; seed < 2000; seed++) {
      const plan = planFor(seed);
      expect(plan.delayMs).toBeGreaterThanOrEqual(0);
      expect(plan.delayMs).toBeLessThanOrEqual(MAX_DELAY_MS);
    }
  });

  test('500 seeds meet every kind of answer, every auth scheme and every secret', () => {
    const plans = Array.from({ length: 500 }, (_, index) => planFor(index + 1));
    const kinds = new Set(plans.flatMap((plan) => [plan.head.kind, plan.get.kind]));
    expect([...kinds].sort()).toEqual(['content', 'content-type', 'no-digest-header', 'not-json-body', 'redirect', 'status', 'truncated-body', 'wrong-digest-header']);
    const statuses = new Set(plans.flatMap((plan) => [plan.head, plan.get, plan.config]).flatMap((answer) => (answer.kind === 'status' ? [answer.status] : [])));
    expect([...statuses].sort()).toEqual([400, 401, 403, 404, 405, 408, 429, 500, 502, 503]);
    expect(new Set(plans.map((plan) => plan.auth))).toEqual(new Set(['none', 'basic', 'bearer']));
    expect(new Set(plans.map((plan) => plan.secret))).toEqual(new Set(['none', 'right', 'wrong']));
    expect(plans.filter((plan) => plan.head.kind === 'content' && plan.get.kind === 'content' && plan.config.kind === 'content').length).toBeGreaterThan(100);
  });

  test('the range of seeds comes from ORACLE_SEEDS and ORACLE_SEED_FROM, bounded, with a clear error otherwise', () => {
    expect(seedRange({})).toEqual({ from: 1, count: 40 });
    expect(seedRange({ ORACLE_SEEDS: '500', ORACLE_SEED_FROM: '1000' })).toEqual({ from: 1000, count: 500 });
    expect(() => seedRange({ ORACLE_SEEDS: '1e9' })).toThrow('ORACLE_SEEDS must be a whole number from 0 to 5000, not "1e9"');
    expect(() => seedRange({ ORACLE_SEED_FROM: '-1' })).toThrow('ORACLE_SEED_FROM must be a whole number');
  });
});
