// Who renders when. A status page or /api/images render is synchronous work of up to a few hundred
// milliseconds; a /metrics render is made in 64 KiB steps that give the event loop back between
// them. Left in arrival order, clients looping on pages put a page render between every two steps
// of a scrape, and a scrape took tens of seconds. So pages render one at a time and never while
// /metrics renders, with the event loop free between two pages (a scrape that arrived meanwhile
// starts first); at most `maxWaiting` pages wait, the others are told to come back later.
export const MAX_WAITING_PAGES = 16;

export class PageGate {
  private metricsRenders = 0;
  private pageRendering = false;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly maxWaiting = MAX_WAITING_PAGES) {}

  /** Runs a /metrics render; no page starts until it is done. */
  async metrics<T>(render: () => Promise<T>): Promise<T> {
    this.metricsRenders++;
    try {
      return await render();
    } finally {
      this.metricsRenders--;
      this.next();
    }
  }

  /** Runs a page render in its turn; undefined, without rendering, when too many pages wait already. */
  async page<T>(render: () => Promise<T>): Promise<T | undefined> {
    if (this.pageRendering || this.metricsRenders > 0 || this.waiting.length > 0) {
      if (this.waiting.length >= this.maxWaiting) return undefined;
      // next() hands over the turn: pageRendering is set for this page before it resumes.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.pageRendering = true;
    }
    try {
      return await render();
    } finally {
      this.pageRendering = false;
      // After the event loop has polled for I/O: a scrape that arrived during this render goes first.
      setImmediate(() => this.next());
    }
  }

  /** Pages waiting for their turn. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  private next(): void {
    if (this.pageRendering || this.metricsRenders > 0) return;
    const turn = this.waiting.shift();
    if (!turn) return;
    this.pageRendering = true;
    turn();
  }
}
