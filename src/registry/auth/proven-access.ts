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

export class ProvenAccess {
  /** host + access → repository → when it last pulled; Maps keep insertion order, oldest first. */
  private readonly accesses = new Map<string, Map<string, number>>();

  constructor(
    private readonly proofMs: number = DEFAULT_PROOF_MS,
    private readonly now: () => number = Date.now,
  ) {}

  pulled(host: string, access: string, repository: string): void {
    const key = `${host}\u0000${access}`;
    let repositories = this.accesses.get(key);
    if (repositories) this.accesses.delete(key);
    else {
      if (this.accesses.size >= MAX_ACCESSES) this.accesses.delete(this.accesses.keys().next().value as string);
      repositories = new Map();
    }
    this.accesses.set(key, repositories);
    repositories.delete(repository);
    if (repositories.size >= MAX_REPOSITORIES) repositories.delete(repositories.keys().next().value as string);
    repositories.set(repository, this.now());
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
