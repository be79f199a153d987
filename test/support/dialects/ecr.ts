// Amazon ECR (<account>.dkr.ecr.<region>.amazonaws.com): Basic auth on every request, the user
// `AWS` and a 12-hour authorization token (GetAuthorizationToken) as the password; no token server.
import type { HostileServer } from '../hostile-server.js';
import { basicCredentials, bodyless, errors, forward, route, startFront } from './front.js';

export type EcrTokens = { valid: string[]; expired: string[] };

export function startEcrLike(target: string, tokens: EcrTokens): Promise<HostileServer> {
  return startFront((req, res, host) => {
    const where = route(req.url);
    if (where.kind === 'other') return forward(target, req, res);
    const credentials = basicCredentials(req.headers.authorization);
    // `Authorization: Basic base64(AWS:<token>)` (docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html,
    // dotnet/Docker.DotNet#488: "setting the Authorization header to Basic token" works).
    if (credentials?.user === 'AWS' && tokens.valid.includes(credentials.password)) return forward(target, req, res);
    // An expired token: 403 DENIED "Your authorization token has expired. Reauthenticate and try
    // again." (aws/aws-cli#6580, awslabs/amazon-ecr-credential-helper#118), its words in the GET's body only.
    if (credentials?.user === 'AWS' && tokens.expired.includes(credentials.password)) {
      const headers = { 'docker-distribution-api-version': 'registry/2.0' };
      return bodyless(req, res, 403, headers, () => errors(res, 403, 'DENIED', 'Your authorization token has expired. Reauthenticate and try again.', headers));
    }
    // No or unknown credentials: 401 `Basic realm="https://<host>/",service="ecr.amazonaws.com"` and
    // UNAUTHORIZED "Not Authorized" (as test/support/dialect-servers.ts startEcrExpired, cited there).
    const headers = { 'www-authenticate': `Basic realm="https://${host}/",service="ecr.amazonaws.com"`, 'docker-distribution-api-version': 'registry/2.0' };
    bodyless(req, res, 401, headers, () => errors(res, 401, 'UNAUTHORIZED', 'Not Authorized', headers));
  });
}
