// The registry client against the real CNCF distribution registry, in each auth mode.
import { RegistryClient, type RegistryClientOptions } from '../../src/registry/client.js';
import type { Credential } from '../../src/registry/credentials/credentials.js';
import { parseReference } from '../../src/registry/references/reference.js';
import type { Exchange } from '../../src/registry/transport/transport.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

function clientFor(registry: TestRegistry, overrides: Partial<RegistryClientOptions> = {}) {
  const exchanges: Exchange[] = [];
  const client = new RegistryClient({
    requestTimeoutMs: 5000,
    caFiles: [],
    insecureSkipVerifyHosts: [],
    plainHttpHosts: registry.url.startsWith('http:') ? [registry.host] : [],
    connectionsPerOrigin: 4,
    userAgent: 'iae-test',
    onExchange: (exchange) => exchanges.push(exchange),
    ...overrides,
  });
  return { client, exchanges };
}

const ref = (registry: TestRegistry, path: string) => parseReference(`${registry.host}/${path}`);
const cred = (username: string, password: string): Credential => ({ username, password, source: 'secret test/regcred' });

describe('registry without auth', () => {
  let registry: TestRegistry;
  let digest: string;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'none' });
    digest = await registry.pushImage('team/app', 'v1');
    await registry.pushIndex('team/multi', 'docker', { format: 'docker-list', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
    await registry.pushIndex('team/multi', 'oci', { format: 'oci-index', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    await registry.pushImage('team/ocionly', 'v1', { format: 'oci' });
  });
  afterAll(() => registry.stop());

  test('present tag → available, with the digest the registry serves', async () => {
    const { client } = clientFor(registry);
    const result = await client.check(ref(registry, 'team/app:v1'), []);
    expect(result).toMatchObject({ status: 'available', digest });
    await client.close();
  });

  test('present digest → available', async () => {
    const { client } = clientFor(registry);
    expect((await client.check(ref(registry, `team/app@${digest}`), [])).status).toBe('available');
    expect((await client.check(ref(registry, `team/app:ignored@${digest}`), [])).status).toBe('available');
    await client.close();
  });

  test('missing tag, missing digest and missing repository → absent', async () => {
    const { client } = clientFor(registry);
    expect((await client.check(ref(registry, 'team/app:v2'), [])).status).toBe('absent');
    expect((await client.check(ref(registry, `team/app@sha256:${'0'.repeat(64)}`), [])).status).toBe('absent');
    const missingRepo = await client.check(ref(registry, 'team/nothing:v1'), []);
    expect(missingRepo.status).toBe('absent');
    expect(missingRepo.message).toContain('404');
    await client.close();
  });

  test('Docker manifest list, OCI index and OCI manifest → available with their media types', async () => {
    const { client } = clientFor(registry);
    expect(await client.check(ref(registry, 'team/multi:docker'), [])).toMatchObject({ status: 'available', mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' });
    expect(await client.check(ref(registry, 'team/multi:oci'), [])).toMatchObject({ status: 'available', mediaType: 'application/vnd.oci.image.index.v1+json' });
    expect(await client.check(ref(registry, 'team/ocionly:v1'), [])).toMatchObject({ status: 'available', mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    await client.close();
  });

  test('registry down → registry_unavailable; back up → available', async () => {
    const { client } = clientFor(registry);
    await registry.pause();
    try {
      const down = await client.check(ref(registry, 'team/app:v1'), []);
      expect(down.status).toBe('registry_unavailable');
      expect(down.message).toMatch(/ECONNREFUSED/);
    } finally {
      await registry.resume();
    }
    expect((await client.check(ref(registry, 'team/app:v1'), [])).status).toBe('available');
    await client.close();
  });

  test('HTTPS is not silently downgraded: a plain-HTTP registry not listed → registry_unavailable', async () => {
    const { client } = clientFor(registry, { plainHttpHosts: [] });
    expect((await client.check(ref(registry, 'team/app:v1'), [])).status).toBe('registry_unavailable');
    await client.close();
  });

  test('steady state: one request per check', async () => {
    const { client, exchanges } = clientFor(registry);
    const images = Array.from({ length: 10 }, (_, i) => ref(registry, i % 2 ? 'team/app:v1' : `team/app:missing${i}`));
    for (const image of images) await client.check(image, []); // warm-up: learns the scheme
    exchanges.length = 0;
    for (let round = 0; round < 10; round++) for (const image of images) await client.check(image, []);
    expect(exchanges.length / 100).toBeLessThanOrEqual(1.05);
    await client.close();
  });
});

describe('registry with htpasswd basic auth', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd', users: { alice: 'wonderland' } });
    await registry.pushImage('team/app', 'v1');
  });
  afterAll(() => registry.stop());

  test('right credentials → available', async () => {
    const { client } = clientFor(registry);
    expect((await client.check(ref(registry, 'team/app:v1'), [cred('alice', 'wonderland')])).status).toBe('available');
    expect((await client.check(ref(registry, 'team/app:v9'), [cred('alice', 'wonderland')])).status).toBe('absent');
    await client.close();
  });

  test('wrong credentials → authentication_failure naming the secret, not the password', async () => {
    const { client } = clientFor(registry);
    const result = await client.check(ref(registry, 'team/app:v1'), [cred('alice', 'not-the-password')]);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toContain('secret test/regcred');
    expect(result.message).not.toContain('not-the-password');
    await client.close();
  });

  test('no credentials → authentication_failure', async () => {
    const { client } = clientFor(registry);
    const result = await client.check(ref(registry, 'team/app:v1'), []);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toContain('no pull secret matches');
    await client.close();
  });

  test('the first working credential wins, as the kubelet tries them in order', async () => {
    const { client } = clientFor(registry);
    expect((await client.check(ref(registry, 'team/app:v1'), [cred('alice', 'wrong'), cred('alice', 'wonderland')])).status).toBe('available');
    await client.close();
  });

  test('steady state: one request per check once Basic is learnt', async () => {
    const { client, exchanges } = clientFor(registry);
    const image = ref(registry, 'team/app:v1');
    await client.check(image, [cred('alice', 'wonderland')]);
    exchanges.length = 0;
    for (let i = 0; i < 50; i++) await client.check(image, [cred('alice', 'wonderland')]);
    expect(exchanges).toHaveLength(50);
    await client.close();
  });
});

describe('registry with TLS from a test CA', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'none', tls: true });
    await registry.pushImage('team/app', 'v1');
  });
  afterAll(() => registry.stop());

  test('trusted through the CA setting → available', async () => {
    const { client } = clientFor(registry, { caFiles: [registry.caFile!] });
    expect((await client.check(ref(registry, 'team/app:v1'), [])).status).toBe('available');
    await client.close();
  });

  test('untrusted → registry_unavailable with the TLS reason', async () => {
    const { client } = clientFor(registry);
    const result = await client.check(ref(registry, 'team/app:v1'), []);
    expect(result.status).toBe('registry_unavailable');
    expect(result.message).toMatch(/certificate|CERT|SELF_SIGNED|UNABLE_TO/);
    await client.close();
  });

  test('verification skipped for that host only → available', async () => {
    const { client } = clientFor(registry, { insecureSkipVerifyHosts: [registry.host] });
    expect((await client.check(ref(registry, 'team/app:v1'), [])).status).toBe('available');
    await client.close();
  });
});

