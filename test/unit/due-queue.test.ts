// The scheduler's min-heap of due times (src/checks/due-queue.ts), kept as two arrays.
import { DueQueue } from '../../src/checks/due-queue.js';
import { seededRandom } from '../support/seeded-random.js';

describe('DueQueue', () => {
  test('random pushes and pops → each pop takes the earliest due time left, with its own key', () => {
    const random = seededRandom(7);
    const queue = new DueQueue();
    const expected: Array<{ dueAt: number; key: string }> = [];
    for (let round = 0; round < 2000; round++) {
      if (random() < 0.6 || queue.size === 0) {
        const dueAt = Math.floor(random() * 500);
        const key = `k${round}`;
        queue.push(dueAt, key);
        expected.push({ dueAt, key });
      } else {
        const earliest = Math.min(...expected.map((entry) => entry.dueAt));
        expect(queue.peekDueAt()).toBe(earliest);
        const key = queue.peekKey()!;
        const at = expected.findIndex((entry) => entry.key === key);
        expect(expected[at].dueAt).toBe(earliest);
        expected.splice(at, 1);
        queue.pop();
      }
      expect(queue.size).toBe(expected.length);
    }
  });

  test('empty → no due time, no key; pop does nothing', () => {
    const queue = new DueQueue();
    expect(queue.peekDueAt()).toBeUndefined();
    expect(queue.peekKey()).toBeUndefined();
    queue.pop();
    expect(queue.size).toBe(0);
    queue.push(5, 'a');
    queue.pop();
    expect(queue.peekDueAt()).toBeUndefined();
  });
});
