// Google Artifact Registry (<region>-docker.pkg.dev): token endpoint /v2/token on the registry's
// host; `oauth2accesstoken` or `_json_key` as the user name; refusals are 403 DENIED naming the
// IAM permission, "(or it may not exist)".
import type { HostileServer } from '../hostile-server.js';
import { startBearerDialect } from './bearer-dialect.js';
import { bodyless, errors, type Policy } from './front.js';

const resource = (repo: string) => `projects/${repo.split('/')[0]}/locations/us/repositories/${repo.split('/')[1] ?? repo}`;

export function startArtifactRegistryLike(target: string, policy: Policy): Promise<HostileServer> {
  return startBearerDialect(target, policy, {
    // `GET https://REGION-docker.pkg.dev/v2/token?scope=repository:…:pull&service=REGION-docker.pkg.dev`
    // (GoogleContainerTools/skaffold#6743, GoogleCloudPlatform/gcr-cleaner#76).
    realmPath: '/v2/token',
    service: (host) => host,
    tokenBody: (token) => ({ token, access_token: token, expires_in: 3600 }),
    // An invalid access token: 401 (its words are not documented; these are this stand-in's).
    badCredentials: (res) => errors(res, 401, 'UNAUTHORIZED', 'failed authentication'),
    // Valid credentials without the permission: the token endpoint itself answers 403 DENIED
    // `Permission "artifactregistry.repositories.downloadArtifacts" denied on resource "projects/…/repositories/…" (or it may not exist)`
    // (the same two issues: the token GET fails with it).
    tokenRefusal: (res, user, repos, authority) => {
      const denied = user !== undefined ? repos.find((repo) => !authority.mayPull(user, repo)) : undefined;
      if (denied === undefined) return false;
      errors(res, 403, 'DENIED', `Permission "artifactregistry.repositories.downloadArtifacts" denied on resource "${resource(denied)}" (or it may not exist)`);
      return true;
    },
    // Anonymous on a private repository: 403 DENIED `Unauthenticated requests do not have permission
    // "artifactregistry.repositories.downloadArtifacts" on resource …` (google/fuzzbench#1981), and a
    // HEAD's 403 has no body (terraform-google-kubernetes-engine#1779 shows docker's HEAD then "denied").
    refuse: (req, res, { challenge, repo, tokenPresented }) => {
      if (!tokenPresented) {
        const headers = { 'www-authenticate': challenge, 'docker-distribution-api-version': 'registry/2.0' };
        return bodyless(req, res, 401, headers, () => errors(res, 401, 'UNAUTHORIZED', 'authentication required', headers));
      }
      const headers = { 'docker-distribution-api-version': 'registry/2.0' };
      bodyless(req, res, 403, headers, () => errors(res, 403, 'DENIED', `Unauthenticated requests do not have permission "artifactregistry.repositories.downloadArtifacts" on resource "${resource(repo)}" (or it may not exist)`, headers));
    },
  });
}
