// One rendering shared by every request that arrives while it is being made or, as long as what it
// shows has not changed (the content version), within a short freshness window after: sixteen
// scrapers cost one render and one copy of the body, not sixteen. A change (a new image's first
// result, a status change, a workload come or gone) is rendered by the next request, so it shows
// at once rather than up to a window later; while changes keep coming, renders are still at
// least one render's duration apart, so they take at most half of the process's time.
// A client that reads slowly (or never) keeps the body it got until the write timeouts close it;
// while such an older body is still held, newcomers get the current one instead of a new render,
// so at most two bodies are alive whatever the clients do, and a body is never older than the
// freshness window plus the longest a response may take.
export type Lease<T> = { value: T; release(): void };

export type SharedRenderOptions = {
  /** How long a render is served while its content version stays the same. */
  keepUnchangedMs: number;
  /** How long a render is served after a change at least (0: the next request renders the change). */
  keepChangedMs?: number;
  now?: () => number;
  /** Changes whenever what a render shows changes; without it only keepUnchangedMs decides. */
  version?: () => number;
};

/** `version`: the content version when the render began; `renderMs`: how long it took. */
type Entry<T> = { value: T; renderedAt: number; holders: number; version: number; renderMs: number };

export class SharedRender<T> {
  private current: Entry<T> | undefined;
  private rendering: Promise<Entry<T>> | undefined;
  /** Replaced entries still held by a response in progress. */
  private readonly retired = new Set<Entry<T>>();
  private renderCount = 0;

  private readonly keepUnchangedMs: number;
  private readonly keepChangedMs: number;
  private readonly now: () => number;
  private readonly version: () => number;

  constructor(
    private readonly render: () => Promise<T> | T,
    options: SharedRenderOptions,
  ) {
    this.keepUnchangedMs = options.keepUnchangedMs;
    this.keepChangedMs = options.keepChangedMs ?? 0;
    this.now = options.now ?? Date.now;
    this.version = options.version ?? (() => 0);
  }

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

  /** From when (on the clock given) a change is rendered by the next request: one render's duration (or keepChangedMs) after the last. */
  get changesRenderedFrom(): number {
    return this.current ? this.current.renderedAt + Math.max(this.current.renderMs, this.keepChangedMs) : 0;
  }

  /** Bodies alive: the current one and replaced ones still being sent. */
  get alive(): number {
    return (this.current ? 1 : 0) + this.retired.size;
  }

  private entry(): Promise<Entry<T>> {
    if (this.rendering) return this.rendering;
    const current = this.current;
    if (current && (this.retired.size > 0 || this.stillCurrent(current))) return Promise.resolve(current);
    this.renderCount++;
    const version = this.version();
    const started = this.now();
    const rendering = Promise.resolve()
      .then(() => this.render())
      .then((value) => {
        const renderedAt = this.now();
        const entry: Entry<T> = { value, renderedAt, holders: 0, version, renderMs: renderedAt - started };
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

  /** Whether `entry` may still be served: unchanged and within its window, or too recent for another render yet. */
  private stillCurrent(entry: Entry<T>): boolean {
    const age = this.now() - entry.renderedAt;
    return age < Math.max(entry.renderMs, this.keepChangedMs) || (age < this.keepUnchangedMs && entry.version === this.version());
  }
}