describe('registry with token auth', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({
      auth: 'token',
      users: { alice: 'wonderland', bob: 'builder' },
      grants: { alice: ['team/*'], bob: ['other/*'] },
    });
    await registry.pushImage('team/app', 'v1');
    await registry.pushImage('team/lib', 'v1');
  });
  afterAll(() => registry.stop());

  test('right credentials → available; the token is fetched once and reused', async () => {
    const { client, exchanges } = clientFor(registry);
    registry.tokenRequests().length = 0;
    const before = registry.tokenRequests().length;
    const image = ref(registry, 'team/app:v1');
    for (let i = 0; i < 20; i++) expect((await client.check(image, [cred('alice', 'wonderland')])).status).toBe('available');
    expect(registry.tokenRequests().length - before).toBe(1);
    // first check: HTTPS refused (plain-HTTP test registry), challenge, token, HEAD; then one HEAD per check
    const sequence = exchanges.map((e) => `${e.phase}:${e.outcome}`);
    expect(sequence.slice(0, 4)).toEqual(['manifest:ERR_SSL_WRONG_VERSION_NUMBER', 'manifest:401', 'token:200', 'manifest:200']);
    // The manifest and its config are read once for the digest (whether containerd can unpack it).
    expect(sequence.slice(4)).toEqual(['index:200', 'blob:200', ...Array(19).fill('manifest:200')]);
    await client.close();
  });

  test('a new repository on a known registry skips the challenge round trip', async () => {
    const { client, exchanges } = clientFor(registry);
    await client.check(ref(registry, 'team/app:v1'), [cred('alice', 'wonderland')]);
    exchanges.length = 0;
    expect((await client.check(ref(registry, 'team/lib:v1'), [cred('alice', 'wonderland')])).status).toBe('available');
    expect(exchanges.map((e) => `${e.phase}:${e.outcome}`)).toEqual(['token:200', 'manifest:200', 'index:200', 'blob:200']);
    await client.close();
  });

  test('wrong password → authentication_failure from the token server', async () => {
    const { client } = clientFor(registry);
    const result = await client.check(ref(registry, 'team/app:v1'), [cred('alice', 'nope')]);
    expect(result.status).toBe('authentication_failure');
    expect(result.message).toMatch(/^token server http:\/\/127.0.0.1:\d+ refused the credentials from secret test\/regcred for repository:team\/app:pull \(401\): .*update the secret$/);
    await client.close();
  });

  test('credentials without pull access → authorization_failure', async () => {
    const { client } = clientFor(registry);
    const result = await client.check(ref(registry, 'team/app:v1'), [cred('bob', 'builder')]);
    expect(result.status).toBe('authorization_failure');
    await client.close();
  });

  test('anonymous on a private registry → authentication_failure', async () => {
    const { client } = clientFor(registry);
    expect((await client.check(ref(registry, 'team/app:v1'), [])).status).toBe('authentication_failure');
    await client.close();
  });

  test('missing tag with valid token → absent', async () => {
    const { client } = clientFor(registry);
    expect((await client.check(ref(registry, 'team/app:v404'), [cred('alice', 'wonderland')])).status).toBe('absent');
    await client.close();
  });
});

