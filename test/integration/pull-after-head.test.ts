// What containerd's pull needs after a manifest's HEAD answers, each found by the differential
// suite (test/oracle): the GETs it makes next (of the manifest by digest, then of its config blob)
// answered and whole (Docker Hub over its pull rate limit refuses the GET only, `hub-rate-limited-get`;
// bodies cut short, seeds 2 and 23), and the HEAD's Content-Type one it takes for a manifest
// (seed 21). The check must fail where the pull does, and ask again next time.
import { parseReference } from '../../src/registry/references/reference.js';
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

test('a manifest GET whose body is cut short (Content-Length announced, the connection closed) → not available, as the pull fails with "unexpected EOF"', async () => {
  await registry.pushImage('team/cut', 'v1');
  const front = await startFront(async (req, res) => {
    if (req.method !== 'GET' || route(req.url).kind !== 'manifest') return forward(registry.host, req, res);
    const whole = Buffer.from(await (await fetch(`${registry.url}${req.url}`, { headers: { accept: String(req.headers.accept) } })).arrayBuffer());
    res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json', 'content-length': String(whole.length) });
    res.write(whole.subarray(0, 10));
    setTimeout(() => res.destroy(), 20);
  });
  servers.push(front);
  const client = clientFor(front.host);
  const result = await client.check(parseReference(`${front.host}/team/cut:v1`), []);
  await client.close();
  expect(result.status).toBe('registry_unavailable');
});

test.each(['application/json', 'application/octet-stream', ''])('a manifest labelled %j by its HEAD → unknown_error saying containerd will not take it for a manifest', async (label) => {
  await registry.pushImage('team/label', 'v1');
  const relabel = (type: string) =>
    startFront((req, res) => {
      if (route(req.url).kind !== 'manifest') return forward(registry.host, req, res);
      forward(registry.host, req, res, ({ 'content-type': _dropped, ...rest }) => (type ? { ...rest, 'content-type': type } : rest));
    });
  const front = await relabel(label);
  servers.push(front);
  const client = clientFor(front.host);
  const result = await client.check(parseReference(`${front.host}/team/label:v1`), []);
  await client.close();
  expect(result).toMatchObject({ status: 'unknown_error', failure: 'unexpected-reply' });
  expect(result.message).toContain(`which containerd does not take for a manifest: it fetches the digest from /blobs/`);
});

test('a manifest labelled an index, and an index labelled a manifest → unknown_error in containerd\'s words (validateMediaType; seeds 46 and 239)', async () => {
  await registry.pushImage('team/mislabelled', 'v1', { format: 'oci' });
  await registry.pushIndex('team/mislabelled-index', 'v1', { format: 'oci-index', platforms: [{ os: 'linux', architecture: 'amd64' }] });
  const front = await startFront((req, res) => {
    if (route(req.url).kind !== 'manifest') return forward(registry.host, req, res);
    const label = req.url!.includes('/team/mislabelled-index/') ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.oci.image.index.v1+json';
    forward(registry.host, req, res, (headers) => ({ ...headers, 'content-type': label }));
  });
  servers.push(front);
  const client = clientFor(front.host);
  const asIndex = await client.check(parseReference(`${front.host}/team/mislabelled:v1`), []);
  expect(asIndex).toMatchObject({ status: 'unknown_error', failure: 'unexpected-reply' });
  expect(asIndex.message).toContain('cannot be unpacked ("media-type: expected index but found manifest (application/vnd.oci.image.index.v1+json)"): the kubelet\'s pull fails');
  const asManifest = await client.check(parseReference(`${front.host}/team/mislabelled-index:v1`), []);
  expect(asManifest).toMatchObject({ status: 'unknown_error', failure: 'unexpected-reply' });
  expect(asManifest.message).toContain('("media-type: expected manifest but found index (application/vnd.oci.image.manifest.v1+json)")');
  await client.close();
});

test("an index whose HEAD answers and whose GET is refused (403) → authorization_failure, not available (seed 17)", async () => {
  await registry.pushIndex('team/index-refused', 'v1', { format: 'oci-index', platforms: [{ os: 'linux', architecture: 'amd64' }] });
  const front = await startFront((req, res) => {
    if (req.method === 'GET' && route(req.url).kind === 'manifest') {
      res.writeHead(403);
      return void res.end();
    }
    forward(registry.host, req, res);
  });
  servers.push(front);
  const client = clientFor(front.host);
  const result = await client.check(parseReference(`${front.host}/team/index-refused:v1`), []);
  await client.close();
  expect(result).toMatchObject({ status: 'authorization_failure', failure: 'pull-denied' });
  expect(result.message).toContain("refuses the GET of its manifest (403), which the kubelet's pull makes");
});

test('a manifest GET whose body is not JSON → unknown_error, as containerd cannot unpack it (seeds 345, 354, 474, 498, 500, 527)', async () => {
  await registry.pushImage('team/not-json', 'v1');
  const front = await startFront((req, res) => {
    if (req.method !== 'GET' || route(req.url).kind !== 'manifest') return forward(registry.host, req, res);
    res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' });
    res.end('{"schemaVersion": 2, "mediaType": ');
  });
  servers.push(front);
  const client = clientFor(front.host);
  const result = await client.check(parseReference(`${front.host}/team/not-json:v1`), []);
  await client.close();
  expect(result).toMatchObject({ status: 'unknown_error', failure: 'unexpected-reply' });
  expect(result.message).toContain('cannot be unpacked ("the manifest is not JSON")');
});

test("a digest reference is read by its own digest, whatever digest the HEAD names (seed 530: containerd pulls it)", async () => {
  const digest = await registry.pushImage('team/by-digest', 'v1');
  const front = await startFront((req, res) => {
    if (req.method !== 'HEAD' || route(req.url).kind !== 'manifest') return forward(registry.host, req, res);
    forward(registry.host, req, res, (headers) => ({ ...headers, 'docker-content-digest': `sha256:${'e'.repeat(64)}` }));
  });
  servers.push(front);
  const client = clientFor(front.host);
  expect((await client.check(parseReference(`${front.host}/team/by-digest@${digest}`), [])).status).toBe('available');
  await client.close();
});

test('a schema 2 manifest labelled text/plain → unknown_error: containerd reads it as schema 1 and fails with "no signatures" (seed 534)', async () => {
  await registry.pushImage('team/plain-text', 'v1');
  const front = await startFront((req, res) => {
    if (route(req.url).kind !== 'manifest') return forward(registry.host, req, res);
    forward(registry.host, req, res, (headers) => ({ ...headers, 'content-type': 'text/plain' }));
  });
  servers.push(front);
  const client = clientFor(front.host);
  const result = await client.check(parseReference(`${front.host}/team/plain-text:v1`), []);
  await client.close();
  expect(result).toMatchObject({ status: 'unknown_error', failure: 'unexpected-reply' });
  expect(result.message).toContain('cannot be unpacked ("no signatures")');
});
