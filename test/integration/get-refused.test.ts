// A registry that answers a manifest's HEAD but refuses the GET containerd's pull makes next (of
// the manifest by digest, then of its config blob): the kubelet's pull fails with that status
// (the differential suite saw it for Docker Hub over its pull rate limit, where a HEAD is not a
// pull and a GET is: `hub-rate-limited-get`). The check must fail alike, and ask again next time.
import { parseReference } from '../../src/registry/reference.js';
import { RegistryClient } from '../../src/registry/client.js';
import { DOCKER_HUB_GET_LIMITED, startDockerHubLike } from '../support/dialects/docker-hub.js';
import { errors, forward, route, startFront } from '../support/dialects/front.js';
import type { HostileServer } from '../support/hostile-server.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

let registry: TestRegistry;
const servers: HostileServer[] = [];
const clientFor = (host: string) => new RegistryClient({ requestTimeoutMs: 3000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [host], connectionsPerOrigin: 2, userAgent: 't' });

beforeAll(async () => {
  registry = await startRegistry({ auth: 'none' });
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  await registry.stop();
});

test("Docker Hub over its pull rate limit (HEAD 200, the manifest's GET 429) → registry_unavailable with its Retry-After, not available", async () => {
  await registry.pushImage('ratelimit-get/app', 'v1');
  const hub = await startDockerHubLike(registry.host, { accounts: {}, anonymousPull: [DOCKER_HUB_GET_LIMITED] });
  servers.push(hub);
  const client = clientFor(hub.host);
  const result = await client.check(parseReference(`${hub.host}/ratelimit-get/app:v1`), []);
  await client.close();
  expect(result).toMatchObject({ status: 'registry_unavailable', failure: 'rate-limited', retryAfterMs: 21_600_000 });
  expect(result.message).toContain(`the registry answers the HEAD of ${hub.host}/ratelimit-get/app:v1's manifest but refuses the GET of its manifest (429 TOOMANYREQUESTS), which the kubelet's pull makes: the pull fails`);
});

test("a config blob whose GET fails with 500 → registry_unavailable; asked again at the next check, available once the GET works", async () => {
  await registry.pushImage('team/app', 'v1');
  let failing = true;
  const front = await startFront((req, res) => {
    const where = route(req.url);
    if (failing && req.method === 'GET' && where.kind === 'blob') return errors(res, 500, 'UNKNOWN', 'storage backend down');
    forward(registry.host, req, res);
  });
  servers.push(front);
  const client = clientFor(front.host);
  const image = parseReference(`${front.host}/team/app:v1`);
  const refused = await client.check(image, []);
  expect(refused).toMatchObject({ status: 'registry_unavailable', failure: 'registry-error' });
  expect(refused.message).toContain('refuses the GET of its config (500 UNKNOWN)');
  failing = false;
  expect((await client.check(image, [])).status).toBe('available');
  await client.close();
});
