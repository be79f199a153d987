// Azure Container Registry: token endpoint /oauth2/token on the registry's host, service = the
// registry's host name, an admin user or repository-scoped token as Basic credentials.
import type { HostileServer } from '../hostile-server.js';
import { startBearerDialect } from './bearer-dialect.js';
import { bodyless, errors, type Policy } from './front.js';

const AUTH_REQUIRED = 'authentication required, visit https://aka.ms/acr/authorization for more information.';

export function startAcrLike(target: string, policy: Policy): Promise<HostileServer> {
  return startBearerDialect(target, policy, {
    // `Www-Authenticate: Bearer realm="https://<r>.azurecr.io/oauth2/token",service="<r>.azurecr.io",scope="repository:<repo>:pull"`
    // (azure.github.io/acr/Token-BasicAuth.html, "Get the scope of the token to be requested").
    realmPath: '/oauth2/token',
    service: (host) => host,
    // GET /oauth2/token with Basic answers `{"access_token": …}` (the same page, and
    // richlander/container-registry-api acr.md reads `.access_token`).
    tokenBody: (token) => ({ access_token: token }),
    // A wrong password at the token endpoint: 401; its words are not documented, the 401's above are reused.
    badCredentials: (res) => errors(res, 401, 'UNAUTHORIZED', AUTH_REQUIRED),
    // 401 UNAUTHORIZED "authentication required, visit https://aka.ms/acr/authorization …" with the
    // access detail (the same page; learn.microsoft.com troubleshoot "authentication-required").
    refuse: (req, res, { challenge, repo, tokenPresented }) => {
      const headers = { 'www-authenticate': tokenPresented ? `${challenge},error="insufficient_scope"` : challenge, 'docker-distribution-api-version': 'registry/2.0' };
      bodyless(req, res, 401, headers, () => errors(res, 401, 'UNAUTHORIZED', AUTH_REQUIRED, headers, [{ Type: 'repository', Name: repo, Action: 'pull' }]));
    },
  });
}
