// Docker Hub (registry-1.docker.io with its token service auth.docker.io), served from one loopback
// host: the token endpoint sits on the registry's own port instead of another host.
import type { HostileServer } from '../hostile-server.js';
import { startBearerDialect } from './bearer-dialect.js';
import { bodyless, errors, json, matches, type Policy } from './front.js';

/** Repositories whose every manifest request is over the pull rate limit; and those whose GET is while HEAD is not. */
export const DOCKER_HUB_LIMITED = 'ratelimited/*';
export const DOCKER_HUB_GET_LIMITED = 'ratelimit-get/*';

/**
 * The pull rate limit's headers (docs.docker.com/docker-hub/usage/pulls, "View pull rate and
 * limit": `ratelimit-limit: 100;w=21600`, `ratelimit-remaining: 0;w=21600`,
 * `docker-ratelimit-source: <ip>`, as a HEAD of ratelimitpreview/test shows them in
 * gist.github.com/jeversol/369009aaad4cd2cd8e2610fa68d4c4be).
 */
const RATE_LIMIT_HEADERS = { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '0;w=21600', 'docker-ratelimit-source': '127.0.0.1' };

export function startDockerHubLike(target: string, policy: Policy): Promise<HostileServer> {
  return startBearerDialect(target, policy, {
    realmPath: '/token',
    // `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:<repo>:pull"`
    // (containerd/containerd#6492, the 401 to a HEAD of a private repository's manifest).
    service: () => 'registry.docker.io',
    // auth.docker.io answers both fields and their lifetime (docs.docker.com pull-limit script reads `.token`;
    // distribution docs/spec/auth/token.md names `token`, `access_token`, `expires_in`, `issued_at`).
    tokenBody: (token) => ({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
    // auth.docker.io refuses a wrong password with 401 and `{"details":"incorrect username or password"}`.
    badCredentials: (res) => json(res, 401, { details: 'incorrect username or password' }),
    // A repository that does not exist or that the token may not pull: 401 with the challenge and
    // insufficient_scope, UNAUTHORIZED "authentication required" with the access detail (the
    // same answer for both, which containerd words "pull access denied, repository does not exist
    // or may require authorization", containerd/containerd#11103).
    refuse: (req, res, { challenge, tokenPresented, repo }) => {
      const headers = { 'www-authenticate': tokenPresented ? `${challenge},error="insufficient_scope"` : challenge, 'docker-distribution-api-version': 'registry/2.0', ...RATE_LIMIT_HEADERS };
      bodyless(req, res, 401, headers, () => errors(res, 401, 'UNAUTHORIZED', 'authentication required', headers, [{ Type: 'repository', Class: '', Name: repo, Action: 'pull' }]));
    },
    // Over the limit: 429 with "toomanyrequests: You have reached your pull rate limit. You may
    // increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"
    // (containers/image#1078) and Retry-After (docker/docs#22916). A GET of a manifest counts as a
    // pull and a HEAD does not (the same pull request: containers/image moved its digest lookup to
    // HEAD for that), so for DOCKER_HUB_GET_LIMITED the HEAD still answers 200 with the headers, and
    // only the GET that fetches the manifest is refused.
    quirk: (req, res, where) => {
      const limited = where.kind === 'manifest' && (matches([DOCKER_HUB_LIMITED], where.repo) || (req.method === 'GET' && matches([DOCKER_HUB_GET_LIMITED], where.repo)));
      if (!limited) return false;
      const headers = { ...RATE_LIMIT_HEADERS, 'retry-after': '21600' };
      bodyless(req, res, 429, headers, () => errors(res, 429, 'TOOMANYREQUESTS', 'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit', headers));
      return true;
    },
  });
}
