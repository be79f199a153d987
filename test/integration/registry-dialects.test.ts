// Registries that answer differently, checked as containerd (the oracle) would pull from them:
// the real distribution registry and token server where they can play the answer, stand-ins
// (test/support/dialect-servers.ts, each answer cited there) where only another product gives it.
import { RegistryClient } from '../../src/registry/client.js';
import type { Credential } from '../../src/registry/credentials/credentials.js';
import { parseReference } from '../../src/registry/references/reference.js';
import type { Exchange } from '../../src/registry/transport/transport.js';
import { startEcrExpired, startGiteaLike, startHeadNotAllowed } from '../support/dialect-servers.js';
import type { HostileServer } from '../support/hostile-server.js';
import { startRegistry, type RegistryOptions, type TestRegistry } from '../support/registry.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function clientFor(host: string) {
  const exchanges: Exchange[] = [];
  const client = new RegistryClient({
    requestTimeoutMs: 5000,
    caFiles: [],
    insecureSkipVerifyHosts: [],
    plainHttpHosts: [host],
    connectionsPerOrigin: 2,
    userAgent: 'iae-test',
    onExchange: (exchange) => exchanges.push(exchange),
  });
  return { client, exchanges };
}

const cred = (username: string, password: string): Credential => ({ username, password, source: `secret test/${username}` });
const image = (host: string, path: string) => parseReference(`${host}/${path}`);

describe('a registry that answers 405 to HEAD on manifests (distribution before 2.3)', () => {
  let registry: TestRegistry;
  let front: HostileServer;
  let digest: string;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'none' });
    digest = await registry.pushImage('team/app', 'v1');
    front = await startHeadNotAllowed(registry.host);
  });
  afterAll(async () => {
    await front.stop();
    await registry.stop();
  });

  test('present tag → available with its digest, missing tag → absent, as containerd retries the HEAD as GET', async () => {
    const { client } = clientFor(front.host);
    expect(await client.check(image(front.host, 'team/app:v1'), [])).toMatchObject({ status: 'available', digest });
    expect((await client.check(image(front.host, 'team/app:v2'), [])).status).toBe('absent');
    await client.close();
  });

  test('steady state: one GET per check once the host refused HEAD', async () => {
    const { client, exchanges } = clientFor(front.host);
    await client.check(image(front.host, 'team/app:v1'), []);
    exchanges.length = 0;
    front.requests.length = 0;
    for (let i = 0; i < 10; i++) expect((await client.check(image(front.host, 'team/app:v1'), [])).status).toBe('available');
    expect(exchanges).toHaveLength(10);
    expect(new Set(front.requests.map((request) => request.method))).toEqual(new Set(['GET']));
    await client.close();
  });
});

