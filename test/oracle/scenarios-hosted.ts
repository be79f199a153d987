// The hosted registries' rows of the differential suite: each pulls through a dialect server
// (hosted-registries.ts, every answer cited in test/support/dialects) in front of distribution 2.8,
// with the pod's pull secret in the product's own account forms (robot$, $token, AWS, oauth2accesstoken).
import { pushImage } from '../support/image-push.js';
import type { Bed } from './bed.js';
import { HOSTED_ACCOUNTS, type HostedName } from './hosted-registries.js';
import { dockerConfigJson, type Scenario } from './scenario-types.js';

type Login = { user: string; password: string };

function account<N extends keyof typeof HOSTED_ACCOUNTS>(dialect: N, user: keyof (typeof HOSTED_ACCOUNTS)[N] & string): Login {
  const accounts = HOSTED_ACCOUNTS[dialect] as Record<string, { password: string }>;
  return { user, password: accounts[user].password };
}

/**
 * A pod pulling `repo:v1` from a dialect server, with a pull secret for it when `login` is given.
 * `pushed: false` leaves the repository empty (a missing repository).
 */
function hosted(id: string, kubelet: Scenario['kubelet'], what: string, dialect: HostedName, repo: string, login?: Login, pushed = true): Scenario {
  return {
    id,
    category: 'auth',
    what,
    kubelet,
    on: 'distribution-2.8',
    setup: async (bed: Bed) => {
      if (pushed) await pushImage(bed.content['distribution-2.8'].push, repo, 'v1');
      const host = bed.hosted[dialect].host;
      return { image: `${host}/${repo}:v1`, ...(login && { secrets: [dockerConfigJson('s', { [host]: login })], pullSecrets: ['s'] }) };
    },
  };
}

const wrong = (login: Login): Login => ({ user: login.user, password: 'not-the-password' });

