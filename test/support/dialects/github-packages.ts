// GitHub's first Docker registry, docker.pkg.github.com (2019): it challenged only the /v2/ ping
// with 401 and answered an anonymous request for a manifest 404, so containerd, which asks for the
// manifest first and sends credentials only when challenged, never sent them and failed with "not
// found" (containerd/containerd#3291: "When an endpoint returns 404 when no auth is provided, then
// the client will not know to provide authorization"). Basic credentials, sent unasked, worked.
import type { HostileServer } from '../hostile-server.js';
import { Authority, basicCredentials, bodyless, errors, forward, route, startFront, type Policy } from './front.js';

export function startGitHubPackagesLike(target: string, policy: Policy): Promise<HostileServer> {
  const authority = new Authority(policy);
  return startFront((req, res) => {
    const where = route(req.url);
    if (where.kind === 'other') return forward(target, req, res);
    const user = authority.login(basicCredentials(req.headers.authorization));
    const headers = { 'docker-distribution-api-version': 'registry/2.0' };
    if (where.kind === 'ping') {
      if (user !== 'anonymous' && user !== 'refused') return forward(target, req, res);
      return bodyless(req, res, 401, { ...headers, 'www-authenticate': 'Basic realm="GitHub Package Registry"' }, () => errors(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': 'Basic realm="GitHub Package Registry"' }));
    }
    if (user !== 'anonymous' && user !== 'refused' && authority.mayPull(user, where.repo)) return forward(target, req, res);
    bodyless(req, res, 404, headers, () => errors(res, 404, where.kind === 'manifest' ? 'MANIFEST_UNKNOWN' : 'BLOB_UNKNOWN', 'not found', headers));
  });
}
