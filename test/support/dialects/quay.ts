// Quay (quay.io and Red Hat Quay): token endpoint /v2/auth on the registry's host; robot accounts
// `org+name` and repository access tokens with the user name `$token`.
import type { HostileServer } from '../hostile-server.js';
import { startBearerDialect } from './bearer-dialect.js';
import { bodyless, errors, type Policy } from './front.js';

export function startQuayLike(target: string, policy: Policy): Promise<HostileServer> {
  return startBearerDialect(target, policy, {
    // `Bearer realm="https://quay.io/v2/auth",service="quay.io"` (quay/quay endpoints/v2/v2auth.py
    // serves the token at /v2/auth; nexus-public#659 shows containerd asking such a realm with
    // `scope` and `service`).
    realmPath: '/v2/auth',
    service: () => 'quay.io',
    // generate_registry_jwt is routed for GET only (Flask's default methods): a POST is 405.
    tokenGetOnly: 405,
    // It answers `jsonify({"token": …})`, with no access for what the caller may not pull
    // (_authorize_or_downscope_request grants pull only to readers or on public repositories).
    tokenBody: (token) => ({ token }),
    // Credentials sent but invalid: `raise InvalidLogin(auth_result.error_message)`, 401 UNAUTHORIZED
    // (endpoints/v2/errors.py) with the credential check's words.
    badCredentials: (res) => errors(res, 401, 'UNAUTHORIZED', 'Invalid Username or Password'),
    // A private repository asked anonymously, or with an account without read: 401 UNAUTHORIZED
    // "access to the requested resource is not authorized" (hpe-storage/csi-driver#288,
    // sgreben/yeetgif#3, jgsqware/clairctl#62: the message docker prints for quay.io).
    refuse: (req, res, { challenge }) => {
      const headers = { 'www-authenticate': challenge, 'docker-distribution-api-version': 'registry/2.0' };
      bodyless(req, res, 401, headers, () => errors(res, 401, 'UNAUTHORIZED', 'access to the requested resource is not authorized', headers));
    },
  });
}
