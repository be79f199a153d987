// After a 404 on a manifest, what is missing: the tag or the whole repository, and whether the
// registry is a pull-through cache that answered 404 only because it cannot reach its upstream.
// Each answer only words the reason (the status stands without it), and each is remembered a
// while: an absent image is checked every interval.
import { ExpiringCache } from '../expiring-cache.js';
import type { Reply } from '../transport/transport.js';

const REPOSITORY_ANSWER_MS = 10 * 60_000;
/** An upstream outage ends on its own: asked again after a minute. */
const UPSTREAM_ANSWER_MS = 60_000;
/** A digest no content has: a cache that does not hold it must ask its upstream. */
const NOWHERE_DIGEST = `sha256:${'0'.repeat(64)}`;
const MAX_UPSTREAM_TEXT = 200;

export type ProbeSend = (host: string, phase: 'tags' | 'upstream', path: string, authorization: string | undefined) => Promise<Reply>;

export class AbsenceProbes {
  /** host/repository → whether it exists. */
  private readonly repositoryKnown = new ExpiringCache<'yes' | 'no' | 'unknown'>(0);
  /** host → the upstream a pull-through cache failed to reach ('' when none). */
  private readonly upstreamDown = new ExpiringCache<string>(0);

  constructor(private readonly send: ProbeSend) {}

  /**
   * Does the repository exist? A HEAD carries no error body, so its 404 cannot tell a missing tag
   * from a missing repository; the tag list can (404 NAME_UNKNOWN). One tag asked for, so the
   * answer stays small. Undefined when the registry does not say.
   */
  async repositoryExists(host: string, repository: string, authorization: string | undefined): Promise<boolean | undefined> {
    const known = await this.repositoryKnown.getOrFetch(`${host}/${repository}`, async () => {
      let answer: 'yes' | 'no' | 'unknown' = 'unknown';
      try {
        const reply = await this.send(host, 'tags', `/v2/${repository}/tags/list?n=1`, authorization);
        if (reply.status === 200) answer = 'yes';
        else if (reply.status === 404 && /NAME_UNKNOWN/.test(reply.body ?? '')) answer = 'no';
      } catch {
        // The reason is only less precise without it.
      }
      return { value: answer, expiresAt: Date.now() + REPOSITORY_ANSWER_MS };
    });
    return known === 'unknown' ? undefined : known === 'yes';
  }

  /**
   * The upstream a pull-through cache cannot reach, or undefined. distribution in proxy mode
   * answers a tag it has not cached with 404 MANIFEST_UNKNOWN while its upstream is down, as for
   * a missing tag (registry/proxy/proxytagservice.go falls back to its local store); only content
   * it must fetch by digest tells: 500 UNKNOWN whose detail is Go's url.Error for the upstream
   * (`{"Op":"Get","URL":"https://upstream/v2/","Err":{"Op":"dial",…}}`). So a blob no registry
   * holds is asked for: a registry that is no cache, or whose upstream answers, says 404.
   */
  async unreachableUpstream(host: string, repository: string, authorization: string | undefined): Promise<string | undefined> {
    const upstream = await this.upstreamDown.getOrFetch(host, async () => {
      let answer = '';
      try {
        const reply = await this.send(host, 'upstream', `/v2/${repository}/blobs/${NOWHERE_DIGEST}`, authorization);
        if (reply.status >= 500) answer = upstreamOf(reply.body) ?? '';
      } catch {
        // The reason is only less precise without it.
      }
      return { value: answer, expiresAt: Date.now() + UPSTREAM_ANSWER_MS };
    });
    return upstream === '' ? undefined : upstream;
  }
}

/** The origin a distribution error body's first detail failed to reach (a Go url.Error), or undefined. */
export function upstreamOf(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const detail = (JSON.parse(body) as { errors?: Array<{ detail?: { Op?: unknown; URL?: unknown; Err?: unknown } }> })?.errors?.[0]?.detail;
    if (typeof detail?.URL !== 'string' || typeof detail.Op !== 'string' || detail.Err === undefined) return undefined;
    const url = new URL(detail.URL);
    // The upstream's registry API, not (say) a storage backend's endpoint.
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.pathname.startsWith('/v2/')) return undefined;
    return url.origin.slice(0, MAX_UPSTREAM_TEXT);
  } catch {
    return undefined;
  }
}
