// The access rows of Gitea's registry (test/support/gitea-registry.ts), which only a registry with
// its own users shows: public and private owners (a user, a private and a limited organization),
// anonymous pulls (the ghost user's token), wrong passwords, users without rights, personal access
// tokens with and without the package scope, a user who may not sign in, owners that do not exist.
// Gitea's content rows are the table of scenarios-content.ts, under the public owners ref and man.
import { pushImage } from '../support/image-push.js';
import type { GiteaUser } from '../support/gitea-registry.js';
import type { Bed } from './bed.js';
import { dockerConfigJson, type PodSetup, type Scenario, type SecretSpec } from './scenario-types.js';

type Pull = Pick<PodSetup, 'secrets' | 'pullSecrets'>;

/** Pushes repo:v1 (through the harness's own token) and returns the reference. */
async function pushed(bed: Bed, repo: string): Promise<string> {
  await pushImage(bed.gitea.pushTarget, repo, 'v1');
  return `${bed.gitea.host}/${repo}:v1`;
}

const secretOf = (bed: Bed, name: string, user: string, password: string): SecretSpec => dockerConfigJson(name, { [bed.gitea.host]: { user, password } });
const as = (bed: Bed, user: GiteaUser, password = bed.gitea.password(user)): Pull => ({ secrets: [secretOf(bed, 's', user, password)], pullSecrets: ['s'] });

/** A row pulling `repo` (pushed unless `push` is false) with the pull secrets `pull` gives. */
function row(id: string, kubelet: Scenario['kubelet'], what: string, repo: string, pull: (bed: Bed) => Pull = () => ({}), opts: { push?: boolean; tag?: string } = {}): Scenario {
  return {
    id,
    category: 'auth',
    what,
    kubelet,
    on: 'gitea',
    setup: async (bed) => {
      const image = opts.push === false ? `${bed.gitea.host}/${repo}:v1` : await pushed(bed, repo);
      return { image: opts.tag ? image.replace(/:v1$/, `:${opts.tag}`) : image, ...pull(bed) };
    },
  };
}

export const giteaScenarios: Scenario[] = [
  row('gitea-public-other-user', 'pulled', "a public user's image with another user's right password", 'ref/other-user', (bed) => as(bed, 'outsider')),
  row('gitea-public-wrong-password', 'not pulled', "a public user's image with a wrong password (the token endpoint refuses it; no anonymous fallback)", 'ref/wrong-password', (bed) => as(bed, 'outsider', 'not-the-password')),
  row('gitea-public-locked-user', 'not pulled', "a public user's image with the right password of a user who may not sign in", 'ref/locked-user', (bed) => as(bed, 'locked')),
  row('gitea-private-owner', 'pulled', "a private user's image with the owner's password", 'hidden/owner', (bed) => as(bed, 'hidden')),
  row('gitea-private-anonymous', 'not pulled', "a private user's image without a secret (the ghost user's token may not read it)", 'hidden/anonymous'),
  row('gitea-private-wrong-password', 'not pulled', "a private user's image with a wrong password", 'hidden/wrong-password', (bed) => as(bed, 'hidden', 'not-the-password')),
  row('gitea-private-outsider', 'not pulled', "a private user's image with the right password of a user without rights on it", 'hidden/outsider', (bed) => as(bed, 'outsider')),
  row('gitea-private-wrong-then-right', 'pulled', "a private user's image with a wrong password, then the owner's", 'hidden/wrong-then-right', (bed) => ({
    secrets: [secretOf(bed, 'a', 'hidden', 'not-the-password'), secretOf(bed, 'b', 'hidden', bed.gitea.password('hidden'))],
    pullSecrets: ['a', 'b'],
  })),
  row('gitea-private-missing-tag', 'not pulled', "a private user's image, the owner's password, a tag never pushed", 'hidden/missing-tag', (bed) => as(bed, 'hidden'), { tag: 'v2' }),
  row('gitea-private-missing-image', 'not pulled', "a private user's image never pushed, the owner's password", 'hidden/never-pushed', (bed) => as(bed, 'hidden'), { push: false }),
  row('gitea-private-missing-anonymous', 'not pulled', "a private user's image never pushed, without a secret", 'hidden/never-pushed-anonymous', () => ({}), { push: false }),
  row('gitea-package-token', 'pulled', "a private user's image with the owner's personal access token (read:package) as the password", 'hidden/package-token', (bed) => as(bed, 'hidden', bed.gitea.tokens.readPackage)),
  row('gitea-user-scope-token', 'not pulled', "a private user's image with a personal access token of the owner without the package scope (read:user)", 'hidden/user-scope-token', (bed) => as(bed, 'hidden', bed.gitea.tokens.readUserOnly)),
  row('gitea-token-as-username', 'not pulled', "a private user's image with the owner's package token as the user name and no password (Gitea takes it; containerd sends no credentials without a password)", 'hidden/token-as-username', (bed) => ({
    secrets: [secretOf(bed, 's', bed.gitea.tokens.readPackage, '')],
    pullSecrets: ['s'],
  })),
  row('gitea-org-private-member', 'pulled', "a private organization's image with a member's password", 'inner/member', (bed) => as(bed, 'insider')),
  row('gitea-org-private-outsider', 'not pulled', "a private organization's image with the password of a user who is not a member", 'inner/outsider', (bed) => as(bed, 'outsider')),
  row('gitea-org-private-anonymous', 'not pulled', "a private organization's image without a secret", 'inner/anonymous'),
  row('gitea-org-limited-signed-in', 'pulled', "a limited organization's image with any signed-in user's password", 'members/signed-in', (bed) => as(bed, 'outsider')),
  row('gitea-org-limited-anonymous', 'not pulled', "a limited organization's image without a secret", 'members/anonymous'),
  row('gitea-org-limited-restricted', 'not pulled', "a limited organization's image with a restricted user's password (limited owners are hidden from restricted users)", 'members/restricted', (bed) => as(bed, 'restricted')),
  row('gitea-missing-owner', 'not pulled', 'an owner that does not exist, without a secret', 'nobody/app', () => ({}), { push: false }),
  row('gitea-missing-owner-secret', 'not pulled', "an owner that does not exist, with a user's right password", 'nobody/app-secret', (bed) => as(bed, 'outsider'), { push: false }),
];
