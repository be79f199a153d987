// A min-heap of (due time, key) with lazy deletion: rescheduling pushes a new entry and the stale
// one is skipped when it surfaces, which keeps every operation O(log n) for tens of thousands of units.

type Entry = { dueAt: number; key: string };

export class DueQueue {
  private readonly heap: Entry[] = [];

  push(dueAt: number, key: string): void {
    const heap = this.heap;
    heap.push({ dueAt, key });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].dueAt <= heap[i].dueAt) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  peek(): Entry | undefined {
    return this.heap[0];
  }

  pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && heap[left].dueAt < heap[smallest].dueAt) smallest = left;
        if (right < heap.length && heap[right].dueAt < heap[smallest].dueAt) smallest = right;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i], heap[smallest]];
        i = smallest;
      }
    }
    return top;
  }

  get size(): number {
    return this.heap.length;
  }
}