describe('token server variants', () => {
  test('access_token field and a short expires_in: the token is renewed after it expires', async () => {
    const registry = await startRegistry({ auth: 'token', users: { alice: 'w' }, grants: { alice: ['*'] }, tokenResponseField: 'access_token', tokenExpiresIn: 2 });
    try {
      await registry.pushImage('team/app', 'v1');
      const { client } = clientFor(registry);
      const image = ref(registry, 'team/app:v1');
      const before = registry.tokenRequests().length;
      expect((await client.check(image, [cred('alice', 'w')])).status).toBe('available');
      expect((await client.check(image, [cred('alice', 'w')])).status).toBe('available');
      expect(registry.tokenRequests().length - before).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await client.check(image, [cred('alice', 'w')])).status).toBe('available');
      expect(registry.tokenRequests().length - before).toBe(2);
      await client.close();
    } finally {
      await registry.stop();
    }
  });
});

describe('tokens that expire between checks', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const alice = [cred('alice', 'w')];

  async function tokenRegistry(extra: { tokenMaxScopes?: number } = {}) {
    const registry = await startRegistry({ auth: 'token', users: { alice: 'w' }, grants: { alice: ['team/*'] }, tokenExpiresIn: 1, ...extra });
    for (let i = 0; i < 5; i++) await registry.pushImage(`team/app${i}`, 'v1');
    await registry.pushImage('other/app', 'v1');
    return registry;
  }
  const teamImages = (registry: TestRegistry) => [0, 1, 2, 3, 4].map((i) => ref(registry, `team/app${i}:v1`));

  test('one token request carries the scopes of the other repositories due, and serves their checks', async () => {
    const registry = await tokenRegistry();
    const { client } = clientFor(registry);
    try {
      for (const image of teamImages(registry)) expect((await client.check(image, alice)).status).toBe('available');
      await sleep(1100);
      const before = registry.tokenRequests().length;
      for (const image of teamImages(registry)) expect((await client.check(image, alice)).status).toBe('available');
      const requests = registry.tokenRequests().slice(before);
      expect(requests).toHaveLength(1);
      expect(requests[0].scopes.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `repository:team/app${i}:pull`));
    } finally {
      await client.close();
      await registry.stop();
    }
  });

  test('a shared token without this repository’s grant is retried with a token of its own scope: the refusal stands (absent or private: the same credentials pull team/*)', async () => {
    const registry = await tokenRegistry();
    const { client } = clientFor(registry);
    try {
      for (const image of teamImages(registry)) await client.check(image, alice);
      const other = ref(registry, 'other/app:v1');
      expect(await client.check(other, alice)).toMatchObject({ status: 'absent', failure: 'absent-or-private' });
      await sleep(1100);
      const before = registry.tokenRequests().length;
      // other/app asks first: its token request carries the team scopes too, and only they are granted.
      expect(await client.check(other, alice)).toMatchObject({ status: 'absent', failure: 'absent-or-private' });
      for (const image of teamImages(registry)) expect((await client.check(image, alice)).status).toBe('available');
      const requests = registry.tokenRequests().slice(before);
      expect(requests.map((request) => request.scopes.length)).toEqual([6, 1]);
      expect(requests[1].scopes).toEqual(['repository:other/app:pull']);
    } finally {
      await client.close();
      await registry.stop();
    }
  });

  test('wrong credentials: refused on the POST and on the GET containerd falls back to, once per check; the scopes are not retried one by one', async () => {
    const registry = await tokenRegistry();
    const { client } = clientFor(registry);
    const wrong = [cred('alice', 'nope')];
    try {
      for (const image of teamImages(registry)) expect((await client.check(image, wrong)).status).toBe('authentication_failure');
      const before = registry.tokenRequests().length;
      expect((await client.check(teamImages(registry)[0], wrong)).status).toBe('authentication_failure');
      const requests = registry.tokenRequests().slice(before);
      expect(requests.map((request) => `${request.method} ${request.scopes.length}:${request.status}`)).toEqual(['POST 5:401', 'GET 5:401']);
    } finally {
      await client.close();
      await registry.stop();
    }
  });

  test('a token server that refuses several scopes: one scope per request from then on, every check still available', async () => {
    const registry = await tokenRegistry({ tokenMaxScopes: 1 });
    const { client } = clientFor(registry);
    try {
      for (const image of teamImages(registry)) await client.check(image, alice);
      await sleep(1100);
      const before = registry.tokenRequests().length;
      for (const image of teamImages(registry)) expect((await client.check(image, alice)).status).toBe('available');
      const requests = registry.tokenRequests().slice(before);
      // containerd's fallback: the POST's 400 is asked again as GET, then one scope per request.
      expect(requests.map((request) => `${request.method} ${request.scopes.length}:${request.status}`)).toEqual(['POST 5:400', 'GET 5:400', ...Array(5).fill('POST 1:200')]);
    } finally {
      await client.close();
      await registry.stop();
    }
  });
});
