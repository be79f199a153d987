// The exporter's registry client against Gitea's container registry (test/support/gitea-registry.ts),
// where the oracle suite found it differing from containerd: Gitea takes a personal access token
// as the user name with no password (services/auth/basic.go), which containerd never sends.
import { RegistryClient } from '../../src/registry/client.js';
import type { Credential } from '../../src/registry/credentials/credentials.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { pushImage } from '../support/image-push.js';
import { startGitea, type GiteaRegistry } from '../support/gitea-registry.js';

let gitea: GiteaRegistry;

beforeAll(async () => {
  gitea = await startGitea();
  for (const repo of ['ref/app', 'hidden/app', 'hidden/other']) await pushImage(gitea.pushTarget, repo, 'v1');
}, 120_000);

afterAll(async () => {
  await gitea?.stop();
});

const newClient = () => new RegistryClient({ requestTimeoutMs: 20_000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [gitea.host], connectionsPerOrigin: 2, userAgent: 'iae-test' });
const image = (path: string) => parseReference(`${gitea.host}/${path}`);

test('a token as the user name with no password is not sent, as containerd does not: a private image is refused, on a first check and once the host asked for Basic auth', async () => {
  const client = newClient();
  try {
    const tokenAsUser: Credential = { username: gitea.tokens.readPackage, password: '', source: 'secret team/gitea' };
    const first = await client.check(image('hidden/app:v1'), [tokenAsUser]);
    expect(first).toMatchObject({ status: 'authentication_failure', failure: 'credentials-missing' });
    expect(first.message).toContain('the pull secret that matches it (secret team/gitea) has a user name but no password, and containerd sends no credentials without one');
    // An anonymous check of a private image: Gitea answers its token with `Basic realm="Gitea Package API"`, which the client remembers for the host.
    expect((await client.check(image('hidden/other:v1'), [])).status).toBe('authentication_failure');
    expect((await client.check(image('hidden/app:v1'), [tokenAsUser])).status).toBe('authentication_failure');
    // Anonymous as containerd: a public owner's image is pulled with the ghost user's token.
    expect((await client.check(image('ref/app:v1'), [tokenAsUser])).status).toBe('available');
    // The same token as the password is sent and pulls.
    expect((await client.check(image('hidden/app:v1'), [{ username: 'hidden', password: gitea.tokens.readPackage, source: 'secret team/gitea' }])).status).toBe('available');
  } finally {
    await client.close();
  }
});