describe('token requests as containerd makes them (POST with credentials, GET on 400/401/404/405)', () => {
  const started: TestRegistry[] = [];
  const tokenRegistry = async (extra: RegistryOptions = {}) => {
    const registry = await startRegistry({ auth: 'token', users: { alice: 'wonderland', carol: 'carols-pw' }, grants: { alice: ['team/*'], carol: ['team/*'] }, anonymousGrants: ['team/public'], ...extra });
    started.push(registry);
    await registry.pushImage('team/app', 'v1');
    await registry.pushImage('team/public', 'v1');
    return registry;
  };
  afterAll(async () => {
    for (const registry of started) await registry.stop();
  });

  test('with credentials the token is asked for by POST (OAuth2 password grant); anonymously by GET', async () => {
    const registry = await tokenRegistry();
    const { client } = clientFor(registry.host);
    expect((await client.check(image(registry.host, 'team/app:v1'), [cred('alice', 'wonderland')])).status).toBe('available');
    expect((await client.check(image(registry.host, 'team/public:v1'), [])).status).toBe('available');
    expect(registry.tokenRequests().map((request) => `${request.method} ${request.account ?? 'anonymous'} ${request.status}`)).toEqual(['POST alice 200', 'GET anonymous 200']);
    await client.close();
  });

  test('a token server that answers POST with 405 → GET with Basic auth → available', async () => {
    const registry = await tokenRegistry({ tokenPost: 'not-allowed' });
    const { client, exchanges } = clientFor(registry.host);
    expect((await client.check(image(registry.host, 'team/app:v1'), [cred('alice', 'wonderland')])).status).toBe('available');
    expect(exchanges.filter((exchange) => exchange.phase === 'token').map((exchange) => exchange.outcome)).toEqual(['405', '200']);
    expect(registry.tokenRequests().map((request) => `${request.method} ${request.account}`)).toEqual(['GET alice']);
    await client.close();
  });

  test('a token server that answers POST with 403 (Harbor 1.8.5–1.9.3) fails the pull, as containerd does not fall back on 403', async () => {
    const registry = await tokenRegistry({ tokenPost: 'forbidden' });
    const { client } = clientFor(registry.host);
    const result = await client.check(image(registry.host, 'team/app:v1'), [cred('alice', 'wonderland')]);
    expect(result).toMatchObject({ status: 'authorization_failure', failure: 'token-forbidden' });
    expect(result.message).toMatch(/^token server http:\/\/127\.0\.0\.1:\d+ refused the POST token request containerd makes for repository:team\/app:pull to the credentials from secret test\/alice \(403\): /);
    expect(registry.tokenRequests()).toEqual([]);
    await client.close();
  });

  test('a POST reply without access_token fails the pull (containerd: ErrNoToken) → unknown_error, not available', async () => {
    const registry = await tokenRegistry({ tokenPost: 'token-field' });
    const { client } = clientFor(registry.host);
    const result = await client.check(image(registry.host, 'team/app:v1'), [cred('alice', 'wonderland')]);
    expect(result).toMatchObject({ status: 'unknown_error', failure: 'protocol' });
    expect(result.message).toContain("answered containerd's POST token request without an access_token");
    await client.close();
  });

  test('a token server that forbids an account (403, GitLab for an account without registry access) → authorization_failure, not "update the secret"', async () => {
    const registry = await tokenRegistry({ tokenForbidden: ['carol'] });
    const { client } = clientFor(registry.host);
    const result = await client.check(image(registry.host, 'team/app:v1'), [cred('carol', 'carols-pw')]);
    expect(result).toMatchObject({ status: 'authorization_failure', failure: 'token-forbidden' });
    expect(result.message).not.toContain('update the secret');
    await client.close();
  });
});

describe('credentials the registry accepts but refuses for a repository, and expired ones', () => {
  test('Gitea: a token issued to the credentials, then 401 Basic for a repository the account may not read → authorization_failure', async () => {
    const gitea = await startGiteaLike({ alice: { password: 'wonderland', token: 'alice-token', repositories: ['alice/app'] } }, DIGEST);
    const { client } = clientFor(gitea.host);
    try {
      const refused = await client.check(image(gitea.host, 'bob/private:v1'), [cred('alice', 'wonderland')]);
      expect(refused).toMatchObject({ status: 'authorization_failure', failure: 'pull-denied' });
      expect(refused.message).toContain(`${gitea.host} refused bob/private to the credentials from secret test/alice, which its token server accepted (401)`);
      expect(refused.message).toContain('the account may not pull this repository, or it does not exist');
      const wrong = await clientFor(gitea.host).client.check(image(gitea.host, 'alice/app:v1'), [cred('alice', 'nope')]);
      expect(wrong).toMatchObject({ status: 'authentication_failure', failure: 'credentials-refused' });
    } finally {
      await client.close();
      await gitea.stop();
    }
  });

  test('ECR: an expired authorization token (403, said only in the GET body) → authentication_failure worded as expired', async () => {
    const ecr = await startEcrExpired();
    const { client } = clientFor(ecr.host);
    try {
      const result = await client.check(image(ecr.host, 'team/app:v1'), [cred('AWS', 'expired-token')]);
      expect(result).toMatchObject({ status: 'authentication_failure', failure: 'credentials-expired' });
      expect(result.message).toContain('refused the credentials from secret test/AWS as expired (403, Your authorization token has expired. Reauthenticate and try again.)');
      expect(ecr.requests.filter((request) => request.url.includes('/manifests/')).map((request) => request.method)).toEqual(['HEAD', 'HEAD', 'GET']);
    } finally {
      await client.close();
      await ecr.stop();
    }
  });
});

