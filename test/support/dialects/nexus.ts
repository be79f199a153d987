// Sonatype Nexus Repository's Docker connector with `forceBasicAuth` (the default of new Docker
// repositories in 3.89, sonatype/nexus-public#921): Basic auth on every request.
import type { HostileServer } from '../hostile-server.js';
import { Authority, basicCredentials, bodyless, errors, forward, route, startFront, type Policy } from './front.js';

/**
 * `anonymous400`: the connector answers requests without Authorization 400 instead of a 401
 * challenge, as some versions did (below).
 */
export function startNexusLike(target: string, policy: Policy, options: { anonymous400?: boolean } = {}): Promise<HostileServer> {
  const authority = new Authority(policy);
  return startFront((req, res) => {
    const where = route(req.url);
    if (where.kind === 'other') return forward(target, req, res);
    const credentials = basicCredentials(req.headers.authorization);
    const user = authority.login(credentials);
    const repo = where.kind === 'ping' ? '' : where.repo;
    if (user !== 'refused' && (where.kind === 'ping' ? user !== 'anonymous' : authority.mayPull(user === 'anonymous' ? undefined : user, repo))) return forward(target, req, res);
    // Some versions answer a request without Authorization 400 with code UNAUTHORIZED and
    // "[ERROR-400] DOCKER Either Authorization header is missing or invalid", no challenge
    // (GoogleContainerTools/jib#2898: "previously the server sent 401 instead of 400").
    if (user === 'anonymous' && options.anonymous400) {
      const headers = { 'docker-distribution-api-version': 'registry/2.0' };
      return bodyless(req, res, 400, headers, () => errors(res, 400, 'UNAUTHORIZED', '[ERROR-400] DOCKER Either Authorization header is missing or invalid', headers));
    }
    // `WWW-Authenticate: BASIC realm="Sonatype Nexus Repository Manager"`, the scheme in capitals
    // (sonatype/nexus-public#921; devcontainers/cli#884 and indigo-dc/udocker#126 had to accept it).
    const headers = { 'www-authenticate': 'BASIC realm="Sonatype Nexus Repository Manager"', 'docker-distribution-api-version': 'registry/2.0' };
    bodyless(req, res, 401, headers, () => errors(res, 401, 'UNAUTHORIZED', 'Access denied to resource', headers));
  });
}
