// Which credentials (or anonymous access) pulled which repositories of a registry lately. Docker
// Hub, Quay, GHCR and Harbor answer 401 for a repository name that does not exist, the answer
// they give for missing credentials; when the same access pulls other repositories of that
// registry, the 401 says the name is absent or private, and the pull fails as surely as on a 404.
// A refusal of a repository that pulled before proves nothing any more (revoked credentials), so
// it forgets the access at once.

/** An access not seen pulling for this long proves nothing: about a few check intervals. */
export const DEFAULT_PROOF_MS = 30 * 60_000;
const MAX_ACCESSES = 10_000;
/** Repositories remembered per access: enough to tell "another repository" from "this one". */
const MAX_REPOSITORIES = 64;
/** Share of the proof time after which a repository pulled again moves to the end. */
const REORDER_AFTER = 1 / 8;

export class ProvenAccess {
  /** host + access → repository → when it last pulled; Maps keep insertion order, oldest first. */
  private readonly accesses = new Map<string, Map<string, number>>();
  /** The key of the access that pulled last: already at the end of `accesses`. */
  private newestAccess?: string;

  constructor(
    private readonly proofMs: number = DEFAULT_PROOF_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Called for every check that pulls. The most recently used entries go last, so that the first
   * is the one to drop; an entry already near the end (the newest access, a repository pulled
   * within REORDER_AFTER_MS) keeps its place and only its time changes. Moving every entry at
   * every check made V8 rebuild the maps' tables every few checks: garbage for the old generation.
   */
  pulled(host: string, access: string, repository: string): void {
    const key = `${host}\u0000${access}`;
    let repositories = this.accesses.get(key);
    if (!repositories) {
      if (this.accesses.size >= MAX_ACCESSES) this.accesses.delete(this.accesses.keys().next().value as string);
      this.accesses.set(key, (repositories = new Map()));
    } else if (key !== this.newestAccess) {
      this.accesses.delete(key);
      this.accesses.set(key, repositories);
    }
    this.newestAccess = key;
    const now = this.now();
    const pulledAt = repositories.get(repository);
    if (pulledAt !== undefined && now - pulledAt < this.proofMs * REORDER_AFTER) {
      repositories.set(repository, now);
      return;
    }
    repositories.delete(repository);
    if (repositories.size >= MAX_REPOSITORIES) repositories.delete(repositories.keys().next().value as string);
    repositories.set(repository, now);
  }

  /**
   * Whether this access pulled another repository of the host lately. A refusal of a repository it
   * pulled before means the access itself changed: it is forgotten, and proves nothing.
   */
  provenElsewhere(host: string, access: string, repository: string): boolean {
    const key = `${host}\u0000${access}`;
    const repositories = this.accesses.get(key);
    if (!repositories) return false;
    if (repositories.has(repository)) {
      this.accesses.delete(key);
      return false;
    }
    const since = this.now() - this.proofMs;
    for (const pulledAt of repositories.values()) if (pulledAt >= since) return true;
    return false;
  }
}
