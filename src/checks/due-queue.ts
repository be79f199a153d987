// A min-heap of (due time, key) with lazy deletion: rescheduling pushes a new entry and the stale
// one is skipped when it surfaces, which keeps every operation O(log n) for tens of thousands of units.
// The times and keys are two arrays, not an object per entry: every check pushes one entry that
// lives for an interval, long enough for V8 to move it to the old generation, where each would
// be garbage until the next full collection (about 0.1 MiB per 500 checks).

export class DueQueue {
  private readonly dueAts: number[] = [];
  private readonly keys: string[] = [];

  push(dueAt: number, key: string): void {
    const { dueAts, keys } = this;
    let i = dueAts.length;
    dueAts.push(dueAt);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (dueAts[parent] <= dueAt) break;
      dueAts[i] = dueAts[parent];
      keys[i] = keys[parent];
      i = parent;
    }
    dueAts[i] = dueAt;
    keys[i] = key;
  }

  /** The earliest due time, if any entry is queued. */
  peekDueAt(): number | undefined {
    return this.dueAts.length > 0 ? this.dueAts[0] : undefined;
  }

  /** The key of the earliest entry. */
  peekKey(): string | undefined {
    return this.keys[0];
  }

  /** Drops the earliest entry. */
  pop(): void {
    const { dueAts, keys } = this;
    const lastDueAt = dueAts.pop();
    const lastKey = keys.pop();
    const size = dueAts.length;
    if (size === 0 || lastDueAt === undefined || lastKey === undefined) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && dueAts[right] < dueAts[left] ? right : left;
      if (dueAts[child] >= lastDueAt) break;
      dueAts[i] = dueAts[child];
      keys[i] = keys[child];
      i = child;
    }
    dueAts[i] = lastDueAt;
    keys[i] = lastKey;
  }

  get size(): number {
    return this.dueAts.length;
  }
}
