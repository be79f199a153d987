// Bearer tokens per realm + service + scope + credential, kept until shortly before they expire,
// with concurrent requests for the same token sharing one fetch.

/** `shared`: the token was asked for several scopes at once, so a refusal is worth one retry with a token of this scope alone. */
export type CachedToken = { token: string; expiresAt: number; shared: boolean };

/** What a fetch brings: the token, its life, and the keys of the other scopes it was asked for. */
export type FetchedToken = { token: string; lifetimeSeconds: number; alsoFor: string[] };

/** The spec's default when the token server gives no expires_in. */
export const DEFAULT_TOKEN_LIFETIME_S = 60;
const MAX_ENTRIES = 50_000;

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): CachedToken | undefined {
    const entry = this.tokens.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Whether `key` has no token, or none that outlives `horizonMs` from now. */
  needsToken(key: string, horizonMs = 0): boolean {
    const entry = this.tokens.get(key);
    return !entry || entry.expiresAt <= this.now() + horizonMs;
  }

  invalidate(key: string): void {
    this.tokens.delete(key);
  }

  /** Returns the cached token or runs `fetch` once for all concurrent callers of the same key. */
  async getOrFetch(key: string, fetch: () => Promise<FetchedToken>): Promise<CachedToken> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    let inFlight = this.pending.get(key);
    if (!inFlight) {
      inFlight = fetch()
        .then(({ token, lifetimeSeconds, alsoFor }) => {
          // Renew a little early so a check never presents a token that expires on the way.
          const margin = Math.min(30, lifetimeSeconds * 0.1);
          const entry = { token, expiresAt: this.now() + (lifetimeSeconds - margin) * 1000, shared: alsoFor.length > 0 };
          for (const other of alsoFor) this.store(other, entry);
          this.store(key, entry);
          return entry;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, inFlight);
    }
    return inFlight;
  }

  private store(key: string, entry: CachedToken): void {
    this.tokens.delete(key);
    if (this.tokens.size >= MAX_ENTRIES) this.tokens.delete(this.tokens.keys().next().value as string);
    this.tokens.set(key, entry);
  }
}