export const hostedScenarios: Scenario[] = [
  hosted('hub-anonymous-public', 'pulled', 'Docker Hub: an anonymous token for a public repository', 'hub', 'library/app'),
  hosted('hub-anonymous-private', 'not pulled', 'Docker Hub: a private repository with an anonymous token (401 insufficient_scope)', 'hub', 'hubuser/private'),
  hosted('hub-missing-repo', 'not pulled', 'Docker Hub: a repository that does not exist (the same 401 as a private one)', 'hub', 'hubghost/app', undefined, false),
  hosted('hub-user-private', 'pulled', "Docker Hub: a private repository with its owner's token", 'hub', 'hubuser/private-mine', account('hub', 'hubuser')),
  hosted('hub-wrong-password', 'not pulled', 'Docker Hub: a wrong password at auth.docker.io (401 "incorrect username or password")', 'hub', 'hubuser/private-wrong', wrong(account('hub', 'hubuser'))),
  hosted('hub-rate-limited', 'not pulled', 'Docker Hub: 429 TOOMANYREQUESTS with ratelimit-limit, ratelimit-remaining: 0 and Retry-After', 'hubLimited', 'ratelimited/app'),
  hosted('hub-rate-limited-get', 'not pulled', "Docker Hub: HEAD answers 200 (it does not count as a pull), the manifest's GET 429", 'hubGetLimited', 'ratelimit-get/app'),
  hosted('ghcr-anonymous-public', 'pulled', 'GHCR: the anonymous token flow for a public package', 'ghcr', 'ghpublic/app'),
  hosted('ghcr-anonymous-private', 'not pulled', 'GHCR: a private package anonymously (401 UNAUTHORIZED "authentication required")', 'ghcr', 'ghuser/private'),
  hosted('ghcr-pat', 'pulled', 'GHCR: user and personal access token as Basic credentials to the token endpoint', 'ghcr', 'ghuser/private-pat', account('ghcr', 'ghuser')),
  hosted('quay-anonymous-public', 'pulled', 'Quay: a public repository anonymously (/v2/auth answers GET only)', 'quay', 'quaypublic/app'),
  hosted('quay-anonymous-private', 'not pulled', 'Quay: a private repository anonymously (401 "access to the requested resource is not authorized")', 'quay', 'org/private'),
  hosted('quay-robot', 'pulled', 'Quay: a robot account org+puller', 'quay', 'org/private-robot', account('quay', 'org+puller')),
  hosted('quay-token-user', 'pulled', 'Quay: a repository access token, user name $token', 'quay', 'org/app-token', account('quay', '$token')),
  hosted('ecr-token', 'pulled', 'ECR: Basic auth with AWS:<authorization token>', 'ecr', 'team/app', account('ecr', 'AWS')),
  hosted('ecr-no-secret', 'not pulled', 'ECR: no pull secret (401 Basic, "Not Authorized")', 'ecr', 'team/app-nosecret'),
  hosted('ecr-expired', 'not pulled', 'ECR: an expired authorization token (403 DENIED, its words in the GET body only)', 'ecr', 'team/app-expired', { user: 'AWS', password: HOSTED_ACCOUNTS.ecr.expired.password }),
  hosted('gar-access-token', 'pulled', 'Artifact Registry: oauth2accesstoken and an access token', 'gar', 'proj/docker/app', account('gar', 'oauth2accesstoken')),
  hosted('gar-denied', 'not pulled', 'Artifact Registry: valid credentials without downloadArtifacts (403 DENIED from the token endpoint)', 'gar', 'other/docker/app', account('gar', 'oauth2accesstoken')),
  hosted('gar-anonymous-private', 'not pulled', 'Artifact Registry: a private repository anonymously (403 DENIED "Unauthenticated requests do not have permission")', 'gar', 'proj/docker/private'),
  hosted('gar-anonymous-public', 'pulled', 'Artifact Registry: a public repository anonymously', 'gar', 'public-proj/docker/app'),
  hosted('acr-admin', 'pulled', "ACR: the admin user's Basic credentials to /oauth2/token (access_token only)", 'acr', 'team/app', account('acr', 'acradmin')),
  hosted('acr-no-secret', 'not pulled', 'ACR: no pull secret (401 "authentication required, visit https://aka.ms/acr/authorization")', 'acr', 'team/app-nosecret'),
  hosted('acr-scoped-token-other', 'not pulled', 'ACR: a repository-scoped token pulling another repository (401 insufficient_scope)', 'acr', 'team/app-other', account('acr', 'scoped-token')),
  hosted('harbor-robot', 'pulled', 'Harbor: robot$shop+puller with pull on the project', 'harbor', 'shop/app', account('harbor', 'robot$shop+puller')),
  hosted('harbor-robot-no-pull', 'not pulled', 'Harbor: a robot without pull rights (401 Basic realm="harbor", "unauthorized to access repository")', 'harbor', 'shop/app-nopull', account('harbor', 'robot$shop+pusher')),
  hosted('harbor-anonymous-public', 'pulled', 'Harbor: a public project anonymously (its HEAD without Authorization is 401 all the same)', 'harbor', 'library/app'),
  hosted('harbor-anonymous-private', 'not pulled', 'Harbor: a private project anonymously', 'harbor', 'shop/private'),
  hosted('harbor-missing-project', 'not pulled', 'Harbor: a project that does not exist (404 NOT_FOUND "project … not found")', 'harbor', 'ghostproject/app', account('harbor', 'robot$shop+puller'), false),
  hosted('gitlab-deploy-token', 'pulled', 'GitLab: a deploy token gitlab+deploy-token-1 via /jwt/auth', 'gitlab', 'group/project/app', account('gitlab', 'gitlab+deploy-token-1')),
  hosted('gitlab-no-access', 'not pulled', 'GitLab: a deploy token of another project (a token without access, 401 insufficient_scope)', 'gitlab', 'group/other/app', account('gitlab', 'gitlab+deploy-token-1')),
  hosted('gitlab-forbidden', 'not pulled', 'GitLab: an account without registry access (403 DENIED at /jwt/auth)', 'gitlab', 'group/project/forbidden', account('gitlab', 'no-registry-access')),
  hosted('nexus-basic-uppercase', 'pulled', 'Nexus: `BASIC realm="Sonatype Nexus Repository Manager"`, the scheme in capitals, with a secret', 'nexus', 'team/app', account('nexus', 'nexususer')),
  hosted('nexus-no-secret', 'not pulled', 'Nexus: the capitalised BASIC challenge without a secret', 'nexus', 'team/app-nosecret'),
  hosted('nexus-400', 'not pulled', 'Nexus: 400 "[ERROR-400] DOCKER Either Authorization header is missing or invalid" instead of a challenge', 'nexus400', 'team/app-400'),
  hosted('nexus-400-with-secret', 'not pulled', 'Nexus: the 400 without a challenge, with a right secret (containerd sends credentials only when challenged)', 'nexus400', 'team/app-400-secret', account('nexus', 'nexususer')),
  hosted('github-packages-404', 'not pulled', 'docker.pkg.github.com (2019): 401 on /v2/ only, 404 to an anonymous manifest request; the right secret is never asked for', 'githubPackages', 'octocat/repo/app', account('githubPackages', 'octocat')),
  hosted('head-405', 'pulled', 'HEAD of a manifest 405, GET works (distribution before 2.3)', 'head405', 'head/app'),
  hosted('head-403', 'not pulled', 'HEAD of a manifest 403, GET works (registry.centos.org)', 'head403', 'head/app-403'),
];
