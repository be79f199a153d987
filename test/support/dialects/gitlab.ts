// GitLab's container registry: distribution (GitLab's fork) with GitLab itself as the token
// service at /jwt/auth, service `container_registry`; deploy tokens `gitlab+deploy-token-N`.
import type { HostileServer } from '../hostile-server.js';
import { startBearerDialect } from './bearer-dialect.js';
import { bodyless, errors, json, type Policy } from './front.js';

/** Accounts whose valid credentials GitLab's token endpoint answers 403 (no registry access at all). */
export const GITLAB_FORBIDDEN = 'no-registry-access';

export function startGitLabLike(target: string, policy: Policy): Promise<HostileServer> {
  return startBearerDialect(target, policy, {
    // `Bearer realm="https://gitlab.example.com/jwt/auth",service="container_registry"` (GitLab's
    // registry configuration, config/gitlab.yml `registry: … issuer`, and
    // docs.gitlab.com "Authenticate with the container registry": "the container registry returns
    // the GitLab API URL to the Docker client to validate credentials").
    realmPath: '/jwt/auth',
    service: () => 'container_registry',
    // Routed for GET only (config/routes.rb: `get 'jwt/auth' => 'jwt#auth'`): a POST finds no route, 404.
    tokenGetOnly: 404,
    // JwtController#auth renders `{ token: … }` only (app/controllers/jwt_controller.rb).
    tokenBody: (token) => ({ token }),
    // Wrong credentials: Rails' HTTP Basic refusal, 401 `HTTP Basic: Access denied.` (the words GitLab
    // answers git clients too: `remote: HTTP Basic: Access denied`).
    badCredentials: (res) => {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="GitLab"' });
      res.end('HTTP Basic: Access denied.\n');
    },
    // An account that may not use the registry: 403 DENIED "access forbidden"
    // (Auth::ContainerRegistryAuthenticationService, as test/support/token-server.ts `forbidden`).
    tokenRefusal: (res, user) => {
      if (user !== GITLAB_FORBIDDEN) return false;
      json(res, 403, { errors: [{ code: 'DENIED', message: 'access forbidden' }] });
      return true;
    },
    // A token without the project's access: distribution's 401 UNAUTHORIZED "authentication
    // required" with error="insufficient_scope" (registry/auth/token/accesscontroller.go).
    refuse: (req, res, { challenge, repo, tokenPresented }) => {
      const headers = { 'www-authenticate': tokenPresented ? `${challenge},error="insufficient_scope"` : challenge, 'docker-distribution-api-version': 'registry/2.0' };
      bodyless(req, res, 401, headers, () => errors(res, 401, 'UNAUTHORIZED', 'authentication required', headers, [{ Type: 'repository', Class: '', Name: repo, Action: 'pull' }]));
    },
  });
}
