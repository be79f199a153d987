// The repositories recently checked per token server + credential, so that one token request can
// carry the scopes of the ones due next. When checks are further apart than a token lives (a 5 m
// interval against Docker Hub's 300 s tokens), every check would otherwise fetch a token of its
// own: two requests per check instead of one. The token spec allows several `scope` parameters,
// and token servers grant those the account may have and leave out the rest.

/** Bounds a token request's URL well below the 8 KiB request line common servers accept. */
export const MAX_SCOPE_CHARS = 4000;
/** Scopes one token request carries at most, the checked repository's included. */
export const MAX_SCOPES_PER_TOKEN = 100;
const MAX_REMEMBERED_PER_GROUP = 10_000;
const MAX_GROUPS = 1_000;
/** Default for how long an unused scope stays a companion: a repository no workload uses any more must not take the place of one that is due. */
export const DEFAULT_FORGET_AFTER_MS = 15 * 60_000;

export class RecentScopes {
  /** group → scope → when it was last used; a Map keeps insertion order, so the first entries are the longest unused. */
  private readonly groups = new Map<string, Map<string, number>>();

  constructor(
    private readonly forgetAfterMs: number = DEFAULT_FORGET_AFTER_MS,
    private readonly now: () => number = Date.now,
  ) {}

  used(group: string, scope: string): void {
    let scopes = this.groups.get(group);
    if (!scopes) {
      if (this.groups.size >= MAX_GROUPS) this.groups.delete(this.groups.keys().next().value as string);
      scopes = new Map();
      this.groups.set(group, scopes);
    }
    scopes.delete(scope);
    scopes.set(scope, this.now());
    if (scopes.size > MAX_REMEMBERED_PER_GROUP) scopes.delete(scopes.keys().next().value as string);
  }

  /**
   * Other scopes of the group worth asking for together with `scope`: those used within
   * `forgetAfterMs` that `needsToken` accepts, the longest unused first (with checks at a fixed
   * interval they are the ones due soonest), within MAX_SCOPES_PER_TOKEN and MAX_SCOPE_CHARS.
   */
  companions(group: string, scope: string, needsToken: (scope: string) => boolean): string[] {
    const scopes = this.groups.get(group);
    if (!scopes) return [];
    // The longest unused come first, so the forgotten ones are a prefix.
    const cutoff = this.now() - this.forgetAfterMs;
    for (const [candidate, lastUsed] of scopes) {
      if (lastUsed >= cutoff) break;
      scopes.delete(candidate);
    }
    const chosen: string[] = [];
    let chars = scope.length;
    for (const candidate of scopes.keys()) {
      if (chosen.length + 1 >= MAX_SCOPES_PER_TOKEN) break;
      if (candidate === scope || !needsToken(candidate)) continue;
      const cost = candidate.length + '&scope='.length;
      if (chars + cost > MAX_SCOPE_CHARS) break;
      chars += cost;
      chosen.push(candidate);
    }
    return chosen;
  }
}
