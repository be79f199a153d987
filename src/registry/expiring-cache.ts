// Values that expire (registry tokens, cloud credentials), kept until shortly before they do, with
// concurrent requests for the same key sharing one fetch. A failed fetch is not kept.

/** What a fetch brings: the value, when it expires, and other keys it also serves (a token asked for several scopes). */
export type Fetched<T> = { value: T; expiresAt: number; alsoFor?: string[] };

const MAX_ENTRIES = 50_000;

export class ExpiringCache<T> {
  private readonly entries = new Map<string, { value: T; renewAt: number }>();
  private readonly pending = new Map<string, Promise<T>>();

  /**
   * A value is renewed a tenth of its lifetime early, at most `maxRenewalMarginMs`, so a check never
   * presents one that expires on its way.
   */
  constructor(
    private readonly maxRenewalMarginMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value, unless it is missing or due for renewal. */
  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.renewAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  needsFetch(key: string): boolean {
    return this.get(key) === undefined;
  }

  invalidate(key: string): void {
    this.entries.delete(key);
  }

  getOrFetch(key: string, fetch: () => Promise<Fetched<T>>): Promise<T> {
    const cached = this.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    let inFlight = this.pending.get(key);
    if (!inFlight) {
      const asked = this.now();
      inFlight = fetch()
        .then(({ value, expiresAt, alsoFor = [] }) => {
          const margin = Math.min(this.maxRenewalMarginMs, Math.max(0, expiresAt - asked) / 10);
          const entry = { value, renewAt: expiresAt - margin };
          for (const other of alsoFor) this.store(other, entry);
          this.store(key, entry);
          return value;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, inFlight);
    }
    return inFlight;
  }

  private store(key: string, entry: { value: T; renewAt: number }): void {
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, entry);
  }
}
