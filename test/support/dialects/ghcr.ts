// GitHub Container Registry (ghcr.io): token endpoint on the registry's own host, anonymous tokens
// for public packages, a personal access token as the password of Basic auth to the token endpoint.
import type { HostileServer } from '../hostile-server.js';
import { startBearerDialect } from './bearer-dialect.js';
import { bodyless, errors, type Policy } from './front.js';

export function startGhcrLike(target: string, policy: Policy): Promise<HostileServer> {
  return startBearerDialect(target, policy, {
    // `GET https://ghcr.io/token?scope=repository:<repo>:pull` gives public images a no-op token
    // (github.com/richlander/container-registry-api ghcr.md, "Accessing public images").
    realmPath: '/token',
    service: () => 'ghcr.io',
    // `{"token": …}` alone: "it does not reply with the expiration of the token"
    // (toddysm.com/2024/02/12/authenticating-with-oci-registries-github-container-registry-ghcr-implementation).
    tokenBody: (token) => ({ token }),
    // A wrong user:PAT at the token endpoint: 401 UNAUTHORIZED "authentication required" (iz6.ru
    // "Как получить токен API для GitHub Container Registry": the same body and challenge).
    badCredentials: (res) => errors(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"' }),
    // A private or missing package with a token that grants nothing: 401 with
    // `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:<repo>:pull"` and
    // `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, no error= parameter
    // (the same page; the scope names the repository asked for, toddysm.com's update of 2024-03-04).
    refuse: (req, res, { challenge }) => {
      const headers = { 'www-authenticate': challenge, 'docker-distribution-api-version': 'registry/2.0' };
      bodyless(req, res, 401, headers, () => errors(res, 401, 'UNAUTHORIZED', 'authentication required', headers));
    },
  });
}
