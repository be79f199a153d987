// One rendering shared by every request that arrives while it is being made or within a short
// freshness window after: sixteen scrapers cost one render and one copy of the body, not sixteen.
// A client that reads slowly (or never) keeps the body it got until the write timeouts close it;
// while such an older body is still held, newcomers get the current one instead of a new render,
// so at most two bodies are alive whatever the clients do, and a body is never older than the
// freshness window plus the longest a response may take.
export type Lease<T> = { value: T; release(): void };

type Entry<T> = { value: T; renderedAt: number; holders: number };

export class SharedRender<T> {
  private current: Entry<T> | undefined;
  private rendering: Promise<Entry<T>> | undefined;
  /** Replaced entries still held by a response in progress. */
  private readonly retired = new Set<Entry<T>>();
  private renderCount = 0;

  constructor(
    private readonly render: () => Promise<T> | T,
    private readonly freshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(): Promise<Lease<T>> {
    const entry = await this.entry();
    entry.holders++;
    let released = false;
    return {
      value: entry.value,
      release: () => {
        if (released) return;
        released = true;
        if (--entry.holders === 0) this.retired.delete(entry);
      },
    };
  }

  /** Renders made so far (tests and benchmarks read it). */
  get renders(): number {
    return this.renderCount;
  }

  /** Bodies alive: the current one and replaced ones still being sent. */
  get alive(): number {
    return (this.current ? 1 : 0) + this.retired.size;
  }

  private entry(): Promise<Entry<T>> {
    if (this.rendering) return this.rendering;
    const current = this.current;
    if (current && (this.now() - current.renderedAt < this.freshMs || this.retired.size > 0)) return Promise.resolve(current);
    this.renderCount++;
    const rendering = Promise.resolve()
      .then(() => this.render())
      .then((value) => {
        const entry: Entry<T> = { value, renderedAt: this.now(), holders: 0 };
        if (this.current && this.current.holders > 0) this.retired.add(this.current);
        this.current = entry;
        return entry;
      });
    const settled = () => {
      if (this.rendering === rendering) this.rendering = undefined;
    };
    rendering.then(settled, settled);
    this.rendering = rendering;
    return this.rendering;
  }
}
