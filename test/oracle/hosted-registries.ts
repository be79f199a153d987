// The hosted registries' dialect servers of the differential suite (test/support/dialects), each
// in front of distribution 2.8 with the accounts and public repositories its rows pull with. The
// node pulls through the very same servers, so containerd's outcome is the truth for each answer.
import { startHeadNotAllowed } from '../support/dialect-servers.js';
import { startAcrLike } from '../support/dialects/acr.js';
import { startArtifactRegistryLike } from '../support/dialects/artifact-registry.js';
import { DOCKER_HUB_GET_LIMITED, DOCKER_HUB_LIMITED, startDockerHubLike } from '../support/dialects/docker-hub.js';
import { startEcrLike } from '../support/dialects/ecr.js';
import type { Policy } from '../support/dialects/front.js';
import { startGhcrLike } from '../support/dialects/ghcr.js';
import { startGitHubPackagesLike } from '../support/dialects/github-packages.js';
import { GITLAB_FORBIDDEN, startGitLabLike } from '../support/dialects/gitlab.js';
import { startHarborLike } from '../support/dialects/harbor.js';
import { startHeadForbidden } from '../support/dialects/head-refused.js';
import { startNexusLike } from '../support/dialects/nexus.js';
import { startQuayLike } from '../support/dialects/quay.js';
import type { HostileServer } from '../support/hostile-server.js';

export const HOSTED_NAMES = ['hub', 'hubLimited', 'hubGetLimited', 'ghcr', 'quay', 'ecr', 'gar', 'acr', 'harbor', 'gitlab', 'nexus', 'nexus400', 'githubPackages', 'head405', 'head403'] as const;
export type HostedName = (typeof HOSTED_NAMES)[number];
export type Hosted = Record<HostedName, HostileServer>;

/** The accounts of each dialect: user → password, and what it may pull. */
export const HOSTED_ACCOUNTS = {
  hub: { hubuser: { password: 'hub-password', pull: ['hubuser/*'] } },
  ghcr: { ghuser: { password: 'ghp_0123456789abcdefghijklmnopqrstuvwxyz', pull: ['ghuser/*'] } },
  quay: { 'org+puller': { password: 'ROBOTTOKEN0123456789', pull: ['org/*'] }, $token: { password: 'repository-access-token', pull: ['org/app-token'] } },
  ecr: { AWS: { password: 'eyJwYXlsb2FkIjoidmFsaWQifQ==', pull: [] }, expired: { password: 'eyJwYXlsb2FkIjoiZXhwaXJlZCJ9', pull: [] } },
  gar: { oauth2accesstoken: { password: 'ya29.a0AfH6SMB-access-token', pull: ['proj/docker/*'] } },
  acr: { acradmin: { password: 'acr-admin-password', pull: ['team/*'] }, 'scoped-token': { password: 'scoped-password', pull: ['team/app-scoped'] } },
  harbor: { 'robot$shop+puller': { password: 'robot-secret', pull: ['shop/*'] }, 'robot$shop+pusher': { password: 'pusher-secret', pull: [] } },
  gitlab: { 'gitlab+deploy-token-1': { password: 'gldt-deploy-token', pull: ['group/project/*'] }, [GITLAB_FORBIDDEN]: { password: 'valid-password', pull: [] } },
  nexus: { nexususer: { password: 'nexus-password', pull: ['team/*'] } },
  githubPackages: { octocat: { password: 'ghp_packages_token', pull: ['octocat/*'] } },
} satisfies Partial<Record<HostedName, Policy['accounts']>>;

const policy = (accounts: Policy['accounts'], anonymousPull: string[] = []): Policy => ({ accounts, anonymousPull });

export async function startHosted(target: string): Promise<Hosted> {
  const servers: Partial<Hosted> = {};
  const starts: Record<HostedName, () => Promise<HostileServer>> = {
    hub: () => startDockerHubLike(target, policy(HOSTED_ACCOUNTS.hub, ['library/*'])),
    // Hosts of their own: the exporter pauses every check of a host for its Retry-After.
    hubLimited: () => startDockerHubLike(target, policy(HOSTED_ACCOUNTS.hub, [DOCKER_HUB_LIMITED])),
    hubGetLimited: () => startDockerHubLike(target, policy(HOSTED_ACCOUNTS.hub, [DOCKER_HUB_GET_LIMITED])),
    ghcr: () => startGhcrLike(target, policy(HOSTED_ACCOUNTS.ghcr, ['ghpublic/*'])),
    quay: () => startQuayLike(target, policy(HOSTED_ACCOUNTS.quay, ['quaypublic/*'])),
    ecr: () => startEcrLike(target, { valid: [HOSTED_ACCOUNTS.ecr.AWS.password], expired: [HOSTED_ACCOUNTS.ecr.expired.password] }),
    gar: () => startArtifactRegistryLike(target, policy(HOSTED_ACCOUNTS.gar, ['public-proj/docker/*'])),
    acr: () => startAcrLike(target, policy(HOSTED_ACCOUNTS.acr)),
    harbor: () => startHarborLike(target, policy(HOSTED_ACCOUNTS.harbor, ['library/*'])),
    gitlab: () => startGitLabLike(target, policy(HOSTED_ACCOUNTS.gitlab, ['group/public/*'])),
    nexus: () => startNexusLike(target, policy(HOSTED_ACCOUNTS.nexus)),
    // A connector of its own: a host answers every anonymous request alike.
    nexus400: () => startNexusLike(target, policy(HOSTED_ACCOUNTS.nexus), { anonymous400: true }),
    githubPackages: () => startGitHubPackagesLike(target, policy(HOSTED_ACCOUNTS.githubPackages)),
    head405: () => startHeadNotAllowed(target),
    head403: () => startHeadForbidden(target),
  };
  try {
    for (const name of HOSTED_NAMES) servers[name] = await starts[name]();
    return servers as Hosted;
  } catch (error) {
    for (const server of Object.values(servers)) await server.stop();
    throw error;
  }
}
