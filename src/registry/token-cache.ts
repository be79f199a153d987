// Bearer tokens per realm + service + scope + credential, kept until shortly before they expire,
// with concurrent requests for the same token sharing one fetch.

export type CachedToken = { token: string; expiresAt: number };

/** The spec's default when the token server gives no expires_in. */
export const DEFAULT_TOKEN_LIFETIME_S = 60;
const MAX_ENTRIES = 50_000;

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): string | undefined {
    const entry = this.tokens.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return entry.token;
  }

  invalidate(key: string): void {
    this.tokens.delete(key);
  }

  /** Returns the cached token or runs `fetch` once for all concurrent callers of the same key. */
  async getOrFetch(key: string, fetch: () => Promise<{ token: string; lifetimeSeconds: number }>): Promise<string> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    let inFlight = this.pending.get(key);
    if (!inFlight) {
      inFlight = fetch()
        .then(({ token, lifetimeSeconds }) => {
          // Renew a little early so a check never presents a token that expires on the way.
          const margin = Math.min(30, lifetimeSeconds * 0.1);
          const entry = { token, expiresAt: this.now() + (lifetimeSeconds - margin) * 1000 };
          if (this.tokens.size >= MAX_ENTRIES) this.tokens.delete(this.tokens.keys().next().value as string);
          this.tokens.set(key, entry);
          return entry;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, inFlight);
    }
    return (await inFlight).token;
  }
}