describe('a repository refused to access that pulls other repositories of the registry (Docker Hub, Quay, GHCR, Harbor: no such name)', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    // As Docker Hub: anonymous tokens grant pull on existing public repositories only.
    registry = await startRegistry({ auth: 'token', users: { alice: 'wonderland', bob: 'builder' }, grants: { alice: ['team/app'], bob: ['other/*'] }, anonymousGrants: ['library/app'] });
    await registry.pushImage('library/app', 'v1');
    await registry.pushImage('team/app', 'v1');
    await registry.pushImage('other/app', 'v1');
  });
  afterAll(() => registry.stop());

  test('anonymously: a misspelt name is private-or-absent until an anonymous pull from the registry works, then absent', async () => {
    const { client } = clientFor(registry.host);
    expect(await client.check(image(registry.host, 'library/ap:v1'), [])).toMatchObject({ status: 'authentication_failure', failure: 'private-or-absent' });
    expect((await client.check(image(registry.host, 'library/app:v1'), [])).status).toBe('available');
    const typo = await client.check(image(registry.host, 'library/ap:v1'), []);
    expect(typo).toMatchObject({ status: 'absent', failure: 'absent-or-private' });
    expect(typo.message).toContain(`${registry.host} refuses library/ap anonymously though it lets the same access pull other repositories`);
    await client.close();
  });

  test('with credentials that pull team/app: team/ap → absent', async () => {
    const { client } = clientFor(registry.host);
    expect((await client.check(image(registry.host, 'team/app:v1'), [cred('alice', 'wonderland')])).status).toBe('available');
    expect(await client.check(image(registry.host, 'team/ap:v1'), [cred('alice', 'wonderland')])).toMatchObject({ status: 'absent', failure: 'absent-or-private' });
    await client.close();
  });

  test('every secret refused: the refusal that says most is reported (accepted without pull rights, not "update the secret")', async () => {
    const { client } = clientFor(registry.host);
    const result = await client.check(image(registry.host, 'other/app:v1'), [cred('alice', 'wonderland'), cred('alice', 'not-the-password')]);
    expect(result).toMatchObject({ status: 'authorization_failure', failure: 'pull-denied' });
    await client.close();
  });

  test('the kubelet tries the next secret after a refusal: a proven account refused, the next one pulls → available', async () => {
    const { client } = clientFor(registry.host);
    expect((await client.check(image(registry.host, 'other/app:v1'), [cred('bob', 'builder')])).status).toBe('available');
    expect((await client.check(image(registry.host, 'team/app:v1'), [cred('bob', 'builder'), cred('alice', 'wonderland')])).status).toBe('available');
    await client.close();
  });
});

describe('a pull-through cache (distribution in proxy mode)', () => {
  test('upstream down: a cached tag stays available; one it never cached is registry_unavailable, worded as the upstream unreachable (404 alone reads as a missing tag)', async () => {
    const upstream = await startRegistry({ auth: 'none' });
    let cache: TestRegistry | undefined;
    let viaCache: RegistryClient | undefined;
    try {
      await upstream.pushImage('library/app', 'cached');
      await upstream.pushImage('library/app', 'uncached');
      cache = await startRegistry({ auth: 'none', proxyOf: upstream.url });
      const at = (tag: string) => image(cache!.host, `library/app:${tag}`);
      viaCache = clientFor(cache.host).client;
      expect((await viaCache.check(at('cached'), [])).status).toBe('available');
      // Upstream up: a tag missing there is absent (its answers are remembered a minute, so another client asks).
      const beforeOutage = clientFor(cache.host).client;
      expect(await beforeOutage.check(at('missing'), [])).toMatchObject({ status: 'absent', failure: 'tag-absent' });
      await beforeOutage.close();
      await upstream.pause();
      expect((await viaCache.check(at('cached'), [])).status).toBe('available');
      const uncached = await viaCache.check(at('uncached'), []);
      expect(uncached).toMatchObject({ status: 'registry_unavailable', failure: 'cache-upstream-unreachable' });
      expect(uncached.message).toContain(`${cache.host} has not cached library/app:uncached and, as a pull-through cache, cannot reach its upstream ${upstream.url} to ask (404)`);
    } finally {
      await viaCache?.close();
      await cache?.stop();
      await upstream.stop();
    }
  });
});
