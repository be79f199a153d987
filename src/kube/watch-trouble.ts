// Why the cluster watch is failing, told apart so each points at its own fix: the API server
// refuses the exporter's credentials (401: the kubeconfig or the mounted token), refuses the
// request (403: RBAC), cannot be reached (no HTTP answer: address, network), or failed otherwise.
// The log says it at each retry; the status page says it, with since when, until the watch works.

export type WatchProblem = { level: 'error' | 'warn'; message: string };

/** A failed watch is retried after 0.5 s, doubling with each failure in a row, up to this. */
const MAX_RESTART_DELAY_MS = 30_000;

/** When to retry a watch after `failures` failures in a row (1 or more). */
export function restartDelay(failures: number): number {
  return Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** Math.min(failures - 1, 10));
}

/** The HTTP status an API server error carries, as `code` or as the library's `statusCode`. */
export function answerCode(error: unknown): number | undefined {
  return (error as { code?: number; statusCode?: number })?.code ?? (error as { statusCode?: number })?.statusCode;
}

/** The first line of an error's message (or of the value), for a log field: at most 300 characters. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0].slice(0, 300);
  return String(error).slice(0, 300);
}

/** `code`: the HTTP status of the API server's answer; a network error's code (ECONNREFUSED) is no answer. */
export function watchProblem(resource: string, code: unknown, error: string): WatchProblem {
  if (code === 401) {
    return {
      level: 'error',
      message: `the API server does not accept the exporter's credentials (401) for ${resource}: the kubeconfig's token or client certificate (in a pod: the ServiceAccount token) is wrong or expired; fix the kubeconfig (--kubeconfig) or the mounted token`,
    };
  }
  if (code === 403) {
    return {
      level: 'error',
      message: `not allowed to list and watch ${resource} cluster-wide (403): the exporter's ClusterRole needs list and watch on ${resource}; kubectl auth can-i list ${resource} --as=system:serviceaccount:<namespace>:<name> shows what it may do`,
    };
  }
  if (typeof code !== 'number') {
    return { level: 'warn', message: `the API server cannot be reached to watch ${resource} (${error}): check the kubeconfig's server address and the network to it; retrying` };
  }
  return { level: 'warn', message: `watch of ${resource} failed (HTTP ${code}); resuming` };
}

/** The watch's problems by informer, and since when it has had one without a break. */
export class WatchTrouble {
  private readonly failing = new Map<string, { since: number; message: string }>();

  failed(informer: string, problem: WatchProblem): void {
    const known = this.failing.get(informer);
    this.failing.set(informer, { since: known?.since ?? Date.now(), message: problem.message });
  }

  recovered(informer: string): void {
    this.failing.delete(informer);
  }

  /** How many informers fail now (for the exporter's own health metric). */
  get failingCount(): number {
    return this.failing.size;
  }

  /** One line for the status page while any informer fails: the longest-standing problem. */
  notice(): string | undefined {
    let oldest: { since: number; message: string } | undefined;
    for (const entry of this.failing.values()) if (!oldest || entry.since < oldest.since) oldest = entry;
    if (!oldest) return undefined;
    const others = this.failing.size - 1;
    const since = new Date(oldest.since).toISOString().replace(/\.\d+Z$/, 'Z');
    return `Since ${since} the workloads shown may be out of date: ${oldest.message}${others > 0 ? ` (and ${others} more watch${others > 1 ? 'es' : ''} failing)` : ''}`;
  }
}
