// A registry moves its token server (new realm in its challenge): the realm learnt from the first
// challenge must not be trusted forever. Real distribution registry and token server.
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

describe('token server moved to another port', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  const ref = (path: string) => parseReference(`${registry.host}/${path}`);

  beforeEach(async () => {
    // Tokens live 1 s, so the client's cached token is stale within the test.
    registry = await startRegistry({ auth: 'token', anonymous: 'token', anonymousGrants: ['*'], tokenExpiresIn: 1 });
    await registry.pushImage('team/app', 'v1');
    await registry.pushImage('team/other', 'v1');
    client = new RegistryClient({ requestTimeoutMs: 3000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [registry.host], connectionsPerOrigin: 2, userAgent: 't' });
  });
  afterEach(async () => {
    await client.close();
    await registry.stop();
  });

  test('next check after the move → available, after a fresh challenge from the registry', async () => {
    expect((await client.check(ref('team/app:v1'), [])).status).toBe('available');
    const oldRealm = registry.realm;
    await registry.moveTokenServer();
    expect(registry.realm).not.toBe(oldRealm);
    await registry.resetRequests();

    // A repository whose token is not cached: the old realm refuses the connection.
    const other = await client.check(ref('team/other:v1'), []);
    expect(other).toMatchObject({ status: 'available' });
    const requests = await registry.requests();
    expect(requests.filter((r) => r.method === 'HEAD').map((r) => r.status)).toEqual([401, 200]);
    expect(registry.tokenRequests()).toHaveLength(1);

    // The first repository's token expired meanwhile: renewed at the new realm, no re-challenge needed.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await registry.resetRequests();
    expect((await client.check(ref('team/app:v1'), [])).status).toBe('available');
    expect((await registry.requests()).map((r) => r.status)).toEqual([200]);
  });

  test('token server gone → registry_unavailable, and every check asks the registry again', async () => {
    expect((await client.check(ref('team/app:v1'), [])).status).toBe('available');
    await registry.stopTokenServer();
    await registry.resetRequests();
    for (let attempt = 1; attempt <= 2; attempt++) {
      const result = await client.check(ref('team/other:v1'), []);
      expect(result).toMatchObject({ status: 'registry_unavailable', failure: 'token-server-unreachable' });
      expect(result.message).toContain(`token server ${new URL(registry.realm!).host} cannot be reached (ECONNREFUSED)`);
      expect((await registry.requests()).filter((r) => r.method === 'HEAD')).toHaveLength(attempt);
    }
  });
});

