import { ConcurrencyLimit } from '../../src/kube/concurrency-limit.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('concurrency limit', () => {
  test('never more than the limit at once, also while finishing tasks hand over to waiters and newcomers arrive', async () => {
    const limit = new ConcurrencyLimit(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (id: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      started.push(id);
      await tick();
      await tick();
      running--;
      return id;
    };
    const first = Array.from({ length: 10 }, (_, i) => limit.run(task(i)));
    await tick();
    const late = Array.from({ length: 10 }, (_, i) => limit.run(task(10 + i)));
    expect(await Promise.all([...first, ...late])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(started.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  test('a failing task frees its slot', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit.run(async () => 'next')).toBe('next');
  });

  test.each([[0], [-1], [1.5]])('a limit of %s is refused', (value) => {
    expect(() => new ConcurrencyLimit(value)).toThrow('positive integer');
  });
});
